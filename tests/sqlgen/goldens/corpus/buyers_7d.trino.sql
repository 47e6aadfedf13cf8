WITH osm_bounds AS (
  SELECT
    CAST(MIN(ordered_at) AS DATE) AS osm_lo,
    CAST(MAX(ordered_at) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    s.period
  FROM osm_bounds
  CROSS JOIN UNNEST(SEQUENCE(osm_lo, osm_hi, INTERVAL '1' DAY)) AS s(period)
), osm_p2 AS (
  SELECT
    osm_k.period,
    COUNT(DISTINCT osm_r.osm_v) AS osm_l0
  FROM osm_spine AS osm_k
  JOIN (
    SELECT
      ordered_at AS osm_t,
      customer_id AS osm_v
    FROM shop.orders
  ) AS osm_r
    ON osm_r.osm_t < CAST(DATE_ADD('DAY', 1, osm_k.period) AS DATE)
    AND osm_r.osm_t >= CAST(DATE_ADD('DAY', -7, CAST(DATE_ADD('DAY', 1, osm_k.period) AS DATE)) AS DATE)
  GROUP BY
    osm_k.period
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p2 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period
