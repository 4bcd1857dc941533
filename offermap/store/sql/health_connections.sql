-- The connections a database knows, so that a wrong connection id gets a helpful error.
SELECT connection_id FROM connections ORDER BY connection_id;
