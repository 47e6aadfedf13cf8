SELECT CAST(ordered_at AS DATE) AS period, sum(amount) / count(*) AS value
FROM bench.orders WHERE status = 'paid' AND amount >= 0
GROUP BY 1
ORDER BY 1
