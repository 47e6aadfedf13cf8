WITH osm_bounds AS (
  SELECT
    DATE_SUB(CAST(MIN(ordered_at) AS DATE), INTERVAL (WEEKDAY(MIN(ordered_at))) DAY) AS osm_lo,
    DATE_SUB(CAST(MAX(ordered_at) AS DATE), INTERVAL (WEEKDAY(MAX(ordered_at))) DAY) AS osm_hi
  FROM shop.orders
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
    DATE_SUB(CAST(ordered_at AS DATE), INTERVAL (WEEKDAY(ordered_at)) DAY) AS period,
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
    DATE_SUB(CAST(ordered_at AS DATE), INTERVAL (WEEKDAY(ordered_at)) DAY),
    product__category
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.product__category
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      product__category
    FROM osm_p3
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.product__category,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.product__category <=> osm_k.product__category
)
SELECT
  period,
  product__category,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  CASE WHEN product__category IS NULL THEN 1 ELSE 0 END, product__category
