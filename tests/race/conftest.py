"""Two command-service processes on loopback over one fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy import services
from deploy.accounts import StartupAccounts
from deploy.postgres import free_port


@pytest.fixture
async def two_services(cluster, tmp_path: Path):
    """(dsn, the two base URLs, the bootstrap admin) of two processes on one database."""
    dsn = await cluster.create_database("race")
    ports = [free_port(), free_port()]
    accounts = StartupAccounts.generate()
    env = {
        "FLEET_LOG_LEVEL": "WARNING",
        "FLEET_SWEEPER_INTERVAL_MS": "1000",
        **accounts.command_env(),
    }
    procs = [
        services.start_command_service(p, dsn, env=env, log_path=tmp_path / f"{p}.log")
        for p in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            services.wait_ready(f"http://127.0.0.1:{port}/readyz", proc, timeout_s=60)
        yield dsn, [f"http://127.0.0.1:{p}" for p in ports], accounts.admin
    finally:
        for proc in procs:
            services.stop(proc)
