-- Import price list rows into a connection's catalogue: the variants the file lists replace
-- their earlier rows, the others stay. `batch` is a DataFrame registered by the caller with the
-- columns of connection_catalogue but connection_id and imported_at.
DELETE FROM connection_catalogue AS c
USING batch AS b
WHERE c.connection_id = $connection_id
  AND c.provider_offer_id = b.provider_offer_id
  AND c.segment = b.segment
  AND c.term = b.term
  AND c.billing_frequency = b.billing_frequency;

INSERT INTO connection_catalogue (
    connection_id, provider_offer_id, segment, term, billing_frequency, title, microsoft_title,
    product_title, distributor_title, source_file, source_kind, source_line, imported_at
)
SELECT
    $connection_id, provider_offer_id, segment, term, billing_frequency, title, microsoft_title,
    product_title, distributor_title, source_file, source_kind, source_line, $imported_at
FROM batch;
