"""`make demo` runs `offermap demo`: the round against the sandbox, then the audit shows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.flow


def test_the_demo_runs_the_round_and_leaves_an_audit_trail(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTOTASK_", "CLOUDCOCKPIT_", "OFFERMAP_"))
    }
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    demo = subprocess.run(
        [sys.executable, "-m", "offermap", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    for expected in (
        "export AUTOTASK_API_URL=",
        "$ offermap approve --min-score 0.9",
        "Mappings made by this run",
        "R6",
        ".offermap/offermap.duckdb",
        "Sandbox stopped.",
    ):
        assert expected in out
    assert (tmp_path / ".offermap" / "offermap.duckdb").exists()

    audit = subprocess.run(
        [sys.executable, "-m", "offermap", "audit", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = json.loads(audit.stdout)
    assert {row["connection_id"] for row in rows} == {"demo"}
    statuses = {row["status"] for row in rows}
    assert statuses == {"Succeeded", "Failed"}
    assert [row["details"]["rule"] for row in rows if row["status"] == "Failed"] == ["R6"]
