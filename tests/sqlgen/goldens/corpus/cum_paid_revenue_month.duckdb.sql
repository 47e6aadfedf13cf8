WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    CAST(UNNEST(
      GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '1' MONTH)
    ) AS DATE) AS period
  FROM osm_bounds
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
