"""A loopback HTTP server that records every request and answers from a script.

The Stripe adapter's tests point the SDK at it, so they see the exact requests the
adapter sends (method, path, form fields, headers) and choose the answers it gets.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import orjson

MAX_DELAY_S = 5.0  # an answer held back to provoke a client timeout never waits longer


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    form: dict[str, str]  # the form-encoded body, one value per field
    body: bytes
    headers: dict[str, str]  # lower-case names

    def header(self, name: str) -> str | None:
        """The header `name`, whatever its case."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Answer:
    """What the server replies to the next request."""

    status: int
    body: dict[str, Any]
    delay_s: float = 0.0


@dataclass
class RecordingServer:
    """Records requests; answers each with the next scripted Answer, else `otherwise`."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    answers: deque[Answer] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, body: dict[str, Any], *, delay_s: float = 0.0) -> None:
        self.answers.append(Answer(status, body, min(delay_s, MAX_DELAY_S)))

    otherwise: Answer = Answer(500, {"error": {"type": "api_error", "message": "unscripted"}})

    def take(self, recorded: Recorded) -> Answer:
        with self._lock:
            self.requests.append(recorded)
            return self.answers.popleft() if self.answers else self.otherwise


def _handler(server: RecordingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            answer = server.take(Recorded(self.command, self.path, form, body, headers))
            time.sleep(answer.delay_s)
            payload = orjson.dumps(answer.body)
            # A client that timed out has gone: nobody is left to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_{len(server.requests)}")
                self.end_headers()
                self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on the recorded requests instead."""

    return Handler


@contextlib.contextmanager
def serving() -> Iterator[RecordingServer]:
    """A RecordingServer listening on a free loopback port (a daemon thread) while in use."""
    recorder = RecordingServer()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    http.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=5)
