WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    CAST(DATEADD(MONTH, s.value, osm_lo) AS DATE) AS period
  FROM osm_bounds, LATERAL FLATTEN(INPUT => ARRAY_GENERATE_RANGE(0, DATEDIFF(MONTH, osm_lo, osm_hi) + 1, 1)) AS s(SEQ, KEY, PATH, INDEX, VALUE, THIS)
), osm_p2 AS (
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
  LEFT JOIN osm_p2 AS osm_j0
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
