-- Constrain Output with WHERE
-- Select: ['__order_amount', 'metric_time__day']
-- Aggregate Inputs for Simple Metrics
-- Compute Metrics via Expressions
-- Compute Metrics via Expressions
-- Order By ['metric_time__day']
-- Write to DataTable
SELECT
  metric_time__day
  , SUM(order_amount) AS g0_revenue_7d
FROM (
  -- Join Self Over Time Range
  -- Select: ['__order_amount', 'order__status', 'order__amount', 'metric_time__day']
  SELECT
    subq_3.ds AS metric_time__day
    , orders_src_10000.status AS order__status
    , orders_src_10000.amount AS order__amount
    , orders_src_10000.amount AS order_amount
  FROM bench.mf_time_spine subq_3
  INNER JOIN
    bench.orders orders_src_10000
  ON
    (
      DATE_TRUNC('day', orders_src_10000.ordered_at) <= subq_3.ds
    ) AND (
      DATE_TRUNC('day', orders_src_10000.ordered_at) > subq_3.ds - INTERVAL 7 day
    )
) subq_5
WHERE order__status = 'paid' AND order__amount >= 0
GROUP BY
  metric_time__day
ORDER BY metric_time__day
