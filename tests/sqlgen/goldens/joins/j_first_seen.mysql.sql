WITH osm_bounds AS (
  SELECT
    MAKEDATE(YEAR(MIN(ordered_at)), 1) + INTERVAL (
      MONTH(MIN(ordered_at)) - 1
    ) MONTH AS osm_lo,
    MAKEDATE(YEAR(MAX(ordered_at)), 1) + INTERVAL (
      MONTH(MAX(ordered_at)) - 1
    ) MONTH AS osm_hi
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
    CAST(DATE_ADD(osm_lo, INTERVAL (d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000) MONTH) AS DATE) AS period
  FROM osm_bounds
  CROSS JOIN osm_digits AS d0
  CROSS JOIN osm_digits AS d1
  CROSS JOIN osm_digits AS d2
  CROSS JOIN osm_digits AS d3
  WHERE
    CAST(DATE_ADD(osm_lo, INTERVAL (d0.d + d1.d * 10 + d2.d * 100 + d3.d * 1000) MONTH) AS DATE) <= osm_hi
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
), osm_p4 AS (
  SELECT
    osm_first AS period,
    customer__account__region,
    COUNT(*) AS osm_l0
  FROM (
    SELECT
      customer__account__region AS customer__account__region,
      MIN(MAKEDATE(YEAR(ordered_at), 1) + INTERVAL (
        MONTH(ordered_at) - 1
      ) MONTH) AS osm_first
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
  LEFT JOIN osm_p4 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__account__region <=> osm_k.customer__account__region
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
  CASE WHEN customer__account__region IS NULL THEN 1 ELSE 0 END, customer__account__region
