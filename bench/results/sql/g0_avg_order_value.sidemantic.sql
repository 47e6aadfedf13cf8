WITH orders_cte AS (
  SELECT
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at,
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at__day,
    CASE WHEN status = 'paid' AND amount >= 0 THEN 1 ELSE NULL END AS g0_paid_orders_raw,
    CASE WHEN status = 'paid' AND amount >= 0 THEN amount ELSE NULL END AS g0_paid_revenue_raw
  FROM bench.orders
)
SELECT
  orders_cte.ordered_at__day AS ordered_at__day,
  (
    SUM(orders_cte.g0_paid_revenue_raw)
  ) / NULLIF(COUNT(orders_cte.g0_paid_orders_raw), 0) AS g0_avg_order_value
FROM orders_cte
GROUP BY
  1
ORDER BY
  ordered_at__day NULLS FIRST
-- sidemantic: models=orders metrics=orders.g0_avg_order_value dimensions=orders.ordered_at granularities=day
