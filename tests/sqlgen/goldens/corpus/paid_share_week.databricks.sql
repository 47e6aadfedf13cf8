WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('WEEK', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL '7' DAY)) AS period
  FROM osm_bounds
), osm_p2 AS (
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
  LEFT JOIN osm_p2 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
