"""Issue 14's unclear command-line errors: each is one line naming the problem and the way out.

`--connection BASE`, `OFFERMAP_CONNECTION=BASE`, a service id too large for any Autotask id,
a typo'd connection or handle, and missing API settings: each is refused before anything runs
or is written, in one line, without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from offermap.cli import main
from offermap.store import open_store
from tests.cli.manual_data import BP_MONTHLY


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command, expect exit status 1, return stderr (checked to be one line)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def _written(manual_db: Path) -> tuple[int, int]:
    with open_store(manual_db, read_only=True) as con:
        decisions = con.execute("SELECT count(*) FROM decisions").fetchall()[0][0]
        audit = con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
    return int(decisions), int(audit)


@pytest.mark.parametrize("command", [["sync"], ["apply"], ["offers"], ["proposals"]])
def test_a_connection_that_is_not_a_slug_is_refused_in_one_line(
    command: list[str], manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails([*command, "--connection", "BASE"], capsys)
    assert "'BASE'" in err
    assert "lower-case letters, digits and hyphens" in err


def test_offermap_connection_that_is_not_a_slug_names_the_variable_plainly(
    manual_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OFFERMAP_CONNECTION", "BASE")
    err = _fails(["offers"], capsys)
    assert "OFFERMAP_CONNECTION" in err and "'BASE'" in err
    assert "lower-case letters, digits and hyphens" in err
    # The pattern is explained in words, not shown as a regular expression.
    assert "^[" not in err and "{0,62}" not in err


def test_a_service_id_no_autotask_id_can_be_is_refused_before_anything_is_written(
    manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails(["map", BP_MONTHLY, "99999999999999999999"], capsys)
    assert "99999999999999999999" in err and "services search" in err
    assert "INT128" not in err
    assert _written(manual_db) == (0, 0)


def test_an_unknown_connection_is_refused_before_the_rules_run_naming_those_that_exist(
    manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails(["map", BP_MONTHLY, "1", "-c", "typo"], capsys)
    assert "'typo'" in err and "default" in err
    assert _written(manual_db) == (0, 0)
    err = _fails(["offers", "-c", "typo"], capsys)
    assert "'typo'" in err and "default" in err and "offermap sync" in err


def test_a_typoed_handle_writes_no_audit_row(
    manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails(["map", "CFQ7TTC0LCHX:0002/Commercial/OneYear/Monthly", "1"], capsys)
    assert "CFQ7TTC0LCHX:0002" in err and "offermap offers" in err
    err = _fails(["unmap", "CFQ7TTC0LCHX:0002/Commercial/OneYear/Monthly"], capsys)
    assert _written(manual_db) == (0, 0)


def test_missing_api_settings_are_all_named_at_once_with_the_way_out(
    manual_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No AUTOTASK_* or CLOUDCOCKPIT_* variable is set (conftest clears them).
    err = _fails(["sync"], capsys)
    for name in (
        "AUTOTASK_USERNAME",
        "AUTOTASK_SECRET",
        "AUTOTASK_INTEGRATION_CODE",
        "CLOUDCOCKPIT_TOKEN_URL",
        "CLOUDCOCKPIT_CLIENT_ID",
        "CLOUDCOCKPIT_CLIENT_SECRET",
        "CLOUDCOCKPIT_TENANT",
    ):
        assert name in err
    assert ".env.example" in err and "offermap sandbox serve" in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AUTOTASK_API_URL", "not-a-url"),
        ("AUTOTASK_ZONE_LOOKUP_URL", "ftp://webservices.example/ATServicesRest/"),
        ("CLOUDCOCKPIT_API_URL", "api.cloudcockpit.example/"),
        ("CLOUDCOCKPIT_TOKEN_URL", "nope"),
    ],
)
def test_a_url_the_clients_could_not_call_is_refused_before_the_sync_starts(
    variable: str,
    value: str,
    manual_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, setting in {
        "AUTOTASK_USERNAME": "api@example.test",
        "AUTOTASK_SECRET": "s3cret-value",
        "AUTOTASK_INTEGRATION_CODE": "CODE",
        "CLOUDCOCKPIT_TOKEN_URL": "https://login.example.test/token",
        "CLOUDCOCKPIT_CLIENT_ID": "client",
        "CLOUDCOCKPIT_CLIENT_SECRET": "cc-s3cret-value",
        "CLOUDCOCKPIT_TENANT": "tenant.example.test",
        variable: value,
    }.items():
        monkeypatch.setenv(name, setting)

    err = _fails(["sync"], capsys)

    assert f"{variable} is not an absolute http(s) URL" in err
    assert "s3cret-value" not in err


def test_apply_without_a_database_says_so_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "offermap.duckdb"
    monkeypatch.setenv("OFFERMAP_DB", str(missing))

    err = _fails(["apply"], capsys)

    assert f"there is no offermap database at {missing} yet" in err
    assert not missing.parent.exists()  # nothing created on the way


@pytest.mark.parametrize(
    ("args", "said", "where"),
    [
        (["offers", "--bogus"], "No such option: --bogus", "offermap offers --help"),
        (["offers", "--limit", "-1"], "Invalid value for '--limit'", "offermap offers --help"),
        (["withdraw", "abc"], "Invalid value for 'decision_ids'", "offermap withdraw --help"),
        (["catalogue", "import"], "Missing argument 'file'", "offermap catalogue import --help"),
    ],
)
def test_a_command_line_that_does_not_parse_is_one_line_naming_its_help(
    args: list[str], said: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)

    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("offermap: ") and said in err and f"(see `{where}`)" in err
