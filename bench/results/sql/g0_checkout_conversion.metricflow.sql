-- Compute Metrics via Expressions
-- Order By ['metric_time__day']
-- Write to DataTable
WITH sma_10002_cte AS (
  -- Read Elements From Semantic Model 'sessions'
  -- Metric Time Dimension 'started_at'
  SELECT
    DATE_TRUNC('day', started_at) AS metric_time__day
    , customer_id AS customer
    , reached_checkout AS session__reached_checkout
    , customer_id AS __visitors
  FROM bench.sessions sessions_src_10000
)

SELECT
  metric_time__day AS metric_time__day
  , CAST(__buyers AS DOUBLE) / CAST(NULLIF(__visitors, 0) AS DOUBLE) AS g0_checkout_conversion
FROM (
  -- Combine Aggregated Outputs
  SELECT
    COALESCE(subq_5.metric_time__day, subq_17.metric_time__day) AS metric_time__day
    , MAX(subq_5.__visitors) AS __visitors
    , MAX(subq_17.__buyers) AS __buyers
  FROM (
    -- Constrain Output with WHERE
    -- Select: ['__visitors', 'metric_time__day']
    -- Aggregate Inputs for Simple Metrics
    SELECT
      metric_time__day
      , COUNT(DISTINCT visitors) AS __visitors
    FROM (
      -- Read From CTE For node_id=sma_10002
      -- Select: ['__visitors', 'session__reached_checkout', 'metric_time__day']
      SELECT
        metric_time__day
        , session__reached_checkout
        , __visitors AS visitors
      FROM sma_10002_cte
    ) subq_2
    WHERE session__reached_checkout
    GROUP BY
      metric_time__day
  ) subq_5
  FULL OUTER JOIN (
    -- Find conversions for customer within the range of 1 day
    -- Select: ['__buyers', 'metric_time__day']
    -- Select: ['__buyers', 'metric_time__day']
    -- Aggregate Inputs for Simple Metrics
    SELECT
      metric_time__day
      , COUNT(DISTINCT __buyers) AS __buyers
    FROM (
      -- Dedupe the fanout with mf_internal_uuid in the conversion data set
      SELECT DISTINCT
        FIRST_VALUE(subq_9.__visitors) OVER (
          PARTITION BY
            subq_12.customer
            , subq_12.metric_time__day
            , subq_12.mf_internal_uuid
          ORDER BY subq_9.metric_time__day DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS __visitors
        , FIRST_VALUE(subq_9.session__reached_checkout) OVER (
          PARTITION BY
            subq_12.customer
            , subq_12.metric_time__day
            , subq_12.mf_internal_uuid
          ORDER BY subq_9.metric_time__day DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS session__reached_checkout
        , FIRST_VALUE(subq_9.metric_time__day) OVER (
          PARTITION BY
            subq_12.customer
            , subq_12.metric_time__day
            , subq_12.mf_internal_uuid
          ORDER BY subq_9.metric_time__day DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS metric_time__day
        , FIRST_VALUE(subq_9.customer) OVER (
          PARTITION BY
            subq_12.customer
            , subq_12.metric_time__day
            , subq_12.mf_internal_uuid
          ORDER BY subq_9.metric_time__day DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS customer
        , subq_12.mf_internal_uuid AS mf_internal_uuid
        , subq_12.__buyers AS __buyers
      FROM (
        -- Constrain Output with WHERE
        -- Select: ['__visitors', 'session__reached_checkout', 'metric_time__day', 'customer']
        SELECT
          metric_time__day
          , customer
          , session__reached_checkout
          , visitors AS __visitors
        FROM (
          -- Read From CTE For node_id=sma_10002
          -- Select: ['__visitors', 'session__reached_checkout', 'metric_time__day', 'customer']
          SELECT
            metric_time__day
            , customer
            , session__reached_checkout
            , __visitors AS visitors
          FROM sma_10002_cte
        ) subq_7
        WHERE session__reached_checkout
      ) subq_9
      INNER JOIN (
        -- Read Elements From Semantic Model 'orders'
        -- Metric Time Dimension 'ordered_at'
        -- Add column with generated UUID
        SELECT
          DATE_TRUNC('day', ordered_at) AS metric_time__day
          , customer_id AS customer
          , customer_id AS __buyers
          , GEN_RANDOM_UUID() AS mf_internal_uuid
        FROM bench.orders orders_src_10000
      ) subq_12
      ON
        (
          subq_9.customer = subq_12.customer
        ) AND (
          (
            subq_9.metric_time__day <= subq_12.metric_time__day
          ) AND (
            subq_9.metric_time__day > subq_12.metric_time__day - INTERVAL 1 day
          )
        )
    ) subq_13
    GROUP BY
      metric_time__day
  ) subq_17
  ON
    subq_5.metric_time__day = subq_17.metric_time__day
  GROUP BY
    COALESCE(subq_5.metric_time__day, subq_17.metric_time__day)
) subq_18
ORDER BY metric_time__day
