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
    COUNT(DISTINCT CASE WHEN order_seq >= 2 THEN customer_id END) AS osm_l0,
    COUNT(DISTINCT customer_id) AS osm_l1
  FROM shop.orders
  GROUP BY
    DATE_TRUNC(CAST(ordered_at AS DATE), MONTH)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p2 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS FLOAT64) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
