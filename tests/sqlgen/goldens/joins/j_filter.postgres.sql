WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    COUNT(CASE WHEN customer__segment = 'smb' AND product__category <> 'gift' THEN 1 END) AS osm_l0
  FROM (
    SELECT
      osm_s.*,
      osm_h0.segment AS customer__segment,
      osm_h1.category AS product__category
    FROM shop.orders AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.ordered_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
      )
    LEFT JOIN shop.products AS osm_h1
      ON osm_s.product_id = osm_h1.product_id
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE)
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
), osm_frame AS (
  SELECT
    osm_k.period,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period
