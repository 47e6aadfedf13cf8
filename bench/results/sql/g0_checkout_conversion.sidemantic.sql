WITH base_events AS (
  SELECT
    customer_id AS entity,
    event_time AS event_time,
    CAST(DATE_TRUNC('DAY', event_time) AS DATE) AS event_time__day
  FROM (SELECT customer_id, started_at AS event_time, 'checkout' AS event_type FROM bench.sessions WHERE reached_checkout UNION ALL SELECT customer_id, ordered_at AS event_time, 'order' AS event_type FROM bench.orders) AS t
  WHERE event_type = 'checkout'
),
conversion_events AS (
  SELECT
    customer_id AS entity,
    event_time AS event_time,
    CAST(DATE_TRUNC('DAY', event_time) AS DATE) AS event_time__day
  FROM (SELECT customer_id, started_at AS event_time, 'checkout' AS event_type FROM bench.sessions WHERE reached_checkout UNION ALL SELECT customer_id, ordered_at AS event_time, 'order' AS event_type FROM bench.orders) AS t
  WHERE event_type = 'order'
),
conversions AS (
  SELECT DISTINCT
    base.entity,
    base.event_time__day
  FROM base_events base
  JOIN conversion_events conv
    ON base.entity = conv.entity
    AND conv.event_time BETWEEN base.event_time AND base.event_time + INTERVAL '1 days'
)
SELECT
  base_events.event_time__day AS event_time__day,
  COUNT(DISTINCT conversions.entity)::FLOAT / NULLIF(COUNT(DISTINCT base_events.entity), 0) AS g0_checkout_conversion
FROM base_events
LEFT JOIN conversions ON base_events.entity = conversions.entity
  AND base_events.event_time__day IS NOT DISTINCT FROM conversions.event_time__day
GROUP BY
  1
ORDER BY "event_time__day"
