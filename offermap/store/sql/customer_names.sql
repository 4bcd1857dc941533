-- The company names of a connection's CloudCockpit customers, as its latest published sync
-- read them. Customers CloudCockpit named no company for are left out: they are shown by id.
SELECT customer_id, company_name
FROM cc_customers
WHERE connection_id = $connection_id AND company_name IS NOT NULL
ORDER BY customer_id;
