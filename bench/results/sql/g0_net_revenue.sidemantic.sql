WITH orders_cte AS (
  SELECT
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at,
    status AS status,
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at__day,
    amount AS amount,
    CASE WHEN status = 'paid' AND amount >= 0 THEN 1 ELSE NULL END AS g0_paid_orders_raw,
    CASE WHEN status = 'paid' AND amount >= 0 THEN amount ELSE NULL END AS g0_paid_revenue_raw
  FROM bench.orders
)
SELECT
  orders_cte.ordered_at__day AS ordered_at__day,
  (
    SUM(orders_cte.g0_paid_revenue_raw)
  ) - 5 * (
    COUNT(orders_cte.g0_paid_orders_raw)
  ) AS g0_net_revenue
FROM orders_cte
GROUP BY
  1
ORDER BY
  ordered_at__day NULLS FIRST
-- sidemantic: models=orders metrics=orders.g0_net_revenue dimensions=orders.ordered_at granularities=day
