"""`offermap sync` and `apply` run the flows with --json output free of progress bars; help."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app

pytestmark = pytest.mark.flow

runner = CliRunner()


def test_sync_and_apply_print_json_a_script_can_read(
    prefect_harness: None,
    sandbox: Any,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OFFERMAP_DB", str(tmp_path / "offermap.duckdb"))
    monkeypatch.setenv("OFFERMAP_CONNECTION", "clitest")
    result = runner.invoke(app, ["sync", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["connection_id"] == "clitest"
    assert summary["extract"]["autotask"]["records"] == len(sandbox.tenant.autotask_services)
    assert summary["awaiting_review"] > 0

    assert runner.invoke(app, ["approve", "--min-score", "0.9", "--yes"]).exit_code == 0
    result = runner.invoke(app, ["apply", "--json"])
    assert result.exit_code == 0, result.output
    applied = json.loads(result.stdout)["applied"]
    assert applied and summary["mapping_health"]["mappings"] == 0

    # The next sync counts the mappings and their drift, as the table output's line does.
    result = runner.invoke(app, ["sync", "--json"])
    assert result.exit_code == 0, result.output
    health = json.loads(result.stdout)["mapping_health"]
    assert health["mappings"] == len(applied)
    assert health["drifted"] == 0 and health["healthy"] == len(applied)
    assert health["drift_by_rule"] == {}


@pytest.mark.parametrize(
    "command",
    [
        ["offers"],
        ["services", "search"],
        ["map"],
        ["unmap"],
        ["proposals"],
        ["approve"],
        ["reject"],
        ["decisions"],
        ["withdraw"],
        ["audit"],
        ["health"],
        ["sync"],
        ["apply"],
    ],
)
def test_every_command_help_teaches_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert f"offermap {' '.join(command)}" in result.stdout.split("Example", 1)[1]
