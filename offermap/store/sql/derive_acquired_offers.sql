-- Acquired offer variants of a connection (R9), derived from its published subscriptions.
-- Only subscriptions whose status makes the offer acquired count ($acquired_statuses, from
-- offermap.rules). Whether a variant is mappable at all comes from the rules as well:
-- not_required (R7) and unsupported (R8, then R5) are decided here; mapped/unmapped is read
-- live in the acquired_offer_status view.
DELETE FROM acquired_offers WHERE connection_id = $connection_id;

INSERT INTO acquired_offers
WITH acquired AS (
    SELECT *
    FROM cc_subscriptions
    WHERE connection_id = $connection_id
      AND list_contains($acquired_statuses, status)
),
variants AS (
    SELECT
        connection_id,
        offer_id,
        segment,
        term,
        billing_frequency,
        -- An offer can be renamed while old subscriptions keep the old name: show the most
        -- common name and id, ties broken alphabetically so the result is deterministic.
        mode(provider_offer_id ORDER BY provider_offer_id) AS provider_offer_id,
        mode(offer_name ORDER BY offer_name) AS offer_name,
        mode(offer_type ORDER BY offer_type) AS offer_type,
        count(DISTINCT customer_id) AS customers,
        count(*) AS subscriptions,
        sum(quantity) AS seats
    FROM acquired
    GROUP BY connection_id, offer_id, segment, term, billing_frequency
)
SELECT
    connection_id,
    offer_id,
    segment,
    term,
    billing_frequency,
    provider_offer_id,
    offer_name,
    offer_type,
    customers,
    subscriptions,
    seats,
    CASE
        WHEN list_contains($not_required_types, offer_type) THEN 'not_required'
        WHEN list_contains($unsupported_types, offer_type) THEN 'unsupported'
        WHEN NOT list_contains($supported_billing, billing_frequency) THEN 'unsupported'
    END AS support_status,
    CASE
        WHEN list_contains($not_required_types, offer_type) THEN 'R7'
        WHEN list_contains($unsupported_types, offer_type) THEN 'R8'
        WHEN NOT list_contains($supported_billing, billing_frequency) THEN 'R5'
    END AS support_rule,
    CASE
        WHEN list_contains($not_required_types, offer_type) THEN $r7_reason
        WHEN list_contains($unsupported_types, offer_type) THEN $r8_reason
        WHEN NOT list_contains($supported_billing, billing_frequency)
            THEN billing_frequency || ' billing is not supported: only Monthly and Annual are.'
    END AS support_reason,
    $now AS derived_at,
    $run_id AS run_id
FROM variants;
