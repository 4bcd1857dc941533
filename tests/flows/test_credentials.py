"""Secrets from Prefect Secret blocks: they win over the environment and never become parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.flow


def test_secret_blocks_win_over_the_environment_and_stay_out_of_the_run(
    prefect_harness: None,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client

    from flows.sync import sync
    from tasks.credentials import secret_block_name

    real = sandbox_env["AUTOTASK_SECRET"]
    Secret(value=real).save(secret_block_name("blocks", "autotask", "secret"), overwrite=True)
    # Without the block this secret would be refused by the Autotask emulator.
    monkeypatch.setenv("AUTOTASK_SECRET", "wrong-secret-canary")

    state = sync(connection_id="blocks", db_path=str(tmp_path / "db.duckdb"), return_state=True)
    assert state.is_completed(), state.message
    with get_client(sync_client=True) as client:
        run: Any = client.read_flow_run(state.state_details.flow_run_id)
    assert real not in json.dumps(run.parameters)
    assert set(run.parameters) <= {
        "connection_id",
        "db_path",
        "autotask_database",
        "accept_shrink",
    }


def test_without_a_block_the_environment_secret_is_used_and_a_wrong_one_fails(
    prefect_harness: None,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.sync import sync

    monkeypatch.setenv("AUTOTASK_SECRET", "wrong-secret-canary")
    state = sync(connection_id="noblocks", db_path=str(tmp_path / "db.duckdb"), return_state=True)
    assert state.is_failed()
