WITH osm_bounds AS (
  SELECT
    DATE_SUB(CAST(MIN(started_at) AS DATE), INTERVAL (WEEKDAY(MIN(started_at))) DAY) AS osm_lo,
    DATE_SUB(CAST(MAX(started_at) AS DATE), INTERVAL (WEEKDAY(MAX(started_at))) DAY) AS osm_hi
  FROM shop.sessions
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
    CAST(DATE_ADD(osm_lo, INTERVAL ((
      d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000
    ) * 7) DAY) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  WHERE
    CAST(DATE_ADD(osm_lo, INTERVAL ((
      d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000
    ) * 7) DAY) AS DATE) <= osm_hi
), osm_p3 AS (
  SELECT
    DATE_SUB(CAST(started_at AS DATE), INTERVAL (WEEKDAY(started_at)) DAY) AS period,
    COUNT(CASE WHEN viewed_product THEN 1 END) AS osm_l0,
    COUNT(*) AS osm_l1
  FROM shop.sessions
  GROUP BY
    DATE_SUB(CAST(started_at AS DATE), INTERVAL (WEEKDAY(started_at)) DAY)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
