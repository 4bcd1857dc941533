"""Shared fixtures: an isolated environment, one Prefect test server, one sandbox per session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.prefect_template import PrefectTemplate

_SCRATCH = Path(tempfile.mkdtemp(prefix="offermap-tests-"))
# Before anything imports Prefect or a Jupyter kernel starts: keep their state out of $HOME.
os.environ.setdefault("PREFECT_HOME", str(_SCRATCH / "prefect"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
# Never the developer's own Prefect server: flow tests start their own (prefect_harness), and a
# command under test would otherwise report its runs to whatever PREFECT_API_URL names.
for _api in ("PREFECT_API_URL", "PREFECT_API_KEY"):
    os.environ.pop(_api, None)
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ["PREFECT_LOGGING_LEVEL"] = os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["GX_ANALYTICS_ENABLED"] = "False"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("IPYTHONDIR", str(_SCRATCH / "ipython"))
# pytest-xdist's workers inherit COLUMNS=80 and LINES=24; rich fixes a console's width when one
# is set at its creation, so tests that give each command its own COLUMNS start without them.
for _size in ("COLUMNS", "LINES"):
    os.environ.pop(_size, None)

_SETTING_PREFIXES = ("AUTOTASK_", "CLOUDCOCKPIT_", "OFFERMAP_")


# Declared here, in the root conftest, so that `pytest --run-slow` works from the project root.
def pytest_addoption(parser: pytest.Parser) -> None:
    """`--run-slow`: run the long variants of the reliability suites too."""
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="run the long variants of the reliability suites (tests marked slow, more rounds)",
    )


# The layers above the unit layer: whole commands on database files, clients against the
# emulators, processes, servers, kernels and flows. `make test-fast` leaves them out
# (`-m "not integration"`); `make test` runs everything.
_INTEGRATION_FOLDERS = {
    "bench",
    "cli",
    "deploy",
    "flows",
    "health",
    "integration",
    "notebooks",
    "ops",
    "pipeline",
    "reliability",
    "review",
}
_INTEGRATION_FILES = {"test_demo.py"}
# Tests of half a minute or more (real servers, workers, cold demos, killed processes). They
# are collected first, so that on several workers (`make test`) each starts early beside the
# short ones instead of one of them running alone at the end.
_LONGEST = (
    "deploy/",
    "ops/",
    "test_demo.py",
    "reliability/test_crashes.py",
    "reliability/test_concurrency.py",
    "cli/test_bench_cli.py",
    "bench/test_bench_pipeline.py",
)


# Session fixtures that start a costly process: their tests share one xdist worker (`make test`
# runs with --dist loadgroup), so that it starts once, not once per worker. The temporary
# Prefect server costs ~5 s of a core to start (~15 s on a new database), the warmed apply
# worker a few seconds.
_SESSION_PROCESSES = ("prefect_harness", "apply_worker")


# tryfirst: xdist's own hook reads the xdist_group marks set here.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the integration layer (the folders above, flow tests, tests of the harness) and
    put the longest tests first."""
    root = Path(__file__).parent
    for item in items:
        parts = Path(str(item.fspath)).relative_to(root).parts
        if (
            parts[0] in _INTEGRATION_FOLDERS
            or parts[-1] in _INTEGRATION_FILES
            or item.get_closest_marker("flow") is not None
            or "prefect_harness" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.integration)
        for shared in _SESSION_PROCESSES:
            if shared in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(shared))

    def longest_first(item: pytest.Item) -> int:
        relative = Path(str(item.fspath)).relative_to(root).as_posix()
        return next((i for i, prefix in enumerate(_LONGEST) if relative.startswith(prefix)), 99)

    items.sort(key=longest_first)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """On an xdist worker of `make test`, fail a test whose xdist_group mark was lost.

    pytest-xdist groups by a suffix it writes into each node id; a pytest that ignores the
    write (pytest-xdist issue 1386) spreads the flow tests over every worker without a word,
    each starting its own Prefect server. constraints.txt pins a pytest where it works.
    """
    config = item.config
    if not hasattr(config, "workerinput") or not config.getoption("loadgroup", False):
        return
    if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid:
        pytest.fail(
            "pytest-xdist did not group this xdist_group test (pytest-xdist issue 1386): "
            "install the pytest version pinned in constraints.txt",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's own credentials, environment or `.env` file."""
    for name in list(os.environ):
        if name.startswith(_SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _fresh_autotask_limits() -> None:
    """Each test starts with Autotask's process-wide limits unspent, as a new process would.

    The limits are keyed by API user and integration code, which every sandbox shares: without
    this, one test's requests and its emulator's last reported usage (a threshold a test set
    low, say) would pace the next test's client, by up to a minute a request.
    """
    from offermap.autotask import clear_shared_limits

    clear_shared_limits()


@pytest.fixture(scope="session")
def prefect_template(tmp_path_factory: pytest.TempPathFactory) -> PrefectTemplate:
    """The session's migrated Prefect database (tests/prefect_template.py), shared by workers."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    return PrefectTemplate(base / "prefect-template")


@pytest.fixture(scope="session")
def prefect_harness(
    prefect_template: PrefectTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """One temporary Prefect server for every flow test of the session, heartbeats off.

    It is the server `offermap sync` and `apply` start for themselves (no UI, no background
    services, as Prefect's own test harness runs it), on a copy of the session's migrated
    database when there is one.
    """
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
        temporary_settings,
    )

    from offermap.cli.prefect_server import command_api

    folder = tmp_path_factory.mktemp("prefect-harness")
    database = folder / "prefect.db"
    prefect_template.seed(database)
    with (
        temporary_settings(
            updates={
                PREFECT_SERVER_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{database}",
                PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
            }
        ),
        command_api(folder / "server.log"),
    ):
        prefect_template.offer(database)
        yield


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """The small sandbox tenant served over loopback, shared by the session."""
    from offermap.sandbox import SandboxServer, build_tenant

    with SandboxServer(tenant=build_tenant(scale="small", seed=7), port=0) as server:
        yield server


@pytest.fixture
def sandbox_env(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point offermap's settings at the session sandbox."""
    env: dict[str, str] = sandbox.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
