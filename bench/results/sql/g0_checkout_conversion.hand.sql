WITH first_checkout AS (
  SELECT customer_id, CAST(started_at AS DATE) AS period,
         min(started_at) AS first_at
  FROM bench.sessions WHERE reached_checkout GROUP BY 1, 2
),
converted AS (
  SELECT DISTINCT f.customer_id, f.period FROM first_checkout f
  JOIN bench.orders o ON o.customer_id = f.customer_id
   AND o.ordered_at >= f.first_at
   AND o.ordered_at <= f.first_at + INTERVAL 1 DAY
)
SELECT f.period, count(c.customer_id) / count(*) AS value
FROM first_checkout f LEFT JOIN converted c USING (customer_id, period)
GROUP BY 1 ORDER BY 1
