WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', osm_b.osm_lo) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', osm_b.osm_hi) AS DATE) AS osm_hi
  FROM (
    SELECT
      MIN(osm_lo) AS osm_lo,
      MAX(osm_hi) AS osm_hi
    FROM (
      SELECT
        MIN(ordered_at) AS osm_lo,
        MAX(ordered_at) AS osm_hi
      FROM shop.orders
    ) AS osm_b
  ) AS osm_b
), osm_spine AS (
  SELECT
    CAST(s.period AS DATE) AS period
  FROM GENERATE_SERIES(
    CAST((
      SELECT
        osm_lo
      FROM osm_bounds
    ) AS TIMESTAMP),
    CAST((
      SELECT
        osm_hi
      FROM osm_bounds
    ) AS TIMESTAMP),
    INTERVAL '1' MONTH
  ) AS s(period)
), osm_p2 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    SUM(amount) AS osm_l0
  FROM shop.orders
  WHERE
    status = 'paid'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE)
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
