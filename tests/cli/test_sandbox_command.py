"""`offermap sandbox serve` prints the settings that point offermap at it, and serves."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

import httpx


def test_serve_prints_exports_and_answers_zone_lookups() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "offermap", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        env: dict[str, str] = {}
        deadline = time.monotonic() + 60
        while "CLOUDCOCKPIT_TENANT" not in env and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("export "):
                name, _, value = line[7:].strip().partition("=")
                env[name] = shlex.split(value)[0]
        for name in (
            "AUTOTASK_USERNAME",
            "AUTOTASK_SECRET",
            "AUTOTASK_INTEGRATION_CODE",
            "AUTOTASK_API_URL",
            "CLOUDCOCKPIT_API_URL",
            "CLOUDCOCKPIT_TOKEN_URL",
            "CLOUDCOCKPIT_CLIENT_ID",
            "CLOUDCOCKPIT_CLIENT_SECRET",
            "CLOUDCOCKPIT_TENANT",
        ):
            assert env.get(name), name
        zone = httpx.get(
            env["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/ZoneInformation",
            params={"user": env["AUTOTASK_USERNAME"]},
            timeout=10,
        )
        assert zone.status_code == 200 and zone.json()["url"] == env["AUTOTASK_API_URL"]
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
