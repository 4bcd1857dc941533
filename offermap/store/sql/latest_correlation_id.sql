SELECT correlation_id
FROM extract_runs
WHERE connection_id = $connection_id
  AND source = 'cloudcockpit'
  AND status = 'published'
ORDER BY finished_at DESC
LIMIT 1;
