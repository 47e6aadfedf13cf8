WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', MIN(started_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('WEEK', MAX(started_at)) AS DATE) AS osm_hi
  FROM shop.sessions
), osm_spine AS (
  SELECT
    CAST(UNNEST(
      GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '7' DAY)
    ) AS DATE) AS period
  FROM osm_bounds
), osm_p2 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', started_at) AS DATE) AS period,
    COUNT(CASE WHEN viewed_product THEN 1 END) AS osm_l0,
    COUNT(*) AS osm_l1
  FROM shop.sessions
  GROUP BY
    CAST(DATE_TRUNC('WEEK', started_at) AS DATE)
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
