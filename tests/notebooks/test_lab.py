"""`make lab`: JupyterLab's settings and environment, prepared without starting a server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebooks import lab


def test_python_files_open_as_notebooks_and_other_settings_are_kept(tmp_path: Path) -> None:
    settings_dir = tmp_path / "user-settings"
    existing = settings_dir / lab.DOCMANAGER_SETTINGS
    existing.parent.mkdir(parents=True)
    existing.write_text(json.dumps({"autosave": False, "defaultViewers": {"markdown": "Editor"}}))

    written = lab.write_lab_settings(settings_dir)

    assert written == existing
    assert json.loads(written.read_text()) == {
        "autosave": False,
        "defaultViewers": {"markdown": "Editor", "python": "Jupytext Notebook"},
    }
    existing.write_text("// a comment JSON cannot read\n{}")
    assert json.loads(lab.write_lab_settings(settings_dir).read_text()) == {
        "defaultViewers": {"python": "Jupytext Notebook"}
    }


def test_kernels_get_the_command_lines_database_as_an_absolute_path_and_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kernels run in notebooks/, where a relative path or the project's .env mean nothing.
    (tmp_path / ".env").write_text(
        "OFFERMAP_DB=data/offermap.duckdb\nOFFERMAP_CONNECTION=demo\nAUTOTASK_SECRET=s3cret\n"
    )
    base = {"PATH": "/usr/bin", "HOME": str(tmp_path), "CLOUDCOCKPIT_CLIENT_SECRET": "sh-secret"}

    env = lab.lab_environment(tmp_path / ".offermap" / "jupyter", base)

    assert env["OFFERMAP_DB"] == str(tmp_path / "data" / "offermap.duckdb")
    assert env["OFFERMAP_CONNECTION"] == "demo"
    assert env["OFFERMAP_ACTOR"]
    assert env["JUPYTERLAB_SETTINGS_DIR"] == str(
        tmp_path / ".offermap" / "jupyter" / "lab" / "user-settings"
    )
    assert env["PATH"] == "/usr/bin"
    for secret in ("s3cret", "sh-secret"):  # from .env, from the shell
        assert secret not in json.dumps(env)


def test_jupyterlab_starts_on_the_repository_with_the_review_notebook_open() -> None:
    command = lab.lab_command(8899, open_browser=False, extra=["--ServerApp.ip=0.0.0.0"])

    assert command[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={lab.ROOT}" in command
    assert "--ServerApp.port=8899" in command and "--no-browser" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/review_proposals.py" in command
    assert (lab.ROOT / lab.OPENED).is_file()
    assert command[-1] == "--ServerApp.ip=0.0.0.0"  # passed through, after offermap's own


def test_a_malformed_setting_stops_the_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OFFERMAP_CONNECTION", "Not A Slug")

    assert lab.main(["--no-browser"]) == 1

    error = capsys.readouterr().err
    assert error.startswith("cannot start JupyterLab: ") and "OFFERMAP_CONNECTION" in error
    assert len(error.strip().splitlines()) == 1
