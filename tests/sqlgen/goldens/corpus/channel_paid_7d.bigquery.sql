WITH osm_bounds AS (
  SELECT
    CAST(MIN(ordered_at) AS DATE) AS osm_lo,
    CAST(MAX(ordered_at) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    period
  FROM osm_bounds
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(osm_lo, osm_hi, INTERVAL '1' DAY)) AS period
), osm_p2 AS (
  SELECT
    CAST(ordered_at AS DATE) AS period,
    channel AS channel,
    SUM(amount) AS osm_l0
  FROM shop.orders
  WHERE
    status = 'paid'
  GROUP BY
    CAST(ordered_at AS DATE),
    channel
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
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.channel,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p2 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.channel IS NOT DISTINCT FROM osm_k.channel
), osm_window AS (
  SELECT
    period,
    channel,
    SUM(osm_l0) OVER (PARTITION BY channel ORDER BY period ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS osm_l0
  FROM osm_frame
)
SELECT
  period,
  channel,
  osm_l0 AS value
FROM osm_window
ORDER BY
  period,
  channel NULLS LAST
