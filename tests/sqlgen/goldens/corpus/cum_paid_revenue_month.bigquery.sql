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
), osm_p2 AS (
  SELECT
    DATE_TRUNC(CAST(ordered_at AS DATE), MONTH) AS period,
    SUM(amount) AS osm_l0
  FROM shop.orders
  WHERE
    status = 'paid'
  GROUP BY
    DATE_TRUNC(CAST(ordered_at AS DATE), MONTH)
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
