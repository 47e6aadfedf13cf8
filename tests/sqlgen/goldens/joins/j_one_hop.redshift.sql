WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_digits AS (
  SELECT
    0 AS d
  UNION ALL
  SELECT
    1 AS d
  UNION ALL
  SELECT
    2 AS d
  UNION ALL
  SELECT
    3 AS d
  UNION ALL
  SELECT
    4 AS d
  UNION ALL
  SELECT
    5 AS d
  UNION ALL
  SELECT
    6 AS d
  UNION ALL
  SELECT
    7 AS d
  UNION ALL
  SELECT
    8 AS d
  UNION ALL
  SELECT
    9 AS d
), osm_spine AS (
  SELECT
    CAST(DATEADD(MONTH, d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000, osm_lo) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  WHERE
    CAST(DATEADD(MONTH, d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000, osm_lo) AS DATE) <= osm_hi
), osm_p3 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    customer__segment AS customer__segment,
    SUM(amount) AS osm_l0
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
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    customer__segment
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__segment
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__segment
    FROM osm_p3
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__segment,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND (
      osm_j0.customer__segment = osm_k.customer__segment
      OR (
        osm_j0.customer__segment IS NULL AND osm_k.customer__segment IS NULL
      )
    )
)
SELECT
  period,
  customer__segment,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  customer__segment
