"""Bad input from the APIs: a generated malformed page fails the sync with an error naming the
record, and the last good snapshot stays published.

Pages come from both emulators through a loopback server of our own that rewrites one page of
the Services query or of the subscriptions list (tests/reliability/corrupting.py).
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from offermap.sandbox import SandboxServer
from offermap.store import open_store
from tests.reliability.conftest import Intensity
from tests.reliability.corrupting import CorruptingApp, Corruption, corrupting_sandbox
from tests.reliability.support import clients, published_snapshot, sync_stages

CONNECTION = "bad-input"
# Services and subscriptions of the small tenant span 8 and 15 pages of 10.
PAGES = {"autotask": 8, "cloudcockpit": 15}
PAGE_SIZE = 10

# Wire fields by source: the kind of value each holds, and whether publishing needs it.
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "autotask": {
        "id": ("int", True),
        "name": ("str", True),
        "periodType": ("int", True),
        "unitPrice": ("float", True),
        "isActive": ("bool", True),
        "unitCost": ("float", False),
        "description": ("str", False),
        "sku": ("str", False),
        "externalID": ("str", False),
        "lastModifiedDate": ("date", False),
    },
    "cloudcockpit": {
        "id": ("str", True),
        "customerId": ("str", True),
        "offerId": ("str", True),
        "offerName": ("str", True),
        "offerType": ("enum", True),
        "segment": ("enum", True),
        "termDuration": ("enum", True),
        "billingFrequency": ("enum", True),
        "subscriptionStatus": ("enum", True),
        "quantity": ("int", True),
        "providerOfferId": ("str", False),
        "startDate": ("date", False),
        "isTrialOffer": ("bool", False),
    },
}
# Where a text field lands in the published snapshot, to check it arrived exactly as sent.
TEXT_COLUMNS: dict[str, dict[str, str]] = {
    "autotask": {
        "name": "name",
        "description": "description",
        "sku": "sku",
        "externalID": "external_id",
    },
    "cloudcockpit": {
        "customerId": "customer_id",
        "offerId": "offer_id",
        "offerName": "offer_name",
        "providerOfferId": "provider_offer_id",
    },
}

# Values of the wrong type for each kind of field, none of which a lenient reader could take
# for a right one (no "1" for an int, no "true" for a bool).
WRONG: dict[str, st.SearchStrategy[Any]] = {
    "int": st.one_of(
        st.text(alphabet="abcxyz -", min_size=1, max_size=8),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        st.lists(st.integers(), max_size=2),
        st.just({"value": 1}),
    ),
    "float": st.one_of(
        st.text(alphabet="abcxyz -", min_size=1, max_size=8),
        st.lists(st.floats(allow_nan=False), max_size=2),
        st.just({"amount": 1}),
    ),
    "bool": st.one_of(
        st.sampled_from(["maybe", "sometimes", "2"]),
        st.integers(min_value=2),
        st.lists(st.booleans(), max_size=2),
    ),
    "str": st.one_of(
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
    "enum": st.one_of(
        st.integers(),
        st.lists(st.text(max_size=3), min_size=1, max_size=2),
        st.fixed_dictionaries({"name": st.integers()}),
        st.fixed_dictionaries({"label": st.text(max_size=5)}),
    ),
    "date": st.one_of(
        st.text(alphabet="abcxyz:-", min_size=1, max_size=10),
        st.lists(st.integers(), min_size=1, max_size=2),
        st.booleans(),
    ),
}
# Text no real record holds: control, format and private-use characters, lone surrogates,
# unassigned code points, line separators, combining marks.
ODD_TEXT = st.text(
    alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn"]),
    min_size=1,
    max_size=40,
)
# Far longer than any name, SKU or id either API declares (Autotask: at most 400 characters).
HUGE_TEXT = st.builds(
    lambda unit, n: (unit * n)[:n],
    st.text(min_size=1, max_size=5).filter(lambda t: t.strip()),
    st.integers(min_value=5_000, max_value=300_000),
)


@dataclass(frozen=True)
class Damage:
    """One generated defect: which record of which page, and what was done to it."""

    source: str
    page: int
    index: int
    kind: str  # missing | null | wrong_type | duplicate_id | huge | odd_text
    field: str
    value: Any = None

    @property
    def must_fail(self) -> bool:
        """Structural defects must be refused; odd or huge text may also be kept exactly."""
        return self.kind not in ("huge", "odd_text")

    def apply(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Damage the page's records in place; returns what to look for afterwards."""
        index = min(self.index, len(items) - 1)
        record = items[index]
        before = {"id": record.get("id"), "position": index}
        if self.kind == "missing":
            record.pop(self.field, None)
        elif self.kind == "duplicate_id":
            other = items[(index + 1) % len(items)]
            record["id"] = other["id"]
        else:
            record[self.field] = self.value
        return {**before, "new_id": record.get("id")}


@st.composite
def damages(draw: st.DrawFn) -> Damage:
    """A defect in one record of one page of one source."""
    source = draw(st.sampled_from(sorted(FIELDS)))
    page = draw(st.integers(min_value=1, max_value=PAGES[source]))
    index = draw(st.integers(min_value=0, max_value=PAGE_SIZE - 1))
    fields = FIELDS[source]
    kind = draw(st.sampled_from(["missing", "null", "wrong_type", "duplicate_id", "huge", "odd"]))
    if kind in ("missing", "null"):
        field = draw(st.sampled_from(sorted(f for f, (_, required) in fields.items() if required)))
        return Damage(source, page, index, kind, field)
    if kind == "wrong_type":
        field = draw(st.sampled_from(sorted(fields)))
        return Damage(source, page, index, kind, field, draw(WRONG[fields[field][0]]))
    if kind == "duplicate_id":
        return Damage(source, page, index, kind, "id")
    field = draw(st.sampled_from(sorted(TEXT_COLUMNS[source])))
    text = draw(HUGE_TEXT if kind == "huge" else ODD_TEXT)
    return Damage(source, page, index, "huge" if kind == "huge" else "odd_text", field, text)


@pytest.fixture(scope="module")
def corrupting() -> Iterator[tuple[SandboxServer, CorruptingApp]]:
    """The emulators behind our rewriting server, for this module only."""
    server, proxy = corrupting_sandbox()
    with server:
        yield server, proxy


@pytest.fixture(scope="module")
def good(
    corrupting: tuple[SandboxServer, CorruptingApp], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """A database whose last sync was good, and its published snapshot."""
    server, _ = corrupting
    db = tmp_path_factory.mktemp("good") / "offermap.duckdb"
    autotask, cloudcockpit = clients(server)
    with autotask, cloudcockpit:
        sync_stages(db, CONNECTION, "sync-good", autotask, cloudcockpit)
    return db, published_snapshot(db, CONNECTION)


def _names_record(message: str, found: dict[str, Any], damage: Damage) -> bool:
    """Whether the error names the damaged record: its id (old or new) or its page position."""
    for candidate in (found["id"], found["new_id"]):
        if isinstance(candidate, int | str) and not isinstance(candidate, bool):
            text = str(candidate)
            if text and re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", message):
                return True
    position = found["position"]
    # Autotask counts records on a page from 0, CloudCockpit from 1 ("record #3").
    return bool(re.search(rf"record {position}\b", message) or f"record #{position + 1}" in message)


def _stored_text(db: Path, damage: Damage, record_id: Any) -> Any:
    table, key = (
        ("at_services", "service_id")
        if damage.source == "autotask"
        else ("cc_subscriptions", "subscription_id")
    )
    column = TEXT_COLUMNS[damage.source][damage.field]
    with open_store(db, read_only=True) as con:
        rows = con.execute(
            f"SELECT {column} FROM {table} WHERE connection_id = ? AND {key} = ?",
            [CONNECTION, record_id],
        ).fetchall()
    return rows[0][0] if rows else "<record missing>"


def _run_with(
    server: SandboxServer, proxy: CorruptingApp, db: Path, damage: Damage
) -> tuple[Exception | None, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def mutate(items: list[dict[str, Any]]) -> None:
        seen.update(damage.apply(items))

    proxy.arm(Corruption(damage.source, damage.page, mutate))
    autotask, cloudcockpit = clients(server)
    try:
        with autotask, cloudcockpit:
            sync_stages(db, CONNECTION, "sync-bad", autotask, cloudcockpit)
    except Exception as exc:
        return exc, seen
    finally:
        proxy.arm(Corruption())
    return None, seen


def _check(
    db: Path,
    good_snapshot: dict[str, Any],
    damage: Damage,
    error: Exception | None,
    seen: dict[str, Any],
) -> None:
    assert seen, f"the damaged page was never served: {damage}"
    if error is None:
        assert not damage.must_fail, f"a sync with {damage} succeeded"
        # Accepted text must have arrived exactly as sent, not mangled on the way.
        assert _stored_text(db, damage, seen["id"]) == damage.value, damage
        return
    message = str(error)
    assert _names_record(message, seen, damage), (
        f"{damage}: the error does not name the record: {message[:600]}"
    )
    assert len(message) < 5_000, f"{damage}: the error is {len(message)} characters long"
    assert published_snapshot(db, CONNECTION) == good_snapshot, f"{damage} replaced the snapshot"
    with open_store(db, read_only=True) as con:
        statuses = {
            row[0]
            for row in con.execute(
                "SELECT status FROM extract_runs WHERE run_id = 'sync-bad'"
            ).fetchall()
        }
    assert "failed" in statuses and "published" not in statuses, f"{damage}: run {statuses}"


def _explore(intensity: Intensity, test: Callable[[Damage], None]) -> None:
    run = settings(
        max_examples=intensity.hypothesis_examples,
        deadline=None,
        derandomize=not intensity.long,
        # Shrinking reruns the sync many times; the short version reports the example found.
        phases=list(Phase) if intensity.long else [Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )(given(damages())(test))
    run()


def test_a_malformed_record_fails_the_sync_naming_it_and_keeps_the_last_good_snapshot(
    corrupting: tuple[SandboxServer, CorruptingApp],
    good: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    intensity: Intensity,
) -> None:
    server, proxy = corrupting
    good_db, good_snapshot = good

    examples = itertools.count()

    def one(damage: Damage) -> None:
        # A new file each example: a copy over the last one could meet its leftover WAL.
        db = tmp_path / f"example-{next(examples)}.duckdb"
        shutil.copyfile(good_db, db)
        error, seen = _run_with(server, proxy, db, damage)
        _check(db, good_snapshot, damage, error, seen)

    _explore(intensity, one)


@pytest.mark.parametrize(
    "damage",
    [
        Damage("autotask", 2, 3, "odd_text", "name", "Teams \ud800 Premium"),
        Damage("cloudcockpit", 3, 4, "odd_text", "offerName", "Visio \udfff Plan 2"),
    ],
    ids=["autotask-lone-surrogate", "cloudcockpit-lone-surrogate"],
)
def test_text_that_cannot_be_stored_fails_the_sync_naming_the_record(
    corrupting: tuple[SandboxServer, CorruptingApp],
    good: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    damage: Damage,
) -> None:
    # JSON may carry a lone surrogate ("\ud800"); UTF-8, and so DuckDB, cannot hold one.
    server, proxy = corrupting
    good_db, good_snapshot = good
    db = tmp_path / "offermap.duckdb"
    shutil.copyfile(good_db, db)
    error, seen = _run_with(server, proxy, db, damage)
    assert error is not None
    _check(db, good_snapshot, damage, error, seen)
