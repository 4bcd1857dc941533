"""The shape the design asks for: the library knows nothing of Prefect, settings hide secrets.

The import contracts themselves are checked by `lint-imports` (make lint); these tests check
that the contracts cover the whole library and that importing it really loads no Prefect.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import offermap
from offermap.settings import SettingsError, load_autotask_settings, load_cloudcockpit_settings

# The command line (with the demo and the benchmarks that run flows) is the only door to Prefect.
_ENTRY_POINTS = {"offermap.cli", "offermap.__main__"}
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _library_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(offermap.__path__, "offermap."):
        if not any(info.name == e or info.name.startswith(e + ".") for e in _ENTRY_POINTS):
            names.append(info.name)
    return names


def test_no_library_module_imports_prefect() -> None:
    modules = _library_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.'))\n"
        "print(len(leaked))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_the_library_contract_names_every_package_and_module_but_the_command_line() -> None:
    contracts = tomllib.loads(_PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    (library,) = [c for c in contracts if c["name"].startswith("The library")]
    children = {
        f"offermap.{info.name}"
        for info in pkgutil.iter_modules(offermap.__path__)
        if f"offermap.{info.name}" not in _ENTRY_POINTS
    }
    assert set(library["source_modules"]) == children
    assert {"prefect", "flows", "tasks", "offermap.cli"} <= set(library["forbidden_modules"])


def test_missing_settings_are_named_without_echoing_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOTASK_SECRET", "canary-secret-123")
    with pytest.raises(SettingsError) as info:
        load_autotask_settings()
    assert "AUTOTASK_USERNAME is not set" in str(info.value)
    assert "AUTOTASK_INTEGRATION_CODE is not set" in str(info.value)
    assert "canary-secret-123" not in str(info.value)


def test_settings_never_show_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOTASK_USERNAME", "api@example.com")
    monkeypatch.setenv("AUTOTASK_SECRET", "canary-secret-123")
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", "canary-code-456")
    monkeypatch.setenv("CLOUDCOCKPIT_TOKEN_URL", "https://login.example/t/oauth2/v2.0/token")
    monkeypatch.setenv("CLOUDCOCKPIT_CLIENT_ID", "client")
    monkeypatch.setenv("CLOUDCOCKPIT_CLIENT_SECRET", "canary-secret-789")
    monkeypatch.setenv("CLOUDCOCKPIT_TENANT", "portal.example.com")
    shown = repr(load_autotask_settings()) + str(load_cloudcockpit_settings())
    for canary in ("canary-secret-123", "canary-code-456", "canary-secret-789"):
        assert canary not in shown


def test_a_malformed_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOTASK_USERNAME", "api@example.com")
    monkeypatch.setenv("AUTOTASK_SECRET", "s")
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", "c")
    monkeypatch.setenv("AUTOTASK_MAX_CONCURRENCY", "7")
    with pytest.raises(SettingsError, match="AUTOTASK_MAX_CONCURRENCY"):
        load_autotask_settings()
