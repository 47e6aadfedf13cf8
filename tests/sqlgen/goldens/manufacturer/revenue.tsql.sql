WITH osm_bounds AS (
  SELECT
    DATEFROMPARTS(YEAR(MIN(ordered_at)), MONTH(MIN(ordered_at)), 1) AS osm_lo,
    DATEFROMPARTS(YEAR(MAX(ordered_at)), MONTH(MAX(ordered_at)), 1) AS osm_hi
  FROM erp.orders
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
    CAST(DATEADD(MONTH, d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000, osm_lo) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  WHERE
    CAST(DATEADD(MONTH, d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000, osm_lo) AS DATE) <= osm_hi
), osm_p3 AS (
  SELECT
    DATEFROMPARTS(YEAR(ordered_at), MONTH(ordered_at), 1) AS period,
    customer__industry AS customer__industry,
    SUM(amount) AS osm_l0
  FROM (
    SELECT
      osm_s.*,
      osm_h0.industry AS customer__industry
    FROM erp.orders AS osm_s
    LEFT JOIN crm.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
  ) AS osm_rows
  GROUP BY
    DATEFROMPARTS(YEAR(ordered_at), MONTH(ordered_at), 1),
    customer__industry
), osm_keys AS (
  SELECT
    osm_s.period AS period,
    osm_d.customer__industry AS customer__industry
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__industry AS customer__industry
    FROM osm_p3
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period AS period,
    osm_k.customer__industry AS customer__industry,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__industry IS NOT DISTINCT FROM osm_k.customer__industry
)
SELECT
  period,
  customer__industry,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  CASE WHEN customer__industry IS NULL THEN 1 ELSE 0 END, customer__industry
