WITH osm_bounds AS (
  SELECT
    MAKEDATE(YEAR(MIN(created_at)), 1) + INTERVAL (
      MONTH(MIN(created_at)) - 1
    ) MONTH AS osm_lo,
    MAKEDATE(YEAR(MAX(created_at)), 1) + INTERVAL (
      MONTH(MAX(created_at)) - 1
    ) MONTH AS osm_hi
  FROM crm.deals
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
), osm_p3 AS (
  SELECT
    MAKEDATE(YEAR(created_at), 1) + INTERVAL (
      MONTH(created_at) - 1
    ) MONTH AS period,
    customer__account__tier AS customer__account__tier,
    COUNT(CASE WHEN status = 'won' THEN 1 END) AS osm_l0,
    COUNT(CASE WHEN status IN ('won', 'lost') THEN 1 END) AS osm_l1
  FROM (
    SELECT
      osm_s.*,
      osm_h1.tier AS customer__account__tier
    FROM crm.deals AS osm_s
    LEFT JOIN crm.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
    LEFT JOIN crm.accounts AS osm_h1
      ON osm_h0.account_id = osm_h1.account_id
  ) AS osm_rows
  GROUP BY
    MAKEDATE(YEAR(created_at), 1) + INTERVAL (
      MONTH(created_at) - 1
    ) MONTH,
    customer__account__tier
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__account__tier
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__account__tier
    FROM osm_p3
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__account__tier,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__account__tier <=> osm_k.customer__account__tier
)
SELECT
  period,
  customer__account__tier,
  CAST(osm_l0 AS DOUBLE) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  CASE WHEN customer__account__tier IS NULL THEN 1 ELSE 0 END, customer__account__tier
