WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('WEEK', MAX(ordered_at)) AS DATE) AS osm_hi
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
    CAST(DATEADD(DAY, (
      d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000
    ) * 7, osm_lo) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  WHERE
    CAST(DATEADD(DAY, (
      d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000
    ) * 7, osm_lo) AS DATE) <= osm_hi
), osm_p3 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE) AS period,
    COUNT(CASE WHEN status = 'paid' THEN 1 END) AS osm_l0,
    COUNT(*) AS osm_l1
  FROM shop.orders
  GROUP BY
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS DOUBLE PRECISION) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
