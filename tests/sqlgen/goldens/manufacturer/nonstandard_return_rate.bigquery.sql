WITH osm_bounds AS (
  SELECT
    DATE_TRUNC(CAST(osm_b.osm_lo AS DATE), MONTH) AS osm_lo,
    DATE_TRUNC(CAST(osm_b.osm_hi AS DATE), MONTH) AS osm_hi
  FROM (
    SELECT
      MIN(osm_lo) AS osm_lo,
      MAX(osm_hi) AS osm_hi
    FROM (
      SELECT
        MIN(ordered_at) AS osm_lo,
        MAX(ordered_at) AS osm_hi
      FROM erp.orders
      UNION ALL
      SELECT
        MIN(returned_at) AS osm_lo,
        MAX(returned_at) AS osm_hi
      FROM erp.returns
    ) AS osm_b
  ) AS osm_b
), osm_spine AS (
  SELECT
    period
  FROM osm_bounds
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(osm_lo, osm_hi, INTERVAL '1' MONTH)) AS period
), osm_p2 AS (
  SELECT
    DATE_TRUNC(CAST(ordered_at AS DATE), MONTH) AS period,
    COUNT(*) AS osm_l1
  FROM erp.orders
  WHERE
    product_type = 'non_standard'
  GROUP BY
    DATE_TRUNC(CAST(ordered_at AS DATE), MONTH)
), osm_p3 AS (
  SELECT
    DATE_TRUNC(CAST(returned_at AS DATE), MONTH) AS period,
    COUNT(*) AS osm_l0
  FROM erp.returns
  WHERE
    product_type = 'non_standard'
  GROUP BY
    DATE_TRUNC(CAST(returned_at AS DATE), MONTH)
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j1.osm_l1, 0) AS osm_l1
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
  LEFT JOIN osm_p2 AS osm_j1
    ON osm_j1.period = osm_k.period
)
SELECT
  period,
  CAST(osm_l0 AS FLOAT64) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period
