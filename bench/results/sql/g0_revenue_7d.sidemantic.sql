SELECT
  base.ordered_at__day,
  base.g0_paid_revenue,
  SUM(base.g0_paid_revenue) OVER (ORDER BY base.ordered_at__day RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW) AS g0_revenue_7d
FROM (
WITH orders_cte AS (
  SELECT
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at,
    status AS status,
    CAST(DATE_TRUNC('DAY', ordered_at) AS DATE) AS ordered_at__day,
    amount AS amount,
    CASE WHEN status = 'paid' AND amount >= 0 THEN amount ELSE NULL END AS g0_paid_revenue_raw
  FROM bench.orders
)
SELECT
  orders_cte.ordered_at__day AS ordered_at__day,
  SUM(orders_cte.g0_paid_revenue_raw) AS g0_paid_revenue
FROM orders_cte
GROUP BY
  1
-- sidemantic: models=orders metrics=orders.g0_paid_revenue dimensions=orders.ordered_at granularities=day
) AS base
ORDER BY "ordered_at__day"
