WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    "select" AS "select",
    SUM(CASE WHEN "select" = 'a' THEN "order" END) AS osm_l0
  FROM shop.orders
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    "select"
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
    osm_d."select"
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      "select"
    FROM osm_p0
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k."select",
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0."select" IS NOT DISTINCT FROM osm_k."select"
)
SELECT
  period,
  "select",
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  "select"
