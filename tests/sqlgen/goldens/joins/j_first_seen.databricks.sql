WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', MIN(ordered_at)) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('MONTH', MAX(ordered_at)) AS DATE) AS osm_hi
  FROM shop.orders
), osm_spine AS (
  SELECT
    EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL '1' MONTH)) AS period
  FROM osm_bounds
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__account__region
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__account__region AS customer__account__region
    FROM (
      SELECT
        osm_s.*,
        UPPER(osm_h1.region_code) AS customer__account__region
      FROM shop.orders AS osm_s
      LEFT JOIN shop.customers AS osm_h0
        ON osm_s.customer_id = osm_h0.customer_id
        AND osm_h0.valid_from <= osm_s.ordered_at
        AND (
          osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
        )
      LEFT JOIN crm.accounts AS osm_h1
        ON osm_h0.account_id = osm_h1.account_id
    ) AS osm_rows
  ) AS osm_d
), osm_p3 AS (
  SELECT
    osm_first AS period,
    customer__account__region,
    COUNT(*) AS osm_l0
  FROM (
    SELECT
      customer__account__region AS customer__account__region,
      MIN(CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE)) AS osm_first
    FROM (
      SELECT
        osm_s.*,
        UPPER(osm_h1.region_code) AS customer__account__region
      FROM shop.orders AS osm_s
      LEFT JOIN shop.customers AS osm_h0
        ON osm_s.customer_id = osm_h0.customer_id
        AND osm_h0.valid_from <= osm_s.ordered_at
        AND (
          osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
        )
      LEFT JOIN crm.accounts AS osm_h1
        ON osm_h0.account_id = osm_h1.account_id
    ) AS osm_rows
    WHERE
      NOT customer_id IS NULL
    GROUP BY
      customer__account__region,
      customer_id
  ) AS osm_f
  GROUP BY
    osm_first,
    customer__account__region
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__account__region,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__account__region IS NOT DISTINCT FROM osm_k.customer__account__region
), osm_window AS (
  SELECT
    period,
    customer__account__region,
    SUM(osm_l0) OVER (
      PARTITION BY customer__account__region
      ORDER BY period
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS osm_l0
  FROM osm_frame
)
SELECT
  period,
  customer__account__region,
  osm_l0 AS value
FROM osm_window
ORDER BY
  period,
  customer__account__region NULLS LAST
