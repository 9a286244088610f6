"""Start and stop the services as child processes (launcher, race tests, benchmarks)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from shared.kit.http.server import uvicorn_flags

log = structlog.get_logger("deploy.services")
ROOT = Path(__file__).resolve().parent.parent


COMMAND_APP = "command_service.api.app:app_from_env"
QUERY_APP = "query_service.app:app_from_env"


def start_service(
    app: str,
    port: int,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    state_dir: Path | None = None,
) -> subprocess.Popen[bytes]:
    """uvicorn running `app` (a factory path) on 127.0.0.1:`port`."""
    child_env = {**os.environ, **(env or {})}
    if workers > 1:  # Prometheus must merge the workers' metrics
        metrics_dir = (state_dir or ROOT / ".fleetledger") / f"metrics-{port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        child_env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
        *uvicorn_flags(),
    ]
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115 (the child owns it)
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=child_env,
        stdout=out or None,
        stderr=subprocess.STDOUT if out else None,
        start_new_session=True,
    )
    if out:
        out.close()
    return proc


def start_command_service(
    port: int,
    database_url: str,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    state_dir: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The command service on 127.0.0.1:`port` against `database_url`."""
    child_env = {"FLEET_COMMAND_DATABASE_URL": database_url, **(env or {})}
    return start_service(COMMAND_APP, port, workers, child_env, log_path, state_dir)


def consuming(readiness: dict[str, Any]) -> bool:
    """A query service's consumer owns partitions (ready replicas may still be joining)."""
    return bool(readiness.get("consumer", {}).get("state", "consuming") == "consuming")


def wait_ready(
    url: str,
    proc: subprocess.Popen[bytes],
    timeout_s: float = 30.0,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """Poll `url` until it answers 200 (and its body satisfies `until`); fail early if
    the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited with code {proc.returncode} before ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200 and (until is None or until(json.loads(resp.read()))):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_s}s")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """SIGTERM the process group we started (uvicorn and its workers); SIGKILL if stuck."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
