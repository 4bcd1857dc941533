-- Audit rows, newest first, optionally filtered; a NULL filter matches everything. Names are
-- those written with the row; rows written before names were kept fall back to today's
-- snapshots, and their note to the decision's. `total` counts every matching row, before
-- LIMIT and OFFSET cut the page.
WITH named AS (
    SELECT
        l.audit_id, l.occurred_at, l.connection_id, l.operation, l.status, l.actor,
        l.offer_id, l.segment, l.term, l.billing_frequency, l.service_id, l.decision_id,
        l.details, l.run_id, l.correlation_id, l.handle,
        coalesce(l.offer_name, a.offer_name) AS offer_name,
        coalesce(l.provider_offer_id, a.provider_offer_id) AS provider_offer_id,
        coalesce(l.service_name, s.name) AS service_name,
        coalesce(l.note, d.note) AS note
    FROM audit_log AS l
    LEFT JOIN acquired_offers AS a
        ON a.connection_id = l.connection_id
        AND a.offer_id = l.offer_id
        AND a.segment = l.segment
        AND a.term = l.term
        AND a.billing_frequency = l.billing_frequency
    LEFT JOIN at_services AS s
        ON s.connection_id = l.connection_id AND s.service_id = l.service_id
    LEFT JOIN decisions AS d ON d.decision_id = l.decision_id
    WHERE ($connection_id IS NULL OR l.connection_id = $connection_id)
      AND ($run_id IS NULL OR l.run_id = $run_id)
      AND ($decision_id IS NULL OR l.decision_id = $decision_id)
      AND ($operation IS NULL OR lower(l.operation) = lower($operation))
      AND ($operations::VARCHAR[] IS NULL OR list_contains($operations::VARCHAR[], l.operation))
      AND ($status IS NULL OR lower(l.status) = lower($status))
      AND ($actor IS NULL OR lower(l.actor) = lower($actor))
      AND ($since::TIMESTAMPTZ IS NULL OR l.occurred_at >= $since::TIMESTAMPTZ)
      AND ($until::TIMESTAMPTZ IS NULL OR l.occurred_at < $until::TIMESTAMPTZ)
)
SELECT *, count(*) OVER () AS total
FROM named
WHERE ($offer_text IS NULL
        OR contains(lower(coalesce(offer_name, '')), $offer_text)
        OR contains(lower(coalesce(provider_offer_id, '')), $offer_text)
        OR contains(lower(coalesce(offer_id, '')), $offer_text)
        OR contains(lower(coalesce(handle, '')), $offer_text))
  AND ($handle_offer IS NULL
        OR ((lower(offer_id) = $handle_offer OR lower(coalesce(provider_offer_id, '')) = $handle_offer)
            AND segment = $handle_segment
            AND term = $handle_term
            AND billing_frequency = $handle_billing))
  AND ($service_text IS NULL
        OR CAST(service_id AS VARCHAR) = $service_text
        OR contains(lower(coalesce(service_name, '')), $service_text))
ORDER BY audit_id DESC
LIMIT $limit OFFSET $offset;
