WITH daily AS (
SELECT CAST(ordered_at AS DATE) AS period, sum(amount) AS value
FROM bench.orders WHERE status = 'paid' AND amount >= 0
GROUP BY 1
),
days AS (
  SELECT CAST(d AS DATE) AS period FROM range(
    (SELECT min(period) FROM daily),
    (SELECT max(period) FROM daily) + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)
)
SELECT days.period, sum(coalesce(daily.value, 0)) OVER (
  ORDER BY days.period ROWS UNBOUNDED PRECEDING) AS value
FROM days LEFT JOIN daily USING (period)
ORDER BY 1
