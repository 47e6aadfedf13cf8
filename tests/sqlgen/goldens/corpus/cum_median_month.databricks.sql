WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL '1' MONTH)) AS period
  FROM osm_bounds
), osm_p2 AS (
  SELECT
    osm_k.period,
    PERCENTILE(osm_r.osm_v, 0.5) AS osm_l0
  FROM osm_spine AS osm_k
  JOIN (
    SELECT
      ordered_at AS osm_t,
      amount AS osm_v
    FROM shop.orders
  ) AS osm_r
    ON osm_r.osm_t < CAST(DATEADD(MONTH, 1, osm_k.period) AS DATE)
  GROUP BY
    osm_k.period
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_j0.osm_l0 AS osm_l0
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
