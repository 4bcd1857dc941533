-- `batch` is a DataFrame registered by the caller with the staging columns, in order.
INSERT INTO stg_cc_subscriptions
SELECT * FROM batch;
