"""`make lab`: JupyterLab on the analyst notebooks, each opened as a notebook (jupytext).

    .venv/bin/python -m notebooks.lab [--port 8888] [--no-browser]

JupyterLab opens a `.py` file in its text editor unless told otherwise; this makes jupytext's
notebook the default viewer of Python files, in a settings folder of the project's own
(`.offermap/jupyter/`), so nothing in the home directory changes. Kernels run in `notebooks/`,
where the project's `.env` is out of reach: the database, connection and actor offermap's
command line would use are read here, from the repository root, and handed to the kernels
as absolute `OFFERMAP_*` settings (no credential: the notebooks do not call the APIs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from offermap.errors import OffermapError
from offermap.settings import load_offermap_settings

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
# JupyterLab opens one document from its address: the review notebook, in its folder, where
# mapping_health.py sits next to it.
OPENED = "notebooks/review_proposals.py"
DOCMANAGER_SETTINGS = Path("@jupyterlab/docmanager-extension/plugin.jupyterlab-settings")
JUPYTEXT_VIEWER = "Jupytext Notebook"
_CREDENTIALS = ("AUTOTASK_", "CLOUDCOCKPIT_")


def write_lab_settings(settings_dir: Path) -> Path:
    """Make jupytext's notebook the default viewer of `.py` files; keep any other setting.

    Returns the settings file written.
    """
    path = settings_dir / DOCMANAGER_SETTINGS
    try:
        current = json.loads(path.read_text("utf-8")) if path.exists() else {}
    except json.JSONDecodeError:
        # Edited by hand into something JSON cannot read (JupyterLab allows comments): the
        # viewer setting is what this folder is for, so start it afresh.
        current = {}
    if not isinstance(current, dict):
        current = {}
    viewers = current.get("defaultViewers")
    current["defaultViewers"] = {
        **(viewers if isinstance(viewers, dict) else {}),
        "python": JUPYTEXT_VIEWER,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n", "utf-8")
    return path


def lab_environment(state_dir: Path, base: dict[str, str]) -> dict[str, str]:
    """The environment JupyterLab runs in: `base` without API credentials, its settings folders,
    and offermap's own settings as the command line reads them.

    Raises:
        SettingsError: an OFFERMAP_* setting is malformed (named in the message).
    """
    settings = load_offermap_settings()
    # The notebooks never call the APIs: their credentials stay out of every kernel.
    env = {name: value for name, value in base.items() if not name.startswith(_CREDENTIALS)}
    env["JUPYTERLAB_SETTINGS_DIR"] = str(state_dir / "lab" / "user-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(state_dir / "lab" / "workspaces")
    env["JUPYTER_RUNTIME_DIR"] = str(state_dir / "runtime")
    env["IPYTHONDIR"] = str(state_dir / "ipython")
    env["OFFERMAP_DB"] = str(Path(settings.db).resolve())
    env["OFFERMAP_CONNECTION"] = settings.connection
    env["OFFERMAP_ACTOR"] = settings.actor
    return env


def lab_command(port: int, *, open_browser: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """The command that starts JupyterLab on the repository with the review notebook open."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={ROOT}",
        f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--LabApp.default_url=/lab/tree/{OPENED}",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and the project's own machines run as root; JupyterLab refuses to start
        # as root unless told that it is meant.
        command.append("--allow-root")
    return [*command, *extra]


def main(argv: list[str] | None = None) -> int:
    """Command line: prepare the settings, then run JupyterLab until it is stopped."""
    parser = argparse.ArgumentParser(prog="python -m notebooks.lab", description=__doc__)
    parser.add_argument("--port", type=int, default=8888, help="the port (default 8888)")
    parser.add_argument(
        "--no-browser", action="store_true", help="print the address instead of opening it"
    )
    # Anything else goes to JupyterLab as it is, e.g. --ServerApp.ip=0.0.0.0.
    args, extra = parser.parse_known_args(argv)
    state_dir = Path.cwd() / ".offermap" / "jupyter"
    try:
        env = lab_environment(state_dir, dict(os.environ))
    except OffermapError as exc:
        print(f"cannot start JupyterLab: {exc}", file=sys.stderr)
        return 1
    write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    print(
        f"JupyterLab on {ROOT} with database {env['OFFERMAP_DB']}, connection "
        f"{env['OFFERMAP_CONNECTION']} (set OFFERMAP_DB / OFFERMAP_CONNECTION to change them)"
    )
    try:
        command = lab_command(args.port, open_browser=not args.no_browser, extra=extra)
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
