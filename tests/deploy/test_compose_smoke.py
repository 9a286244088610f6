"""`docker compose up` from a clean checkout: both services become ready and the admin signs in.

Runs wherever a Docker engine with the compose plugin is reachable; elsewhere it is skipped
with the reason (the only skip in the suite: the embedded stack needs no Docker).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
UP_TIMEOUT_S = 900  # a first build downloads the base images and the wheels


def _docker_missing() -> str | None:
    """Why compose cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    for probe in (["docker", "info"], ["docker", "compose", "version"]):
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(probe)}` did not answer within 30 s"
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
            return f"`{' '.join(probe)}` failed: {lines[-1]}"
    return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The compose stack under a project name of its own, removed with its volumes after."""
    missing = _docker_missing()
    if missing is not None:
        pytest.skip(f"docker compose smoke test not run: {missing}")
    env = {
        "FLEET_PG_PASSWORD": secrets.token_hex(12),
        "FLEET_BOOTSTRAP_ADMIN_EMAIL": "admin@compose.example",
        "FLEET_BOOTSTRAP_ADMIN_PASSWORD": secrets.token_hex(12),
        "FLEET_SERVICE_ACCOUNT_PASSWORD": secrets.token_hex(12),
    }
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    compose = ["docker", "compose", "-p", f"fleetledger-smoke-{secrets.token_hex(3)}"]
    compose += ["--env-file", str(env_file)]
    try:
        subprocess.run(
            [*compose, "up", "--build", "--detach", "--wait", "--wait-timeout", "600"],
            cwd=ROOT,
            check=True,
            timeout=UP_TIMEOUT_S,
        )
        yield env
    finally:
        subprocess.run([*compose, "down", "--volumes"], cwd=ROOT, timeout=300, check=False)


def test_both_services_answer_ready(stack: dict[str, str]) -> None:
    for port in (8000, 8001):
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200


def test_the_first_admin_from_env_example_signs_in(stack: dict[str, str]) -> None:
    body = {
        "email": stack["FLEET_BOOTSTRAP_ADMIN_EMAIL"],
        "password": stack["FLEET_BOOTSTRAP_ADMIN_PASSWORD"],
    }
    answer = httpx.post("http://127.0.0.1:8000/v1/auth/token", json=body, timeout=10)
    assert answer.status_code == 200 and answer.json()["access_token"]
