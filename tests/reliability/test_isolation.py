"""Isolation: decisions of one connection can never map a service of another.

Generated batches mix both connections' variants and services (and unknown ones) in each
connection's decisions; after applying both, every mapping's service and variant belong to the
mapping's own connection, and every decision was resolved with exactly one audit row.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from expectations.suites import validate_decisions
from offermap.apply.batch import apply_decisions
from offermap.store import open_store
from tests.reliability.conftest import Intensity
from tests.reliability.decision_data import (
    Catalogue,
    decide,
    decide_many,
    invariant_violations,
    publish_catalogue,
)

SIZE = 8
# Both connections' services share no ids, except one id both Autotask instances happen to use.
SHARED_ID = 700


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Catalogue, Catalogue]:
    """Two connections published in one database, as the template of every example."""
    db = tmp_path_factory.mktemp("isolation") / "template.duckdb"
    a = publish_catalogue(db, "alpha", SIZE, first_service=SHARED_ID)
    b = publish_catalogue(db, "beta", SIZE, first_service=SHARED_ID + SIZE - 1)
    assert set(a.services) & set(b.services) == {SHARED_ID + SIZE - 1}
    return db, a, b


def _decision_rows(
    a: Catalogue, b: Catalogue
) -> st.SearchStrategy[list[tuple[str, int, int, str]]]:
    """(connection, variant index, service id, kind) rows drawn across both connections."""
    services = sorted({*a.services, *b.services, a.inactive_service, b.quarterly_service, 1})
    return st.lists(
        st.tuples(
            st.sampled_from(["alpha", "beta"]),
            st.integers(min_value=0, max_value=2 * SIZE),  # past SIZE: the other's variants
            st.sampled_from(services),
            st.sampled_from(["approve", "approve", "approve", "unmap"]),
        ),
        min_size=1,
        max_size=20,
    )


def test_no_decision_maps_a_service_or_variant_of_another_connection(
    template: tuple[Path, Catalogue, Catalogue], tmp_path: Path, intensity: Intensity
) -> None:
    source, a, b = template
    catalogues = {"alpha": a, "beta": b}
    examples = itertools.count()

    def one(rows: list[tuple[str, int, int, str]]) -> None:
        db = tmp_path / f"example-{next(examples)}.duckdb"
        shutil.copyfile(source, db)
        decisions = []
        for connection, index, service_id, kind in rows:
            own = catalogues[connection]
            other = catalogues["beta" if connection == "alpha" else "alpha"]
            variants = own.variants + other.variants + [own.unacquired_variant]
            variant = variants[index % len(variants)]
            decisions.append((connection, variant, service_id if kind == "approve" else None, kind))
        decide_many(db, decisions)
        for connection in catalogues:
            apply_decisions(db, connection, f"apply-{connection}", rules_check=validate_decisions)

        assert invariant_violations(db) == []
        with open_store(db, read_only=True) as con:
            mappings = con.execute(
                "SELECT connection_id, offer_id, service_id FROM offer_mappings"
            ).fetchall()
            unresolved = con.execute(
                "SELECT count(*) FROM decisions WHERE state = 'pending'"
            ).fetchall()[0][0]
        for connection, offer_id, service_id in mappings:
            own = catalogues[connection]
            assert service_id in own.services, f"{connection} mapped service {service_id}"
            assert offer_id.startswith(f"{connection}-"), f"{connection} mapped offer {offer_id}"
        assert unresolved == 0

    settings(
        max_examples=intensity.isolation_examples,
        deadline=None,
        derandomize=not intensity.long,
        phases=list(Phase) if intensity.long else [Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )(given(_decision_rows(a, b))(one))()


def test_a_connection_can_map_its_own_service_whose_id_another_connection_also_uses(
    template: tuple[Path, Catalogue, Catalogue], tmp_path: Path
) -> None:
    # Service ids are per Autotask instance: the same id in two connections is two services.
    source, a, b = template
    db = tmp_path / "offermap.duckdb"
    shutil.copyfile(source, db)
    shared = SHARED_ID + SIZE - 1
    index = a.services.index(shared)
    decide(db, "alpha", a.variants[index], shared)
    decide(db, "beta", b.variants[0], shared)

    for connection in ("alpha", "beta"):
        result = apply_decisions(
            db, connection, f"apply-{connection}", rules_check=validate_decisions
        )
        assert len(result.applied) == 1, result

    with open_store(db, read_only=True) as con:
        rows = con.execute(
            "SELECT connection_id, offer_id FROM offer_mappings WHERE service_id = ? ORDER BY 1",
            [shared],
        ).fetchall()
    assert rows == [("alpha", a.variants[index][0]), ("beta", b.variants[0][0])]
    assert invariant_violations(db) == []
