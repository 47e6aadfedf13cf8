WITH osm_p0 AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE) AS period,
    customer__segment AS customer__segment,
    SUM(CASE WHEN status = 'paid' THEN amount END) AS osm_l0,
    COUNT(CASE WHEN status = 'paid' THEN 1 END) AS osm_l1
  FROM (
    SELECT
      osm_s.*,
      osm_h0.segment AS customer__segment
    FROM shop.orders AS osm_s
    LEFT JOIN shop.customers AS osm_h0
      ON osm_s.customer_id = osm_h0.customer_id
      AND osm_h0.valid_from <= osm_s.ordered_at
      AND (
        osm_h0.valid_to IS NULL OR osm_s.ordered_at < osm_h0.valid_to
      )
  ) AS osm_rows
  GROUP BY
    CAST(DATE_TRUNC('MONTH', ordered_at) AS DATE),
    customer__segment
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
), osm_keys AS (
  SELECT
    osm_s.period,
    osm_d.customer__segment
  FROM osm_spine AS osm_s
  CROSS JOIN (
    SELECT DISTINCT
      customer__segment
    FROM osm_p0
  ) AS osm_d
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_k.customer__segment,
    COALESCE(osm_j0.osm_l0, 0) AS osm_l0,
    COALESCE(osm_j0.osm_l1, 0) AS osm_l1
  FROM osm_keys AS osm_k
  LEFT JOIN osm_p0 AS osm_j0
    ON osm_j0.period = osm_k.period
    AND osm_j0.customer__segment IS NOT DISTINCT FROM osm_k.customer__segment
)
SELECT
  period,
  customer__segment,
  CAST(osm_l0 AS DOUBLE PRECISION) / NULLIF(osm_l1, 0) AS value
FROM osm_frame
ORDER BY
  period,
  customer__segment
