"""`offermap map` says what actually happened to its decision: under a racing apply, and on Ctrl-C.

Issue 14: `map` racing a scheduled apply printed "Mapped" while the concurrent apply had refused
the decision; Ctrl-C during `map` exited 130 in silence and left the approval pending, for the
next scheduled apply to map although the user had cancelled.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from offermap.cli import app
from offermap.store import open_store
from tests.cli.manual_data import BP_MONTHLY

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]

# A scheduled apply in another process whose rules check refuses everything it sees (R1), as
# the apply of the issue did after a sync had published another snapshot.
_CONCURRENT_APPLY = textwrap.dedent(
    """
    import sys
    from offermap.apply.batch import apply_decisions
    from offermap.quality.report import RowFailure

    def refuse_all(frame):
        return {
            int(d): [RowFailure("R1", "not in the snapshot", "expect_column_values_to_be_in_set",
                                "service_in_snapshot")]
            for d in frame["decision_id"]
        }

    result = apply_decisions(sys.argv[1], "default", "scheduled-apply", rules_check=refuse_all)
    print(result.decisions, flush=True)
    """
)


def _decisions(manual_db: Path) -> list[dict[str, Any]]:
    with open_store(manual_db, read_only=True) as con:
        rows = con.execute(
            "SELECT decision_id, state, resolved_run_id FROM decisions ORDER BY decision_id"
        ).fetchall()
    return [{"decision_id": r[0], "state": r[1], "run_id": r[2]} for r in rows]


def _wait_until_blocked_or_done(process: subprocess.Popen[str], seconds: float) -> None:
    """Until `process` logs that the store is in use by another process, or exits."""
    assert process.stderr is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            if not line or "in use by another process" in line:
                return
        elif process.poll() is not None:
            return
    pytest.fail(f"the concurrent apply neither waited for the store nor ended in {seconds:g} s")


def test_map_racing_a_scheduled_apply_prints_what_happened_to_its_decision(
    manual_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The concurrent apply starts at the worst moment: right after map recorded its decision."""
    import offermap.review.manual as manual_lib

    concurrent: list[subprocess.Popen[str]] = []
    record = manual_lib.record_decision

    def record_then_race(*args: Any, **kwargs: Any) -> int:
        decision_id = record(*args, **kwargs)
        process = subprocess.Popen(
            [sys.executable, "-c", _CONCURRENT_APPLY, str(manual_db)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        concurrent.append(process)
        # Give it every chance to apply the decision before map goes on: until it ends, or
        # says it waits for the database, which map holds until its decision is applied.
        _wait_until_blocked_or_done(process, seconds=60)
        return decision_id

    monkeypatch.setattr(manual_lib, "record_decision", record_then_race)
    result = runner.invoke(app, ["map", BP_MONTHLY, "1"])
    (process,) = concurrent
    out, _ = process.communicate(timeout=60)
    (decision,) = _decisions(manual_db)
    if decision["state"] == "applied":
        assert result.exit_code == 0, result.output
        assert "Mapped" in result.stdout
    else:
        assert result.exit_code == 1
        assert "Mapped" not in result.output and "Refused" in result.output
    # Under one store connection, map's own decision is the one applied, by map.
    assert decision["state"] == "applied" and decision["run_id"].startswith("manual")
    assert out.strip() == "0"


_INTERRUPTED_MAP = textwrap.dedent(
    """
    import os, signal, sys, time
    import offermap.apply.rule_check as rule_check

    # Ctrl-C as in a terminal, also when the tests run where SIGINT is ignored (a job started
    # with `&` by a shell without job control passes SIG_IGN on to every process below it).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    real = rule_check.check_decision_facts

    def interrupted(frame):
        # Ctrl-C arrives while the rules are being checked, after the decision was recorded.
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10)
        return real(frame)

    rule_check.check_decision_facts = interrupted
    from offermap.cli import main
    main(sys.argv[1:])
    """
)


def test_ctrl_c_during_map_says_what_became_of_the_decision_and_leaves_nothing_pending(
    manual_db: Path,
) -> None:
    env = {**os.environ, "OFFERMAP_DB": str(manual_db)}
    process = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_MAP, "map", BP_MONTHLY, "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 130
    err = process.stderr.strip()
    assert "Traceback" not in err
    assert "nterrupted" in err and "nothing was mapped" in err
    assert "offermap map" in err  # what to do: run it again
    # Nothing is left pending for a scheduled apply to map behind the user's back.
    assert [d for d in _decisions(manual_db) if d["state"] == "pending"] == []
    with open_store(manual_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM offer_mappings").fetchall()[0][0] == 0
