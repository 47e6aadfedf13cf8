WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE) AS period,
    customer__account__region AS customer__account__region,
    product__category AS product__category,
    channel AS channel,
    COUNT(*) AS osm_l0
  FROM (
    SELECT
      osm_s.*,
      UPPER(osm_h1.region_code) AS customer__account__region,
      osm_h2.category AS product__category
    FROM shop.orders AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.ordered_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
      )
    LEFT JOIN crm.accounts AS osm_h1
      ON osm_h0.account_id = osm_h1.account_id
    LEFT JOIN shop.products AS osm_h2
      ON osm_s.product_id = osm_h2.product_id
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE),
    customer__account__region,
    product__category,
    channel
), osm_bounds AS (
  SELECT
    MIN(period) AS osm_lo,
    MAX(period) AS osm_hi
  FROM osm_p0
), osm_spine AS (
  SELECT
    CAST(s.period AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '7 DAY') AS s(period)
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__account__region,
    osm_d.product__category,
    osm_d.channel
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__account__region,
      product__category,
      channel
    FROM osm_p0
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__account__region,
    osm_k.product__category,
    osm_k.channel,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__account__region IS NOT DISTINCT FROM osm_k.customer__account__region
    AND osm_j0.product__category IS NOT DISTINCT FROM osm_k.product__category
    AND osm_j0.channel IS NOT DISTINCT FROM osm_k.channel
)
SELECT
  period,
  customer__account__region,
  product__category,
  channel,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period,
  customer__account__region,
  product__category,
  channel
