WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', osm_b.osm_lo) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', osm_b.osm_hi) AS DATE) AS osm_hi
  FROM (
    SELECT
      MIN(osm_lo) AS osm_lo,
      MAX(osm_hi) AS osm_hi
    FROM (
      SELECT
        MIN(ordered_at) AS osm_lo,
        MAX(ordered_at) AS osm_hi
      FROM shop.orders
      UNION ALL
      SELECT
        MIN(started_at) AS osm_lo,
        MAX(started_at) AS osm_hi
      FROM shop.sessions
    ) AS osm_b
  ) AS osm_b
), osm_spine AS (
  SELECT
    CAST(UNNEST(
      GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '1' MONTH)
    ) AS DATE) AS period
  FROM osm_bounds
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__segment
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__segment AS customer__segment
    FROM (
      SELECT
        osm_s.*,
        osm_h0.segment AS customer__segment
      FROM shop.sessions AS osm_s
      LEFT JOIN shop.customers AS osm_h0
        ON osm_s.visitor_id = osm_h0.customer_id
        AND osm_h0.valid_from <= osm_s.started_at
        AND (
          osm_h0.valid_to IS NULL OR osm_s.started_at < osm_h0.valid_to
        )
    ) AS osm_rows
  ) AS osm_d
), osm_f0 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', started_at) AS DATE) AS period,
    customer__segment AS customer__segment,
    visitor_id AS osm_e,
    MIN(started_at) AS osm_first
  FROM (
    SELECT
      osm_s.*,
      osm_h0.segment AS customer__segment
    FROM shop.sessions AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.visitor_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.started_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.started_at < osm_h0.valid_to
      )
  ) AS osm_rows
  WHERE
    NOT visitor_id IS NULL AND customer__segment = 'smb'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', started_at) AS DATE),
    customer__segment,
    visitor_id
), osm_p4 AS (
  SELECT
    osm_f.period,
    osm_f.customer__segment,
    CAST(COUNT(osm_c.osm_e) AS DOUBLE) / NULLIF(COUNT(*), 0) AS osm_l0
  FROM osm_f0 AS osm_f
  LEFT JOIN (
    SELECT DISTINCT
      osm_f.period,
      osm_f.customer__segment,
      osm_f.osm_e
    FROM osm_f0 AS osm_f
    JOIN (
      SELECT
        customer_id AS osm_e,
        ordered_at AS osm_t
      FROM (
        SELECT
          osm_s.*,
          osm_h0.category AS product__category
        FROM shop.orders AS osm_s
        LEFT JOIN shop.products AS osm_h0
          ON osm_s.product_id = osm_h0.product_id
      ) AS osm_rows
      WHERE
        product__category = 'gift'
    ) AS osm_r
      ON osm_r.osm_e = osm_f.osm_e
      AND osm_r.osm_t >= osm_f.osm_first
      AND osm_r.osm_t <= osm_f.osm_first + INTERVAL '7' DAY
  ) AS osm_c
    ON osm_c.period = osm_f.period
    AND osm_c.osm_e = osm_f.osm_e
    AND osm_c.customer__segment IS NOT DISTINCT FROM osm_f.customer__segment
  GROUP BY
    osm_f.period,
    osm_f.customer__segment
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__segment,
    osm_j0.osm_l0 AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p4 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__segment IS NOT DISTINCT FROM osm_k.customer__segment
)
SELECT
  period,
  customer__segment,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  customer__segment
