"""The sandbox provider as the tests meet it: a real process on loopback, and a webhook
receiver that records what it is sent (and can fail the first attempts)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from deploy import services
from deploy.postgres import free_port

SECRET = "test-webhook-secret"
VISA = {"amount_cents": 12_000, "currency": "EUR", "card_token": "tok_visa", "reference": "b-1"}


@dataclass
class Provider:
    """`uvicorn sandbox_provider.app` over `state_dir`, started and stopped by PID."""

    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Provider:
        env = {
            "FLEET_STATE_DIR": str(self.state_dir),
            "FLEET_SANDBOX_TEST_HOOKS": "true",
            "FLEET_LOG_LEVEL": "WARNING",
            **self.env,
        }
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = self.state_dir / "sandbox.log"
        self.proc = services.start_service(services.SANDBOX_APP, self.port, 1, env, log)
        try:
            services.wait_ready(f"{self.url}/readyz", self.proc, timeout_s=30)
        except (RuntimeError, TimeoutError):
            self.kill()
            raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would (by the PID we started)."""
        if self.proc is not None:
            services.kill(self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            services.stop(self.proc)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def ledger(self, **params: str) -> dict[str, Any]:
        with self.client() as http:
            body: dict[str, Any] = http.get("/v1/ledger", params=params).json()
            return body

    def events(self) -> list[dict[str, Any]]:
        with self.client() as http:
            found: list[dict[str, Any]] = http.get("/v1/events").json()["events"]
            return found


@dataclass
class Delivery:
    """One POST the receiver got."""

    body: bytes
    signature: str | None
    at: float
    answered: int


class Receiver:
    """A loopback webhook endpoint answering 500 to the first `fail_first` POSTs, then 200."""

    def __init__(self, fail_first: int = 0, port: int | None = None) -> None:
        self.fail_first = fail_first
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status = 500 if len(receiver.deliveries) < receiver.fail_first else 200
                    receiver.deliveries.append(
                        Delivery(body, self.headers.get("Fleet-Signature"), time.time(), status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        return Handler

    def accepted(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.answered == 200]

    def wait(self, until: Callable[[Receiver], bool], timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not until(self):
            assert time.monotonic() < deadline, f"receiver got {len(self.deliveries)} deliveries"
            time.sleep(0.05)


@contextmanager
def receiving(fail_first: int = 0, port: int | None = None) -> Iterator[Receiver]:
    receiver = Receiver(fail_first, port)
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


@contextmanager
def running(state_dir: Path, **env: str) -> Iterator[Provider]:
    """A started provider over `state_dir`, stopped afterwards."""
    provider = Provider(state_dir, env).start()
    try:
        yield provider
    finally:
        provider.stop()


def webhook_env(receiver: Receiver, **more: str) -> dict[str, str]:
    """Settings that deliver to `receiver`, signed with SECRET, retrying quickly."""
    return {
        "FLEET_SANDBOX_WEBHOOK_URL": receiver.url,
        "FLEET_SANDBOX_WEBHOOK_SECRET": SECRET,
        "FLEET_SANDBOX_WEBHOOK_RETRY_FIRST_MS": "200",
        "FLEET_SANDBOX_WEBHOOK_RETRY_MAX_MS": "800",
        **more,
    }


def post(
    http: httpx.Client, path: str, key: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    """A money-moving request with its Idempotency-Key."""
    return http.post(path, json=body, headers={"Idempotency-Key": key})
