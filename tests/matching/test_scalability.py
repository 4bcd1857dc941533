"""Blocking keeps the work proportional to near candidates, not to variants x services."""

from __future__ import annotations

from offermap.matching import match, rivals
from offermap.matching.blocking import POOL_SIZE
from offermap.matching.features import reference_offers

from .factories import service, variant


def test_scores_a_bounded_pool_per_offer_not_every_service(monkeypatch):
    calls = 0
    real = rivals.word_match

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(rivals, "word_match", counting)
    offer = variant("Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001", term="OneMonth")
    # Thousands of services share the family word "m365"; one is the offer's.
    services = [service(i, f"Microsoft 365 Gadget Number{i}") for i in range(1, 3001)]
    services.append(service(9999, "Microsoft 365 Business Basic - Month to Month"))

    [result] = match([offer], services)

    assert result.candidates[0].service_id == 9999
    offers_known = 1 + len(reference_offers())
    assert calls <= offers_known * POOL_SIZE
    assert calls < len(services)


def test_offer_words_absent_from_every_service_leave_no_candidates():
    offer = variant("Visio Plan 2", "CFQ7TTC0HD32:0002", term="OneMonth")
    services = [service(i, f"Contoso Widget {i}") for i in range(1, 200)]

    [result] = match([offer], services)

    assert result.status == "abstained"
    assert result.candidates == ()
    assert result.reason is not None and "no service shares" in result.reason
