"""Secrets: a full run with canary credentials leaves no trace of them anywhere.

A sandbox whose credentials are fresh canaries serves a real sync, approve and apply under
Prefect, then a sync with wrong (also canary) secrets that must fail. Afterwards the canaries,
and the bearer tokens the emulator issued, are looked for in the logs (captured, on the
terminal, and Prefect's through its API), in every table of the DuckDB file and its raw bytes,
in Prefect's artifacts, flow and task run parameters and state messages, in the error the
failing run raised, and in the raw bytes of the Prefect server's own database.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr

from offermap.review import approvals as review
from offermap.sandbox import SandboxCredentials, SandboxServer, build_tenant
from tests.reliability.support import table_text

pytestmark = pytest.mark.flow
CONNECTION = "canary"


def _canary(label: str) -> str:
    return f"CANARY{label}{secrets.token_hex(8).upper()}"


def _credentials() -> SandboxCredentials:
    # 27 characters, like a real Autotask API tracking identifier.
    code = ("CANARYCODE" + secrets.token_hex(16).upper())[:27]
    return SandboxCredentials(
        autotask_secret=_canary("ATSECRET"),
        autotask_integration_code=code,
        cloudcockpit_client_secret=_canary("CCSECRET"),
    )


def _forms(secret: str) -> set[str]:
    """The secret as it could appear: itself, and base64-free encodings a log might use."""
    return {secret, secret.lower(), repr(secret)[1:-1]}


def _leaks(where: str, texts: Iterable[str], canaries: dict[str, str]) -> list[str]:
    found = []
    for text in texts:
        for name, secret in canaries.items():
            if any(form in text for form in _forms(secret)):
                found.append(f"{name} in {where}: …{_around(text, secret)}…")
    return found


def _around(text: str, secret: str) -> str:
    at = max(text.find(secret), 0)
    return text[max(0, at - 60) : at + 10].replace("\n", " ")


def _prefect_texts(flow_run_ids: list[UUID]) -> dict[str, list[str]]:
    """What Prefect's API holds about the runs: logs, artifacts, parameters, state messages."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # logs reach the API in batches: send what is still queued
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids))
        )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids))
        )
        runs = [client.read_flow_run(run_id) for run_id in flow_run_ids]
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids))
        )
    assert logs and artifacts and tasks, "Prefect recorded nothing: the search proves nothing"
    return {
        "Prefect logs": [log.message for log in logs],
        "Prefect artifacts": [f"{a.key} {a.description} {a.data}" for a in artifacts],
        "flow run parameters": [repr(run.parameters) for run in runs],
        "flow run states": [f"{run.state_name} {run.state and run.state.message}" for run in runs],
        "task run inputs and states": [
            f"{task.name} {task.task_inputs} {task.state and task.state.message}" for task in tasks
        ],
    }


def _prefect_database_bytes() -> str:
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value())
    path = Path(url.split(":///", 1)[1])
    files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
    assert files, f"no Prefect database at {path}"
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in files)


def _duckdb_bytes(db: Path) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in db.parent.glob(db.name + "*"))


def test_a_full_run_with_canary_credentials_leaves_no_trace_of_them(
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from flows.apply import apply
    from flows.sync import sync

    # caplog sees nothing here: Prefect's logging setup replaces the root logger's handlers.
    # Every record any logger handles (propagating or not) is kept instead.
    records: list[str] = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    original_handle = logging.Logger.handle

    def keep(self: logging.Logger, record: logging.LogRecord) -> None:
        records.append(formatter.format(record))
        original_handle(self, record)

    monkeypatch.setattr(logging.Logger, "handle", keep)
    monkeypatch.setattr(logging.getLogger("offermap"), "level", logging.DEBUG)
    monkeypatch.setattr(logging.getLogger(), "level", logging.DEBUG)
    credentials = _credentials()
    wrong = {
        "AUTOTASK_SECRET": _canary("WRONGAT"),
        "CLOUDCOCKPIT_CLIENT_SECRET": _canary("WRONGCC"),
    }
    canaries = {
        "the Autotask secret": credentials.autotask_secret,
        "the Autotask integration code": credentials.autotask_integration_code,
        "the CloudCockpit client secret": credentials.cloudcockpit_client_secret,
        **{f"the wrong {name}": value for name, value in wrong.items()},
    }
    db = tmp_path / "offermap.duckdb"
    with SandboxServer(
        tenant=build_tenant(scale="small", seed=7), port=0, credentials=credentials
    ) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        good_sync = sync(connection_id=CONNECTION, db_path=str(db), return_state=True)
        assert good_sync.is_completed(), good_sync.message
        assert review.approve(db, CONNECTION, min_score=0.0, actor="canary-test")
        applied = apply(connection_id=CONNECTION, db_path=str(db), return_state=True)
        assert applied.is_completed(), applied.message

        for name, value in wrong.items():
            monkeypatch.setenv(name, value)
        bad_sync = sync(connection_id=CONNECTION, db_path=str(db), return_state=True)
        assert bad_sync.is_failed()
        # Bearer tokens the emulator issued are secrets too (read from its private table).
        tokens: dict[str, Any] = getattr(server.cloudcockpit, "_tokens", {})
        assert tokens, "no token was issued: the CloudCockpit side never ran"
        canaries.update({f"bearer token {n}": token for n, token in enumerate(tokens)})

    error = bad_sync.result(raise_on_failure=False)
    assert isinstance(error, BaseException)
    assert "rejected" in str(error).lower() or "401" in str(error), str(error)
    out, err = capfd.readouterr()
    runs = [s.state_details.flow_run_id for s in (good_sync, applied, bad_sync)]
    prefect_bytes = _prefect_database_bytes()
    # The scanned file is the one these runs were recorded in.
    assert all(str(run) in prefect_bytes for run in runs), "not the harness's Prefect database"
    texts: dict[str, list[str]] = {
        "log records": records,
        "terminal output": [out, err],
        "the failing run's error": [
            str(error),
            repr(error),
            "".join(traceback.format_exception(error)),
            str(bad_sync.message),
        ],
        "DuckDB tables": [text for _, text in table_text(db)],
        "DuckDB file bytes": [_duckdb_bytes(db)],
        "Prefect server database bytes": [prefect_bytes],
        **_prefect_texts([run for run in runs if run is not None]),
    }
    # The records include the failing extraction's warning, so logging was really watched.
    assert any(r.startswith("offermap.extract") and "WARNING" in r for r in records), records[-20:]
    leaks = [leak for where, found in texts.items() for leak in _leaks(where, found, canaries)]
    assert not leaks, "\n".join(leaks)
    # The search looked where the secrets were used: the logs speak of the refused credentials.
    assert any("check AUTOTASK" in t or "CLOUDCOCKPIT_CLIENT" in t for t in texts["Prefect logs"])


# A secret made from a file, or saved on Windows, ends in CR/LF; a pasted one may hold a
# non-ASCII letter. Once, the HTTP layer raised with such a secret in its text, and it was
# printed 11 times on stderr and stored in DuckDB and in Prefect.
MALFORMED = {
    "AUTOTASK_SECRET with a trailing CR LF": ("AUTOTASK_SECRET", "\r\n"),
    "AUTOTASK_INTEGRATION_CODE with a trailing LF": ("AUTOTASK_INTEGRATION_CODE", "\n"),
    "CLOUDCOCKPIT_CLIENT_SECRET with a non-ASCII letter": ("CLOUDCOCKPIT_CLIENT_SECRET", "é"),
}


def _core_leaks(where: str, texts: Iterable[str], core: str) -> list[str]:
    # The printable part of the canary, in whatever form (bytes repr, escaped, cut).
    return [f"{where}: …{_around(t, core[:12])}…" for t in texts if core[:12] in t]


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_canary_secret_fails_the_sync_by_name_and_leaks_nowhere(
    prefect_harness: None,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    case: str,
) -> None:
    from flows.sync import sync

    variable, suffix = MALFORMED[case]
    core = _canary("MALFORMED")
    monkeypatch.setenv(variable, core + suffix)
    db = tmp_path / "offermap.duckdb"

    state = sync(connection_id=CONNECTION, db_path=str(db), return_state=True)

    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, BaseException)
    assert f"{variable} has control or non-ASCII characters" in str(error)
    assert "\n" not in str(error)
    out, err = capfd.readouterr()
    run = state.state_details.flow_run_id
    texts = {
        "terminal output": [out, err],
        "the run's error": [str(error), repr(error), "".join(traceback.format_exception(error))],
        "DuckDB tables": [text for _, text in table_text(db)] if db.exists() else [],
        "DuckDB file bytes": [_duckdb_bytes(db)] if db.exists() else [],
        **(_prefect_texts([run]) if run is not None else {}),
    }
    leaks = [leak for where, found in texts.items() for leak in _core_leaks(where, found, core)]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("suffix", ["\r\n", "é"])
def test_a_client_given_a_malformed_secret_anyway_stores_an_error_without_it(
    sandbox: Any, tmp_path: Path, suffix: str
) -> None:
    # Settings refuse such a secret; if code builds a client around one anyway, the HTTP layer
    # refuses to send it and says so by name, and extract_runs.error holds no part of it.
    from offermap.autotask import AutotaskClient
    from offermap.errors import OffermapError
    from offermap.settings import load_autotask_settings
    from offermap.store import open_store
    from tests.reliability.support import extract_services

    core = _canary("HTTPLAYER")
    env = sandbox.env()
    good = load_autotask_settings(
        **{
            k.removeprefix("AUTOTASK_").lower(): v
            for k, v in env.items()
            if k.startswith("AUTOTASK_")
        }
    )
    settings = good.model_copy(update={"secret": SecretStr(core + suffix)})
    db = tmp_path / "offermap.duckdb"

    with AutotaskClient(settings) as client, pytest.raises(OffermapError) as caught:
        extract_services(db, CONNECTION, "run-malformed", client=client)

    assert "the Secret header cannot be sent" in str(caught.value)
    with open_store(db, read_only=True) as con:
        rows = con.execute("SELECT status, error FROM extract_runs").fetchall()
    assert rows and rows[0][0] == "failed" and "AUTOTASK_SECRET" in str(rows[0][1])
    texts = [str(caught.value), *(text for _, text in table_text(db)), _duckdb_bytes(db)]
    assert not _core_leaks("the error or DuckDB", texts, core)
