"""`make demo` runs `offermap demo`: the round against the sandbox, then the audit shows it.

The run is the cold-demo benchmark's (`offermap bench demo`), so the same run also checks
that the benchmark finds every stage of the demo's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offermap.cli.benchmarks import cold_demo

pytestmark = pytest.mark.flow


def test_the_demo_runs_the_round_leaves_an_audit_trail_and_times_every_stage(
    tmp_path: Path,
) -> None:
    lines = cold_demo.time_demo(tmp_path)

    out = "\n".join(line.text for line in lines)
    for expected in (
        "Starting a temporary Prefect server",
        "export AUTOTASK_API_URL=",
        "$ offermap approve --min-score 0.9",
        "Mappings made by this run",
        "R6",
        ".offermap/offermap.duckdb",
        "Sandbox stopped.",
    ):
        assert expected in out
    assert (tmp_path / ".offermap" / "offermap.duckdb").exists()

    figures = json.loads(cold_demo.report_of(lines).write_json(tmp_path / "bench").read_text())
    stages = figures["figures"]["stages"]
    assert figures["figures"]["missing_markers"] == []
    assert list(stages) == [name for name, _ in cold_demo.STAGE_MARKERS] + [cold_demo.LAST_STAGE]
    assert sum(stages.values()) == pytest.approx(figures["figures"]["total_seconds"], abs=0.01)

    audit = subprocess.run(
        [sys.executable, "-m", "offermap", "audit", "--json"],
        cwd=tmp_path,
        env=cold_demo.demo_environment(tmp_path / "prefect"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = json.loads(audit.stdout)
    assert {row["connection_id"] for row in rows} == {"demo"}
    assert {row["status"] for row in rows} == {"Succeeded", "Failed"}
    assert [row["details"]["rule"] for row in rows if row["status"] == "Failed"] == ["R6"]
