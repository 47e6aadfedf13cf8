WITH osm_bounds AS (
  SELECT
    DATE_TRUNC(CAST(MIN(ordered_at) AS DATE), MONTH) AS osm_lo,
    DATE_TRUNC(CAST(MAX(ordered_at) AS DATE), MONTH) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    period
  FROM osm_bounds
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(osm_lo, osm_hi, INTERVAL '1' MONTH)) AS period
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
      FROM shop.orders AS osm_s
      LEFT JOIN shop.customers AS osm_h0
        ON osm_s.customer_id = osm_h0.customer_id
        AND osm_h0.valid_from <= osm_s.ordered_at
        AND (
          osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
        )
    ) AS osm_rows
  ) AS osm_d
), osm_p3 AS (
  SELECT
    osm_k.period,
    osm_k.customer__segment,
    COUNT(DISTINCT osm_r.osm_v) AS osm_l0
  FROM osm_keys AS osm_k
  JOIN (
    SELECT
      CAST(ordered_at AS DATE) AS osm_t,
      customer__segment AS customer__segment,
      customer_id AS osm_v
    FROM (
      SELECT
        osm_s.*,
        osm_h0.segment AS customer__segment
      FROM shop.orders AS osm_s
      LEFT JOIN shop.customers AS osm_h0
        ON osm_s.customer_id = osm_h0.customer_id
        AND osm_h0.valid_from <= osm_s.ordered_at
        AND (
          osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
        )
    ) AS osm_rows
  ) AS osm_r
    ON osm_r.osm_t < CAST(DATE_ADD(osm_k.period, INTERVAL 1 MONTH) AS DATE)
    AND osm_r.osm_t >= CAST(DATE_ADD(CAST(DATE_ADD(osm_k.period, INTERVAL 1 MONTH) AS DATE), INTERVAL -30 DAY) AS DATE)
    AND osm_r.customer__segment IS NOT DISTINCT FROM osm_k.customer__segment
  GROUP BY
    osm_k.period,
    osm_k.customer__segment
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__segment,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
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
  customer__segment NULLS LAST
