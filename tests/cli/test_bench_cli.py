"""`offermap bench cli` runs in its quick variant and reports every command side by side.

Times are never asserted (they belong to the machine and the moment): only that each command
ran, succeeded and has figures, and that the goals are stated.
"""

from __future__ import annotations

import json
from pathlib import Path

from offermap.cli.bench import BENCHMARKS
from offermap.cli.benchmarks import interactive


def test_the_cli_benchmark_times_reads_and_writes_side_by_side(tmp_path: Path) -> None:
    assert BENCHMARKS["cli"] == "offermap.cli.benchmarks.interactive"
    report = interactive.run(quick=True)
    by_command = {row["command"]: row for row in report.rows}
    reads = ("offers", "proposals", "audit", "services search")
    writes = ("map", "unmap", "approve")
    assert set(reads + writes) <= set(by_command)
    for name in reads + writes:
        row = by_command[name]
        assert row["kind"] == ("read" if name in reads else "write")
        assert 0 < row["min s"] <= row["median s"] <= row["max s"]
        assert row["met"] in ("yes", "NO")
    assert by_command["map"]["goal"].startswith("<= 2 x read")
    loaded = json.loads(report.write_json(tmp_path).read_text())
    assert len(loaded["figures"]["commands"]["map"]["seconds"]) == loaded["figures"]["repeats"]
