"""Driving tests/reliability/apply_worker.py from a test: start, kill and wait for apply runs."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Warming up imports Great Expectations: generous, for a loaded machine.
READY_TIMEOUT = 180.0
JOB_TIMEOUT = 120.0


class ApplyWorkers:
    """A forking apply worker process and the events it reports."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._pids: dict[str, int] = {}
        self._exits: dict[int, int] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = self._next(READY_TIMEOUT)
        if not ready.get("ready"):
            raise RuntimeError(f"the apply worker did not start: {ready}")
        self.stages: list[str] = ready["stages"]

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._events.put(json.loads(line))
        self._events.put({"eof": True})

    def _next(self, timeout: float) -> dict[str, Any]:
        event = self._events.get(timeout=timeout)
        if event.get("eof"):
            raise RuntimeError("the apply worker exited")
        return event

    def _absorb(self, timeout: float) -> None:
        event = self._next(timeout)
        if "started" in event:
            self._pids[event["tag"]] = int(event["started"])
        elif "exited" in event:
            self._exits[int(event["exited"])] = int(event["code"])

    def start(self, job: dict[str, Any]) -> int:
        """Fork one apply run; returns its pid once it is running."""
        assert self._process.stdin is not None
        self._pids.pop(job["tag"], None)  # a tag used before names the new run from now on
        self._process.stdin.write((json.dumps(job) + "\n").encode())
        self._process.stdin.flush()
        while job["tag"] not in self._pids:
            self._absorb(JOB_TIMEOUT)
        return self._pids[job["tag"]]

    def wait(self, pid: int) -> int:
        """The run's exit code once it ended (-9: killed)."""
        while pid not in self._exits:
            self._absorb(JOB_TIMEOUT)
        return self._exits[pid]

    def kill(self, pid: int) -> None:
        """SIGKILL a run (no-op if it already ended)."""
        if pid not in self._exits:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextmanager
def apply_workers() -> Iterator[ApplyWorkers]:
    """A warmed-up apply worker for the block; it is stopped afterwards."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.apply_worker"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        yield ApplyWorkers(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def job(tag: str, db: Path, connection: str, work: Path, **extra: Any) -> dict[str, Any]:
    """A job line for the worker; its result and log go to files under `work`."""
    return {
        "tag": tag,
        "db": str(db),
        "connection": connection,
        "run_id": f"apply-{tag}",
        "out": str(work / f"{tag}.json"),
        "log": str(work / f"{tag}.log"),
        **extra,
    }


def outcome(job_line: dict[str, Any]) -> dict[str, Any] | None:
    """What a finished job wrote (None: it was killed before it could)."""
    path = Path(job_line["out"])
    return json.loads(path.read_text()) if path.exists() else None
