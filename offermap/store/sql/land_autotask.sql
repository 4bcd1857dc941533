-- `batch` is a DataFrame registered by the caller with the staging columns, in order.
INSERT INTO stg_at_services
SELECT * FROM batch;
