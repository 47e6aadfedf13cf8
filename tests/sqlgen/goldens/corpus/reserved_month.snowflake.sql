WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    CAST(DATEADD(MONTH, s.value, osm_lo) AS DATE) AS period
  FROM osm_bounds, LATERAL FLATTEN(INPUT => ARRAY_GENERATE_RANGE(0, DATEDIFF(MONTH, osm_lo, osm_hi) + 1, 1)) AS s(SEQ, KEY, PATH, INDEX, VALUE, THIS)
), osm_p2 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    "select" AS "select",
    SUM("order") AS osm_l0
  FROM shop.orders
  WHERE
    "select" = 'a'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    "select"
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d."select"
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      "select" AS "select"
    FROM shop.orders
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k."select",
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p2 AS osm_j0
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
