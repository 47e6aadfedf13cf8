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
    SUM(amount) AS osm_l0
  FROM shop.orders
  WHERE
    status = 'paid'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
), osm_window AS (
  SELECT
    period,
    SUM(osm_l0) OVER (ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS osm_l0
  FROM osm_frame
)
SELECT
  period,
  osm_l0 AS value
FROM osm_window
ORDER BY
  period
