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
    EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL '1' MONTH)) AS period
  FROM osm_bounds
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.country
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      UPPER(country_code) AS country
    FROM shop.orders
  ) AS osm_d
), osm_p3 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    UPPER(country_code) AS country,
    SUM(amount) AS osm_l0,
    COUNT(*) AS osm_l1
  FROM shop.orders
  WHERE
    status = 'paid'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    UPPER(country_code)
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.country,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.country IS NOT DISTINCT FROM osm_k.country
)
SELECT
  period,
  country,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  country NULLS LAST
