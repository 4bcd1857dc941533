-- Replace the connection's published snapshots with this run's staged rows. Run by
-- offermap.store.snapshots.publish inside one transaction: readers see the old snapshot
-- or the new one, never a mix, and a failure leaves the old one in place.
DELETE FROM at_services WHERE connection_id = $connection_id;

INSERT INTO at_services
SELECT
    connection_id, service_id, name, description, invoice_description, period_type,
    period_type_label, unit_cost, unit_price, is_active, sku, catalog_number_part_number,
    manufacturer_service_provider_product_number, external_id, internal_id, vendor_company_id,
    last_modified_date, extracted_at, run_id
FROM stg_at_services
WHERE run_id = $run_id AND connection_id = $connection_id;

DELETE FROM cc_subscriptions WHERE connection_id = $connection_id;

INSERT INTO cc_subscriptions
SELECT
    connection_id, subscription_id, customer_id, reseller_id, offer_id, provider_offer_id,
    offer_name, offer_type, segment, term, billing_frequency, status, quantity, start_date,
    end_date, is_trial, is_addon, extracted_at, run_id
FROM stg_cc_subscriptions
WHERE run_id = $run_id AND connection_id = $connection_id;

-- Customer names are replaced only when the run read them: a failed customers read (it does
-- not fail the sync) keeps the last good names, and customers nobody named show their id.
DELETE FROM cc_customers
WHERE connection_id = $connection_id
  AND EXISTS (
      SELECT 1 FROM extract_runs
      WHERE run_id = $run_id AND source = 'cloudcockpit' AND customers IS NOT NULL
  );

INSERT INTO cc_customers
SELECT connection_id, customer_id, company_name, extracted_at, run_id
FROM stg_cc_customers
WHERE run_id = $run_id AND connection_id = $connection_id;

DELETE FROM stg_at_services WHERE run_id = $run_id;

DELETE FROM stg_cc_subscriptions WHERE run_id = $run_id;

DELETE FROM stg_cc_customers WHERE run_id = $run_id;

UPDATE extract_runs
SET status = 'published'
WHERE run_id = $run_id AND status = 'landed';
