"""A process that forks `apply` runs on request, so tests can kill or race them cheaply.

Importing Great Expectations and building the rules suite takes seconds; this process does it
once, then forks one child per job (fork is safe here: only the main thread exists). Run as
`python -m tests.reliability.apply_worker` from the repository root; it speaks JSON lines:

- it prints `{"ready": true, "stages": [...]}` once warmed up: the store functions apply calls,
  where a job may ask to be killed;
- each input line is a job: `{"tag", "db", "connection", "run_id", "out", "log"}` plus optional
  `"kill": {"stage", "when": "before"|"after", "call"}` (SIGKILL itself there), `"hold"`
  (seconds to sit on the write lock once it has it, after creating `<out>.locked`) and
  `"lock_timeout"` (seconds to wait for another process's lock);
- it prints `{"started": pid, "tag"}` when a job is forked and `{"exited": pid, "code"}` when
  it ends (code -9: killed). A job that finishes writes its result or error to `out`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import offermap.apply.batch as apply_module
from expectations.suites import validate_decisions, warm_up
from offermap.store import open_store


def _say(event: dict[str, Any]) -> None:
    # One raw write per event: the SIGCHLD handler may speak while the main loop is speaking.
    os.write(1, (json.dumps(event) + "\n").encode())


def _stages() -> dict[str, Any]:
    """The store functions offermap.apply.batch calls, by name: the places a job may die."""
    return {
        name: value
        for name, value in vars(apply_module).items()
        if callable(value)
        and getattr(value, "__module__", "").startswith("offermap.store")
        and not isinstance(value, type)
    }


def _warm() -> None:
    warm_up(["decision_rules"])
    # One tiny validation so that every GX code path is imported before forking.
    import pandas as pd

    from offermap.rules import DECISION_COLUMNS

    validate_decisions(pd.DataFrame({column: [] for column in DECISION_COLUMNS}))


def _killing(original: Any, when: str, call: int) -> Any:
    calls = 0

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == call and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapper


def _holding(original: Any, marker: Path, seconds: float) -> Any:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        marker.touch()
        time.sleep(seconds)
        return original(*args, **kwargs)

    return wrapper


def _job(job: dict[str, Any]) -> int:
    logging.basicConfig(filename=job["log"], level=logging.INFO, force=True)
    stages = _stages()
    # Replacements of names in offermap.apply.batch's namespace, which apply looks up at call time.
    patches: dict[str, Any] = {}
    kill = job.get("kill")
    if kill:
        patches[kill["stage"]] = _killing(stages[kill["stage"]], kill["when"], int(kill["call"]))
    if job.get("hold"):
        # approval_batch is apply's first read once it holds the database.
        marker = Path(job["out"] + ".locked")
        patches["approval_batch"] = _holding(stages["approval_batch"], marker, job["hold"])
    if job.get("lock_timeout") is not None:
        patches["open_store"] = functools.partial(
            open_store, lock_timeout=float(job["lock_timeout"])
        )
    for name, replacement in patches.items():
        setattr(apply_module, name, replacement)
    out = Path(job["out"])
    try:
        result = apply_module.apply_decisions(
            job["db"], job["connection"], job["run_id"], rules_check=validate_decisions
        )
    except Exception as exc:
        logging.getLogger("apply_worker").exception("apply failed")
        out.write_text(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return 1
    out.write_text(json.dumps({"result": asdict(result)}, default=str))
    return 0


def _reap(signum: int, frame: Any) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _say({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def main() -> None:
    """Warm up, then fork one child per job line until stdin closes."""
    _warm()
    signal.signal(signal.SIGCHLD, _reap)
    _say({"ready": True, "stages": sorted(_stages())})
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 1
            try:
                code = _job(job)
            finally:
                os._exit(code)
        _say({"started": pid, "tag": job["tag"]})


if __name__ == "__main__":
    main()
