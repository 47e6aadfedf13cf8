WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('QUARTER', ordered_at) AS DATE) AS period,
    COUNT(DISTINCT CASE WHEN order_seq >= 2 THEN customer_id END) AS osm_l0,
    COUNT(DISTINCT customer_id) AS osm_l1
  FROM erp.orders
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', ordered_at) AS DATE)
), osm_bounds AS (
  SELECT
    MIN(period) AS osm_lo,
    MAX(period) AS osm_hi
  FROM osm_p0
), osm_spine AS (
  SELECT
    CAST(s.period AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '3 MONTH') AS s(period)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS DOUBLE PRECISION) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
