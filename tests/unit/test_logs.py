"""Log lines: JSON for machines, a readable console on a terminal, one shape for the
libraries that log through the standard library (uvicorn, aiokafka, httpx).

Each case runs in a fresh interpreter: logging is process-wide state, and the terminal
is a real pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60

OWN_EVENT = """
import structlog
from shared.kit.logs import configure_logging
from shared.kit.settings import load
from query_service.settings import Settings
configure_logging("INFO", load(Settings).log_format)
structlog.contextvars.bind_contextvars(request_id="req-1", correlation_id="corr-1")
structlog.get_logger("probe").info("vehicle_registered", vehicle_id="v-1")
"""

# A real uvicorn server (port 0, loopback), a real httpx request to it and a real
# aiokafka connection failure, all inside a bound request context.
LIBRARIES = """
import asyncio
import httpx, structlog, uvicorn
from aiokafka import AIOKafkaProducer
from deploy.postgres import free_port
from shared.kit.logs import configure_logging

async def hello(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

def factory():
    configure_logging("INFO")  # as create_app does, after uvicorn configured its logging
    return hello

async def main():
    config = uvicorn.Config(factory, factory=True, host="127.0.0.1", port=0,
                            lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    structlog.contextvars.bind_contextvars(request_id="req-2", correlation_id="corr-2")
    async with httpx.AsyncClient() as http:
        await http.get(f"http://127.0.0.1:{port}/")
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{free_port()}")
    try:
        await producer.start()
    except Exception:
        pass
    finally:
        await producer.stop()
    structlog.contextvars.clear_contextvars()
    server.should_exit = True
    await serving

asyncio.run(main())
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FLEET_LOG_FORMAT"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def run_piped(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The probe with stdout on a pipe, as under a process manager or in a container."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def run_on_terminal(code: str, **env: str) -> str:
    """The probe's stdout when it is a terminal (a pseudo-terminal we read)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=_env(**env),
        stdout=follower,
        stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the child exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(TIMEOUT_S)
    os.close(leader)
    return b"".join(chunks).decode()


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_logs_are_json_lines_with_the_bound_context_when_stdout_is_not_a_terminal() -> None:
    result = run_piped(OWN_EVENT)

    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["event"] == "vehicle_registered"
    assert line["vehicle_id"] == "v-1"
    assert (line["request_id"], line["correlation_id"]) == ("req-1", "corr-1")
    assert line["level"] == "info"
    assert str(line["timestamp"]).endswith("Z")


def test_logs_are_readable_console_lines_on_a_terminal() -> None:
    out = run_on_terminal(OWN_EVENT)

    assert "vehicle_registered" in out
    assert "request_id" in out and "req-1" in out
    assert not out.lstrip().startswith("{")
    assert "\x1b[" in out  # colored: it is a terminal


def test_log_format_variable_forces_console_on_a_pipe_without_colors() -> None:
    result = run_piped(OWN_EVENT, FLEET_LOG_FORMAT="console")

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert "vehicle_registered" in line and "vehicle_id=v-1" in line
    assert "request_id=req-1" in line
    assert "\x1b[" not in line


def test_log_format_variable_forces_json_on_a_terminal() -> None:
    out = run_on_terminal(OWN_EVENT, FLEET_LOG_FORMAT="json")

    [line] = json_lines(out)
    assert line["event"] == "vehicle_registered"


def test_rejects_an_unknown_log_format_naming_the_variable() -> None:
    result = run_piped(OWN_EVENT, FLEET_LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "FLEET_LOG_FORMAT='xml'" in result.stderr


def test_uvicorn_httpx_and_aiokafka_records_come_out_as_structlog_json() -> None:
    result = run_piped(LIBRARIES)

    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)  # every line is JSON, none in uvicorn's own format
    by_logger = {str(line["logger"]).split(".")[0]: line for line in lines}
    assert {"uvicorn", "httpx", "aiokafka"} <= by_logger.keys(), lines
    running = [line for line in lines if str(line["event"]).startswith("Uvicorn running on")]
    assert running and running[0]["logger"] == "uvicorn.error"
    assert "HTTP Request: GET" in str(by_logger["httpx"]["event"])
    assert by_logger["httpx"]["request_id"] == "req-2"
    assert by_logger["aiokafka"]["level"] == "error"
    assert by_logger["aiokafka"]["correlation_id"] == "corr-2"


def test_library_records_below_the_configured_level_are_dropped() -> None:
    result = run_piped(LIBRARIES.replace('configure_logging("INFO")', 'configure_logging("ERROR")'))

    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["logger"] for line in lines] == ["aiokafka"]  # uvicorn's and httpx's: info


def test_uvicorn_access_log_stays_off_when_uvicorn_was_told_so() -> None:
    code = """
    import logging, uvicorn
    from shared.kit.logs import configure_logging
    uvicorn.Config("x:y", access_log=False)  # --no-access-log, as the services run
    configure_logging("INFO")
    logging.getLogger("uvicorn.access").info("GET / 200")
    logging.getLogger("uvicorn.error").info("still here")
    """
    result = run_piped(code)

    assert [line["event"] for line in json_lines(result.stdout)] == ["still here"]
