WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('WEEK', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    CAST(UNNEST(
      GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '7' DAY)
    ) AS DATE) AS period
  FROM osm_bounds
), osm_p2 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE) AS period,
    product__category AS product__category,
    COUNT(CASE WHEN returned THEN 1 END) AS osm_l0,
    COUNT(*) AS osm_l1
  FROM (
    SELECT
      osm_s.*,
      osm_h0.category AS product__category
    FROM shop.orders AS osm_s
    LEFT JOIN shop.products AS osm_h0
      ON osm_s.product_id = osm_h0.product_id
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE),
    product__category
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.product__category
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      product__category
    FROM osm_p2
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.product__category,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p2 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.product__category IS NOT DISTINCT FROM osm_k.product__category
)
SELECT
  period,
  product__category,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  product__category
