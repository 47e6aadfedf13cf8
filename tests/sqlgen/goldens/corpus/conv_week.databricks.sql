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
        MIN(started_at) AS osm_lo,
        MAX(started_at) AS osm_hi
      FROM shop.sessions
    ) AS osm_b
  ) AS osm_b
), osm_spine AS (
  SELECT
    EXPLODE(SEQUENCE(osm_lo, osm_hi, INTERVAL '7' DAY)) AS period
  FROM osm_bounds
), osm_f0 AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', started_at) AS DATE) AS period,
    customer_id AS osm_e,
    MIN(started_at) AS osm_first
  FROM shop.sessions
  WHERE
    NOT customer_id IS NULL AND reached_checkout
  GROUP BY
    CAST(DATE_TRUNC('WEEK', started_at) AS DATE),
    customer_id
), osm_p3 AS (
  SELECT
    osm_f.period,
    CAST(COUNT(osm_c.osm_e) AS DOUBLE) / NULLIF(COUNT(*), 0) AS osm_l0
  FROM osm_f0 AS osm_f
  LEFT JOIN (
    SELECT DISTINCT
      osm_f.period,
      osm_f.osm_e
    FROM osm_f0 AS osm_f
    JOIN (
      SELECT
        customer_id AS osm_e,
        ordered_at AS osm_t
      FROM shop.orders
    ) AS osm_r
      ON osm_r.osm_e = osm_f.osm_e
      AND osm_r.osm_t >= osm_f.osm_first
      AND osm_r.osm_t <= osm_f.osm_first + INTERVAL '1' DAY
  ) AS osm_c
    ON osm_c.period = osm_f.period AND osm_c.osm_e = osm_f.osm_e
  GROUP BY
    osm_f.period
), osm_frame AS (
  SELECT
    osm_k.period,
    osm_j0.osm_l0 AS osm_l0
  FROM osm_spine AS osm_k
  LEFT JOIN osm_p3 AS osm_j0
    ON osm_j0.period = osm_k.period
)
SELECT
  period,
  osm_l0 AS value
FROM osm_frame
ORDER BY
  period
