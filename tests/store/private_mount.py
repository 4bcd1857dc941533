"""Run Python code in a child process that has a small file system of its own.

A full disk and a read-only file system are real conditions here, not mocks: the child gets a
private mount namespace (`unshare --mount`, private propagation), mounts a tmpfs of a few
megabytes on a test folder, and optionally remounts it read-only. Nothing of it is visible
outside the child, and it disappears when the child ends. The tests run as root, which
mounting needs.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_in_private_mount(
    mount_point: Path,
    code: str,
    *,
    size: str = "16m",
    prepare: str = "",
    read_only: bool = False,
    timeout: float = 300,
) -> dict[str, Any]:
    """Run `code` with a fresh tmpfs of `size` on `mount_point`; returns what it printed last.

    Args:
        code: Python run in the child after the mount; its last line of output must be JSON
            (e.g. `print(json.dumps(result))`). `MOUNT` holds the mount point as a Path.
        prepare: Python run before a read-only remount (to leave files there first).
        read_only: remount the tmpfs read-only between `prepare` and `code`.
    """
    mount_point.mkdir(parents=True, exist_ok=True)
    header = "import json, os, sys\nfrom pathlib import Path\nMOUNT = Path(sys.argv[1])\n"
    python = shlex.quote(sys.executable)
    where = shlex.quote(str(mount_point))
    steps = [f"mount -t tmpfs -o size={size} tmpfs {where}"]
    if prepare:
        steps.append(f"{python} -c {shlex.quote(header + textwrap.dedent(prepare))} {where}")
    if read_only:
        steps.append(f"mount -o remount,ro {where}")
    steps.append(f"exec {python} -c {shlex.quote(header + textwrap.dedent(code))} {where}")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-ec", " && ".join(steps)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise AssertionError(
            f"the child failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result
