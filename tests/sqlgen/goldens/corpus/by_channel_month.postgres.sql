WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    channel AS channel,
    COUNT(*) AS osm_l0
  FROM shop.orders
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    channel
), osm_bounds AS (
  SELECT
    MIN(period) AS osm_lo,
    MAX(period) AS osm_hi
  FROM osm_p0
), osm_spine AS (
  SELECT
    CAST(s.period AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '1 MONTH') AS s(period)
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.channel
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      channel
    FROM osm_p0
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.channel,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.channel IS NOT DISTINCT FROM osm_k.channel
)
SELECT
  period,
  channel,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  channel
