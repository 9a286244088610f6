"""A page's bucket sums: additions to bucket rows, summed in Python, written by one upsert.

Additions commute, so summing a page's deltas first gives the same rows as one upsert per
event. A rebuild carries the sums of fleet tables over its pages and writes them together
(`SumTable.carry_over`): a fleet bucket is touched by nearly every page, and is then
written once per hundred thousand rows instead of once per page. And a rebuild's first
pass knows which bucket rows it wrote (`SumTable.start_fresh`): the others do not exist
yet, and go by COPY straight into the table instead of through the stage's upsert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from query_service.read_models.spans import HOUR, bucket_start, cover
from query_service.read_models.tables import Sums
from query_service.read_models.upsert import Batch, Upsert

# Keys a fresh bucket table remembers per connection: about 70 bytes each, so at most
# about 35 MB (a year of 5,000 vehicles' days is some 460,000 per shard of four).
FRESH_KEYS = 500_000


class SumTable:
    """Summed additions to bucket rows: key columns → value columns, written by one upsert.

    A key that only ever receives zeros still gets its row (a cancelled booking leaves its
    buckets at zero), so every way of paging the same log creates the same rows.

    A span over time buckets costs a few entries whatever its length: its partial first
    and last buckets are added as rows, the whole buckets between them as a run (plus at
    the first, minus after the last). An `edges` table stores the run's two edges as they
    are; otherwise the flush expands the runs of the page into one row per bucket covered
    (with a count of covering runs, so a bucket only cancelled spans cover still gets its
    row), bounded by the distinct rows, not by events times buckets."""

    def __init__(self, spec: Sums, columns: list[tuple[str, str]]) -> None:
        self.spec = spec
        self._runs: dict[tuple[Any, ...], dict[int, list[int]]] = {}
        self._at: dict[tuple[int, tuple[Any, ...]], list[int]] = {}
        # Where the bucket start goes in a key, and the buckets' length.
        self._bucket_at = (
            (spec.keys.index(spec.bucket[0]), spec.bucket[1]) if spec.bucket else (0, HOUR)
        )
        kinds = dict(columns)
        keys = list(spec.keys)
        self.values = [name for name, _ in columns if name not in keys]
        ordered = [(n, kinds[n]) for n in keys] + [(n, kinds[n]) for n in self.values]
        adds = ", ".join(f"{n} = t.{n} + EXCLUDED.{n}" for n in self.values)
        conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
        self.upsert = Upsert(spec.table, ordered, conflict)
        self.sums: dict[tuple[Any, ...], list[int]] = {}
        self.carrying = False  # sums kept over pages, written by write_carried
        self._written: set[int] | None = None  # hashes of the keys written, when fresh

    def add(self, key: tuple[Any, ...], **amounts: int) -> None:
        self.add_row(key, [amounts.get(name, 0) for name in self.values])

    def add_row(self, key: tuple[Any, ...], amounts: Sequence[int]) -> None:
        """Add one amount per value column, in the table's column order."""
        sums = self.sums.get(key)
        if sums is None:
            self.sums[key] = list(amounts)
        else:
            for i, amount in enumerate(amounts):
                sums[i] += amount

    def spread(
        self, rest: tuple[Any, ...], start_us: int, end_us: int, weights: Sequence[int]
    ) -> None:
        """Add `weights` times the seconds `[start_us, end_us)` (microseconds since the
        epoch) covers in each time bucket to the rows keyed by the bucket and `rest` (the
        other key columns, in order)."""
        if end_us <= start_us:
            return
        assert self.spec.bucket is not None, f"{self.spec.table} has no time bucket"
        step = self.spec.bucket[1]
        c = cover(start_us, end_us, step)
        pad = [0] * len(weights) if self.spec.edges else []
        self._add_at((c.first, rest), [c.first_s * w for w in weights] + pad)
        if c.last == c.first:
            return
        self._add_at((c.last, rest), [c.last_s * w for w in weights] + pad)
        if c.last - c.first < 2:
            return
        if self.spec.edges:  # reader: bucket value = partial + length * sum of edges so far
            zeros = [0] * len(weights)
            self._add_at((c.first + 1, rest), zeros + list(weights))
            self._add_at((c.last, rest), zeros + [-w for w in weights])
            return
        whole = int(step.total_seconds())
        runs = self._runs.setdefault(rest, {})
        for index, sign in ((c.first + 1, 1), (c.last, -1)):
            edge = runs.setdefault(index, [0] * (len(weights) + 1))
            edge[0] += sign
            for i, w in enumerate(weights, 1):
                edge[i] += sign * w * whole

    def _add_at(self, at: tuple[int, tuple[Any, ...]], amounts: list[int]) -> None:
        """add_row by (bucket index, other keys): the key is built once per row, at flush."""
        sums = self._at.get(at)
        if sums is None:
            self._at[at] = amounts
        else:
            for i, amount in enumerate(amounts):
                sums[i] += amount

    def _key(self, index: int, rest: tuple[Any, ...]) -> tuple[Any, ...]:
        at, step = self._bucket_at
        return (*rest[:at], bucket_start(index, step), *rest[at:])

    def _expand_runs(self) -> None:
        for rest, edges in self._runs.items():
            running = [0] * len(next(iter(edges.values())))
            indexes = sorted(edges)
            for index, following in zip(indexes, [*indexes[1:], None], strict=True):
                running = [r + d for r, d in zip(running, edges[index], strict=True)]
                if running[0] > 0 and following is not None:
                    for bucket in range(index, following):
                        self.add_row(self._key(bucket, rest), running[1:])
        self._runs = {}

    def settle(self) -> None:
        """Turn the page's partial buckets and runs into rows of `sums`."""
        for (index, rest), amounts in self._at.items():
            self.add_row(self._key(index, rest), amounts)
        self._at = {}
        self._expand_runs()

    async def flush(self, conn: asyncpg.Connection, batch: Batch) -> None:
        self.settle()
        await self._write(conn, self.sums, batch)
        self.reset()

    def carry_over(self) -> None:
        """Keep the sums over pages (neither flushed nor reset with each), to write them by
        `write_carried`. The pages add into them directly, so a page's additions cannot
        be taken back: the caller must never commit a page after one that rolled back
        (Page.spoiled). Summing the fleet's buckets page by page and merging them into
        the carried sums at each commit held a tenth of the replay processes' py-spy
        samples; adding in place made the rebuild 2.4 % faster (docs/benchmarks.md)."""
        self.carrying = True

    @property
    def held(self) -> int:
        """Entries held, about the rows they will write (a run counts its two edges)."""
        return len(self.sums) + len(self._at) + sum(map(len, self._runs.values()))

    async def write_carried(self, conn: asyncpg.Connection, batch: Batch) -> None:
        self.settle()
        await self._write(conn, self.sums, batch)
        self.sums = {}

    def start_fresh(self) -> None:
        """The table was empty when this connection began, and no other connection writes
        the rows this one does (a rebuild's shards): a key it has not written has no row,
        and its sums can be inserted without a conflict check. Its keys are remembered as
        hashes (a collision only sends a new key the checked way), up to FRESH_KEYS."""
        self._written = set()

    async def _write(
        self, conn: asyncpg.Connection, sums: dict[tuple[Any, ...], list[int]], batch: Batch
    ) -> None:
        new, stored = self._split(sums)
        if new:
            await self.upsert.write(conn, new, batch, new=True)
        if stored:
            await self.upsert.write(conn, stored, batch)

    def _split(
        self, sums: dict[tuple[Any, ...], list[int]]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The rows of `sums` that cannot exist yet, and those that may."""
        written = self._written
        if written is None:
            return [], [(*k, *v) for k, v in sums.items()]
        new, stored = [], []
        for key, amounts in sums.items():
            hashed = hash(key)
            if hashed in written:
                stored.append((*key, *amounts))
            else:
                written.add(hashed)
                new.append((*key, *amounts))
        if len(written) > FRESH_KEYS:  # bounded memory: every later key is checked
            self._written = None
        return new, stored

    def reset(self) -> None:
        """Forget the page's sums (not those carried over pages)."""
        if not self.carrying:
            self.sums, self._runs, self._at = {}, {}, {}
