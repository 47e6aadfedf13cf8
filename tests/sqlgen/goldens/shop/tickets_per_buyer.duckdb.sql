WITH osm_bounds AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', osm_b.osm_lo) AS DATE) AS osm_lo,
    CAST(DATE_TRUNC('WEEK', osm_b.osm_hi) AS DATE) AS osm_hi
  FROM (
    SELECT
      MIN(osm_lo) AS osm_lo,
      MAX(osm_hi) AS osm_hi
    FROM (
      SELECT
        MIN(ordered_at) AS osm_lo,
        MAX(ordered_at) AS osm_hi
      FROM shop.orders
      UNION ALL
      SELECT
        MIN(opened_at) AS osm_lo,
        MAX(opened_at) AS osm_hi
      FROM shop.support_tickets
    ) AS osm_b
  ) AS osm_b
), osm_spine AS (
  SELECT
    CAST(UNNEST(
      GENERATE_SERIES(CAST(osm_lo AS TIMESTAMP), CAST(osm_hi AS TIMESTAMP), INTERVAL '7' DAY)
    ) AS DATE) AS period
  FROM osm_bounds
), osm_p2 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE) AS period,
    customer__signup_channel AS customer__signup_channel,
    COUNT(DISTINCT customer_id) AS osm_l1
  FROM (
    SELECT
      osm_s.*,
      osm_h0.signup_channel AS customer__signup_channel
    FROM shop.orders AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.ordered_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
      )
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('WEEK', ordered_at) AS DATE),
    customer__signup_channel
), osm_p3 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', opened_at) AS DATE) AS period,
    customer__signup_channel AS customer__signup_channel,
    COUNT(*) AS osm_l0
  FROM (
    SELECT
      osm_s.*,
      osm_h0.signup_channel AS customer__signup_channel
    FROM shop.support_tickets AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.opened_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.opened_at < osm_h0.valid_to
      )
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('WEEK', opened_at) AS DATE),
    customer__signup_channel
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__signup_channel
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT
      customer__signup_channel
    FROM osm_p2
    UNION
    SELECT
      customer__signup_channel
    FROM osm_p3
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__signup_channel,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j1.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__signup_channel IS NOT DISTINCT FROM osm_k.customer__signup_channel
  LEFT JOIN osm_p2 AS osm_j1
    ON osm_j1.period = osm_k.period
    AND osm_j1.customer__signup_channel IS NOT DISTINCT FROM osm_k.customer__signup_channel
)
SELECT
  period,
  customer__signup_channel,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  customer__signup_channel
