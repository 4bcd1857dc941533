"""`serve_forever` prints export lines, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx

from offermap.sandbox.server import sandbox_env


def test_serve_forever_prints_exports_serves_and_stops_on_sigterm():
    code = (
        "from offermap.sandbox import serve_forever; "
        "serve_forever(0, print_fn=lambda s: print(s, flush=True))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        exports = {}
        for _ in range(len(sandbox_env("http://x/"))):
            line = proc.stdout.readline().strip()
            assert line.startswith("export ")
            name, _, value = line[len("export ") :].partition("=")
            exports[name] = value
        assert set(exports) == set(sandbox_env("http://x/"))
        zone = exports["AUTOTASK_ZONE_LOOKUP_URL"] + "V1.0/ZoneInformation"
        for _ in range(100):
            try:
                response = httpx.get(zone, params={"user": exports["AUTOTASK_USERNAME"]}, timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response.json()["url"] == exports["AUTOTASK_API_URL"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
