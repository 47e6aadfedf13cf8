WITH osm_bounds AS (
  SELECT
    CAST(MIN(ordered_at) AS DATE) AS osm_lo,
    CAST(MAX(ordered_at) AS DATE) AS osm_hi
  FROM shop.orders
), osm_digits AS (
  SELECT
    0 AS d
  UNION ALL
  SELECT
    1 AS d
  UNION ALL
  SELECT
    2 AS d
  UNION ALL
  SELECT
    3 AS d
  UNION ALL
  SELECT
    4 AS d
  UNION ALL
  SELECT
    5 AS d
  UNION ALL
  SELECT
    6 AS d
  UNION ALL
  SELECT
    7 AS d
  UNION ALL
  SELECT
    8 AS d
  UNION ALL
  SELECT
    9 AS d
), osm_spine AS (
  SELECT
    CAST(DATE_ADD(osm_lo, INTERVAL (d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000 + d4.d * 10000) DAY) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  CROSS JOIN osm_digits AS d4
  WHERE
    CAST(DATE_ADD(osm_lo, INTERVAL (d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000 + d4.d * 10000) DAY) AS DATE) <= osm_hi
), osm_p3 AS (
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
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period AND osm_j0.channel <=> osm_k.channel
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
  CASE WHEN channel IS NULL THEN 1 ELSE 0 END, channel
