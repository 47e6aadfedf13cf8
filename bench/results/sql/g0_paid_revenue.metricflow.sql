-- Constrain Output with WHERE
-- Select: ['__g0_paid_revenue', 'metric_time__day']
-- Aggregate Inputs for Simple Metrics
-- Compute Metrics via Expressions
-- Order By ['metric_time__day']
-- Write to DataTable
SELECT
  metric_time__day
  , SUM(g0_paid_revenue) AS g0_paid_revenue
FROM (
  -- Read Elements From Semantic Model 'orders'
  -- Metric Time Dimension 'ordered_at'
  -- Select: ['__g0_paid_revenue', 'order__status', 'order__amount', 'metric_time__day']
  SELECT
    DATE_TRUNC('day', ordered_at) AS metric_time__day
    , status AS order__status
    , amount AS order__amount
    , amount AS g0_paid_revenue
  FROM bench.orders orders_src_10000
) subq_2
WHERE order__status = 'paid' AND order__amount >= 0
GROUP BY
  metric_time__day
ORDER BY metric_time__day
