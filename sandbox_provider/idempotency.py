"""A key is executed once: its first answer is stored with the operation, in one transaction.

The answer (success or refusal) and the money movement commit together, so a retry
after a timeout, a crash or a concurrent duplicate gets the stored answer, never a
second movement. A key reused for a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox_provider.errors import IdempotencyKeyReusedError, render
from shared.contract.serialization import dumps
from shared.kit.http.errors import HttpProblem

Operation = Callable[[], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    """The answer to send: status, body bytes, and whether it is a stored one."""

    status: int
    body: bytes
    replayed: bool


def fingerprint(method: str, path: str, body: dict[str, Any] | None) -> str:
    """What makes two requests the same: method, path and the body's content."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def execute_once(
    conn: sqlite3.Connection, key: str, print_: str, stamp: str, operation: Operation
) -> Outcome:
    """The stored answer for `key`, else run `operation` and store its answer."""
    stored = conn.execute(
        "SELECT fingerprint, status, body FROM idempotency WHERE key = ?", (key,)
    ).fetchone()
    if stored is not None:
        if stored["fingerprint"] != print_:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was used with a different request"
            )
        return Outcome(stored["status"], bytes(stored["body"]), replayed=True)
    conn.execute("SAVEPOINT operation")
    try:
        status, answer = operation()
        body = dumps(answer)
    except HttpProblem as refused:  # a refusal is an answer too: stored, sent again
        conn.execute("ROLLBACK TO operation")
        status, body = refused.status, bytes(render(refused).body)
    conn.execute("RELEASE operation")
    conn.execute(
        "INSERT INTO idempotency (key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?)",
        (key, print_, status, body, stamp),
    )
    return Outcome(status, body, replayed=False)
