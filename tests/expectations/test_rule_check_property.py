"""The fast rules check gives the GX rules suite's verdicts, on random batches of decisions.

`offermap map` judges one decision with `check_decision_facts` instead of importing Great
Expectations; apply uses it to decide which decisions may claim a service within a batch.
Both are only allowed because this property holds: for any batch, every decision gets the
same failures (rule, expectation, column, reason) from both.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from gx_frames import DECISION_SQL_TYPES, duckdb_frame, valid_decision
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from offermap.apply.rule_check import check_decision_facts
from offermap.rules import BillingFrequency, OfferType

BOOLEANS = st.sampled_from([True, False, None])
FACTS: dict[str, st.SearchStrategy[Any]] = {
    "offer_type": st.sampled_from([*(t.value for t in OfferType), None]),
    "billing_frequency": st.sampled_from([*(b.value for b in BillingFrequency), None]),
    "variant_acquired": BOOLEANS,
    "service_in_snapshot": BOOLEANS,
    "service_is_active": BOOLEANS,
    "service_period_label": st.sampled_from(
        ["Monthly", "Yearly", "Quarterly", "Semi-Annual", None]
    ),
    "service_unit_cost": st.sampled_from([0.0, 1.5, -2.0, None]),
    "service_unit_price": st.sampled_from([0.0, 12.5, None]),
    "service_mapped_to_other_variant": BOOLEANS,
    "service_claimed_earlier_in_batch": BOOLEANS,
    "variant_mapped_to_other_service": BOOLEANS,
    "variant_claimed_earlier_in_batch": BOOLEANS,
}


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Decisions, each a valid one with any subset of its facts redrawn (nulls included).

    Verdicts are per decision, so one large batch covers many combinations for the price of
    one GX validation; a few hundred rows per batch make rare combinations (an Azure plan with a
    negative cost and a null price...) appear in every run.
    """
    size = draw(st.integers(min_value=150, max_value=400))
    rows = []
    for decision_id in range(1, size + 1):
        changed = draw(st.lists(st.sampled_from(sorted(FACTS)), unique=True))
        rows.append(valid_decision(decision_id, **{f: draw(FACTS[f]) for f in changed}))
    return rows


def _plain(verdicts: dict[int, list[Any]]) -> dict[int, list[tuple[Any, ...]]]:
    return {
        decision_id: [(f.rule, f.expectation_type, f.column, f.reason) for f in failures]
        for decision_id, failures in verdicts.items()
    }


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    # Shrinking a batch of hundreds of rows through GX takes minutes; the diff names the rows.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(rows=batches(), through_duckdb=st.booleans())
def test_fast_check_gives_the_suites_verdicts(quality, rows, through_duckdb):
    frame = (
        duckdb_frame(rows, DECISION_SQL_TYPES)
        if through_duckdb
        else pd.DataFrame(rows, columns=list(DECISION_SQL_TYPES))
    )

    assert _plain(check_decision_facts(frame)) == _plain(quality.validate_decisions(frame))


def test_the_property_is_not_vacuous_every_rule_fails_somewhere(quality):
    # One row breaking each rule: both checks must see R1-R9 fail (R2..R9 as in the suite).
    rows = [
        valid_decision(1, service_in_snapshot=False, service_is_active=None),
        valid_decision(2, service_is_active=False),
        valid_decision(3, service_mapped_to_other_variant=True),
        valid_decision(4, variant_claimed_earlier_in_batch=True),
        valid_decision(5, service_period_label="Yearly"),
        valid_decision(6, offer_type="AzurePlan", service_unit_price=5.0),
        valid_decision(7, offer_type="AzureReservation"),
        valid_decision(8, offer_type="LicenseLegacy"),
        valid_decision(9, variant_acquired=False, offer_type=None),
    ]
    frame = duckdb_frame(rows, DECISION_SQL_TYPES)
    fast = _plain(check_decision_facts(frame))

    assert fast == _plain(quality.validate_decisions(frame))
    assert {failures[0][0] for failures in fast.values()} == {f"R{n}" for n in range(1, 10)}
