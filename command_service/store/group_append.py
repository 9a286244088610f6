"""Appends of one process's concurrent commands, on different vehicles, in one statement.

Most of PostgreSQL's cost of an append is paid per statement and commit, not per row (we
think: opening and locking its tables and indexes, the executor, the WAL flush; the split
was not measured). A scratch measurement
(docs/benchmarks.md, "Appends grouped") put it at 462 µs per booking appended alone and
209 µs per booking in statements of four.

An append that arrives while another statement of this process is in flight waits for it,
then goes with every append that waited meanwhile, on the connection of the first of them
(its command holds that connection anyway: no second pool, no wait on one). The first
append of an idle process goes at once, alone. An append waits for at most the one
statement in flight, where alone it would have run beside it; under load the shorter
queue at PostgreSQL won more than that (p99 of scenario (a) fell, docs/benchmarks.md).

A statement commits all of its appends or none. When PostgreSQL refuses it (a lost version
race, an id or a key already taken, an overlapping block), each of its appends is sent
again alone, so that each gets the answer it would have had alone. Each stream appears
once in a statement (the per-vehicle version check is still the only guard).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from command_service import metrics
from command_service.store.append_statement import append_statement


class AppendInterruptedError(RuntimeError):
    """The statement carrying this append was interrupted; whether it committed is not
    known (as when a connection drops during an append of its own)."""


@dataclass(eq=False)
class _Waiting:
    values: Mapping[str, Any]
    position: asyncio.Future[int]

    @property
    def stream(self) -> UUID:
        return self.values["stream"]  # type: ignore[no-any-return]


async def append_alone(db: asyncpg.Pool | asyncpg.Connection, values: Mapping[str, Any]) -> int:
    """The append of `values` in a statement of its own; its last global position."""
    sql, args = append_statement([values])
    rows = await db.fetch(sql, *args)
    return int(rows[0][1])


class GroupAppend:
    """Groups the appends of concurrent commands; at most `most` in one statement."""

    def __init__(self, most: int = 64) -> None:
        self._waiting: list[_Waiting] = []
        self._turn = asyncio.Lock()  # one statement in flight; FIFO, so no one starves
        self._most = most

    async def append(self, values: Mapping[str, Any], conn: asyncpg.Connection) -> int:
        """Append `values` (the parameters of `append_statement`) with whatever waits, on
        `conn` if this append leads its statement; its last global position."""
        mine = _Waiting(values, asyncio.get_running_loop().create_future())
        self._waiting.append(mine)
        try:
            while not mine.position.done():
                async with self._turn:
                    if not mine.position.done():
                        await self._send(self._take(), conn, mine)
        except asyncio.CancelledError:
            if mine in self._waiting:  # not sent: it never will be
                self._waiting.remove(mine)
            raise
        return mine.position.result()

    def _take(self) -> list[_Waiting]:
        """The waiting appends, oldest first, one per stream, at most `most`."""
        group: list[_Waiting] = []
        streams: set[UUID] = set()
        left: list[_Waiting] = []
        for waiting in self._waiting:
            if len(group) < self._most and waiting.stream not in streams:
                group.append(waiting)
                streams.add(waiting.stream)
            else:
                left.append(waiting)
        self._waiting = left
        return group

    async def _send(self, group: list[_Waiting], conn: asyncpg.Connection, lead: _Waiting) -> None:
        metrics.APPEND_GROUP_SIZE.observe(len(group))
        try:
            if len(group) == 1:
                await _answer(group[0], conn)
                return
            sql, args = append_statement([waiting.values for waiting in group])
            try:
                rows = await conn.fetch(sql, *args)
            except asyncpg.PostgresError:  # one of them was refused: each alone, for its answer
                metrics.APPEND_GROUPS_REFUSED.inc()
                for waiting in group:
                    await _answer(waiting, conn)
                return
            positions = dict(rows)
            for waiting in group:
                waiting.position.set_result(int(positions[waiting.stream]))
        except BaseException:  # the leader's own error is raised to it, not set
            for waiting in group:
                if waiting is not lead and not waiting.position.done():
                    waiting.position.set_exception(AppendInterruptedError())
            raise


async def _answer(waiting: _Waiting, conn: asyncpg.Connection) -> None:
    """Send `waiting` alone; its position, or PostgreSQL's refusal, is its answer."""
    try:
        waiting.position.set_result(await append_alone(conn, waiting.values))
    except asyncpg.PostgresError as exc:
        waiting.position.set_exception(exc)
