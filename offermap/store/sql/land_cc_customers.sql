-- `batch` is a DataFrame registered by the caller with the customer staging columns, in order.
INSERT INTO stg_cc_customers
SELECT * FROM batch;
