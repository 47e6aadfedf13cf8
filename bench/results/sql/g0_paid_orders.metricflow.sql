-- Constrain Output with WHERE
-- Select: ['__g0_paid_orders', 'metric_time__day']
-- Aggregate Inputs for Simple Metrics
-- Compute Metrics via Expressions
-- Order By ['metric_time__day']
-- Write to DataTable
SELECT
  metric_time__day
  , SUM(g0_paid_orders) AS g0_paid_orders
FROM (
  -- Read Elements From Semantic Model 'orders'
  -- Metric Time Dimension 'ordered_at'
  -- Select: ['__g0_paid_orders', 'order__status', 'order__amount', 'metric_time__day']
  SELECT
    DATE_TRUNC('day', ordered_at) AS metric_time__day
    , status AS order__status
    , amount AS order__amount
    , CASE WHEN order_id IS NOT NULL THEN 1 ELSE 0 END AS g0_paid_orders
  FROM bench.orders orders_src_10000
) subq_2
WHERE order__status = 'paid' AND order__amount >= 0
GROUP BY
  metric_time__day
ORDER BY metric_time__day
