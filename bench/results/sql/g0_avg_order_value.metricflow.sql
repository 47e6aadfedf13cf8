-- Compute Metrics via Expressions
-- Order By ['metric_time__day']
-- Write to DataTable
SELECT
  metric_time__day
  , CAST(g0_paid_revenue AS DOUBLE) / CAST(NULLIF(g0_paid_orders, 0) AS DOUBLE) AS g0_avg_order_value
FROM (
  -- Constrain Output with WHERE
  -- Select: ['__g0_paid_revenue', '__g0_paid_orders', 'metric_time__day']
  -- Aggregate Inputs for Simple Metrics
  -- Compute Metrics via Expressions
  SELECT
    metric_time__day
    , SUM(g0_paid_revenue) AS g0_paid_revenue
    , SUM(g0_paid_orders) AS g0_paid_orders
  FROM (
    -- Read Elements From Semantic Model 'orders'
    -- Metric Time Dimension 'ordered_at'
    -- Select: ['__g0_paid_revenue', '__g0_paid_orders', 'order__status', 'order__amount', 'metric_time__day']
    SELECT
      DATE_TRUNC('day', ordered_at) AS metric_time__day
      , status AS order__status
      , amount AS order__amount
      , CASE WHEN order_id IS NOT NULL THEN 1 ELSE 0 END AS g0_paid_orders
      , amount AS g0_paid_revenue
    FROM bench.orders orders_src_10000
  ) subq_2
  WHERE order__status = 'paid' AND order__amount >= 0
  GROUP BY
    metric_time__day
) subq_6
ORDER BY metric_time__day
