WITH osm_bounds AS (
  SELECT
    CAST(MIN(ordered_at) AS DATE) AS osm_lo,
    CAST(MAX(ordered_at) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    CAST(s.period AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '1 DAY') AS s(period)
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.channel
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      channel AS channel
    FROM shop.orders
  ) AS osm_d
), osm_p3 AS (
  SELECT
    osm_k.period,
    osm_k.channel,
    COUNT(DISTINCT osm_r.osm_v) AS osm_l0
  FROM osm_keys AS osm_k
  JOIN (
    SELECT
      ordered_at AS osm_t,
      channel AS channel,
      customer_id AS osm_v
    FROM shop.orders
  ) AS osm_r
    ON osm_r.osm_t < CAST(osm_k.period + INTERVAL '1 DAY' AS DATE)
    AND osm_r.osm_t >= CAST(CAST(osm_k.period + INTERVAL '1 DAY' AS DATE) + INTERVAL '-7 DAY' AS DATE)
    AND osm_r.channel IS NOT DISTINCT FROM osm_k.channel
  GROUP BY
    osm_k.period,
    osm_k.channel
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.channel,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
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
