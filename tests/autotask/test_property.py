"""Property: however the server splits the result into pages, the client reads the same set."""

from __future__ import annotations

import random

import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offermap.autotask import AutotaskClient, clear_shared_limits

from .conftest import Sleeps, make_settings
from .fake_server import ZONE_ROOT, FakeAutotask, service

ALL = [service(i) for i in range(1, 701)]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(min_value=0, max_value=700),
    plan=st.lists(st.integers(min_value=10, max_value=500), min_size=1, max_size=8),
    gaps=st.integers(min_value=1, max_value=5),
)
def test_paged_result_equals_the_unpaged_set_for_any_page_split(size, plan, gaps):
    records = ALL[:size:gaps] if gaps > 1 else ALL[:size]
    clear_shared_limits()  # each example starts with an unspent hourly budget
    fake = FakeAutotask(records={"Services": records}, page_plan=plan)
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        fake.install(router)
        sleeps = Sleeps()
        with AutotaskClient(
            make_settings(api_url=ZONE_ROOT), sleep=sleeps, clock=sleeps.clock, rng=random.Random(1)
        ) as client:
            ids = [s.id for s in client.iter_services(count_first=False)]
            raw = [row["id"] for row in client.query("Services", include_fields=["name"])]

    expected = [r["id"] for r in records]
    assert ids == expected
    assert raw == expected
    assert sleeps.calls == []
