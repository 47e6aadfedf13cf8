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
    osm_k.period,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      osm_r.osm_v) AS osm_l0
  FROM osm_spine AS osm_k
  JOIN (
    SELECT
      ordered_at AS osm_t,
      amount AS osm_v
    FROM shop.orders
  ) AS osm_r
    ON osm_r.osm_t < CAST(DATEADD(MONTH, 1, osm_k.period) AS DATE)
  GROUP BY
    osm_k.period
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_j0.osm_l0 AS osm_l0
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period
