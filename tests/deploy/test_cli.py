"""`fleetledger`: one entry point whose subcommands delegate to the modules that own them."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deploy.postgres import free_port
from tests.conftest import Cluster

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ("run", "demo", "token", "rebuild", "user", "simulate")


def fleetledger(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m deploy.cli ARGS` with the caller's FLEET_* variables and `.env` ignored."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FLEET_")}
    clean["FLEET_ENV_FILE"] = ""
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_console_script_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["fleetledger"] == "deploy.cli:main"


def test_the_overview_lists_every_subcommand() -> None:
    done = fleetledger("--help")
    assert done.returncode == 0 and "Usage: fleetledger" in done.stdout
    listed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("│ ")}
    assert set(SUBCOMMANDS) <= listed


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_subcommand_explains_itself(subcommand: str) -> None:
    done = fleetledger(subcommand, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: fleetledger {subcommand}")
    assert "--help" in done.stdout


def test_user_shows_exactly_the_identity_tool(tmp_path: Path) -> None:
    delegated = fleetledger("user", "--help").stdout
    own = subprocess.run(
        [sys.executable, "-m", "command_service.identity.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    normalise = " ".join  # argparse wraps the usage at the prog's width
    assert normalise(delegated.replace("fleetledger user", "PROG").split()) == normalise(
        own.replace("python -m command_service.identity.cli", "PROG").split()
    )


def test_a_bad_value_stops_run_with_one_line_naming_the_variable() -> None:
    done = fleetledger("run", FLEET_COMMAND_PORT="abc")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "configuration error: FLEET_COMMAND_PORT='abc': "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_a_bad_service_value_stops_run_before_anything_starts() -> None:
    done = fleetledger("run", FLEET_QUERY_CONSUME="perhaps")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("configuration error: FLEET_QUERY_CONSUME='perhaps':")


def test_a_bad_sandbox_provider_value_stops_run_before_anything_starts() -> None:
    done = fleetledger("run", FLEET_SANDBOX_SLOW_MIN_MS="9000", FLEET_SANDBOX_SLOW_MAX_MS="10")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "configuration error: FLEET_SANDBOX_SLOW_MIN_MS must be 0 to FLEET_SANDBOX_SLOW_MAX_MS"
    )


async def test_a_rebuild_that_cannot_reach_the_command_service_fails_in_one_line(
    cluster: Cluster,
) -> None:
    dsn = await cluster.create_database("cli_rebuild")
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = await asyncio.to_thread(
        fleetledger, "rebuild", "--database-url", dsn, "--command-url", nobody
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "rebuild failed: ConnectError: All connection attempts failed"
        " (the active read models were not touched)"
    )


def test_an_unknown_subcommand_is_refused() -> None:
    done = fleetledger("deploy")
    assert done.returncode == 2 and "No such command 'deploy'" in done.stderr


def test_make_refuses_an_unsupported_python_in_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "python3.13"
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.13.1"; exit 0; fi\n'
        'echo "error: pgserver has no wheel for this interpreter" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "venv", f"VENV={venv}", f"PYTHON={fake}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and not venv.exists()
    # make's own "make: ***" (or "make[1]: ***" when the suite runs under make test) aside
    ours = [line for line in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?:", line)]
    assert ours == [
        f"error: Fleetledger needs Python 3.11, but {fake} is Python 3.13.1; "
        "install python3.11 or run make PYTHON=/path/to/python3.11"
    ]
