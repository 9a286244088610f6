"""The append statement names only the tables its appends write, its parameters numbered
once each, in order, and carries the appends of several streams as rows of one."""

from __future__ import annotations

import re

from command_service.store.append_statement import PARTS, append_statement

ALWAYS = ("ev", "st")
SOME_KEYS = ("entity_ids", "block_ids")  # what a booking fills, besides its events and state
KEYED = tuple(p.rows[0] if p.rows else p.key for p in PARTS if p.rows or p.key)


def _values(filled: tuple[str, ...], tag: str = "", rows: int = 2) -> dict[str, object]:
    """Each parameter a value of its own (`rows` elements for a part's rows); the parts
    whose counting key is not in `filled` (besides the events and state) empty."""
    values: dict[str, object] = {}
    for part in PARTS:
        for name in part.params:
            if name in part.rows:
                values[name] = [f"{name}{tag}[{i}]" for i in range(rows)]
            else:
                values[name] = f"{name}{tag}"
        if part.name not in ALWAYS:
            counted = part.rows[0] if part.rows else part.key
            if counted not in filled:
                values[counted] = [] if part.rows else None
    return values


def _ctes(sql: str) -> list[str]:
    return re.findall(r"(\w+) AS \(\n", sql)


def test_a_part_with_nothing_to_write_is_left_out_and_its_table_not_named() -> None:
    sql, _ = append_statement([_values(SOME_KEYS)])
    assert _ctes(sql) == ["ev", "st", "ids", "blocks"]
    for table in ("vehicle_vins", "vehicle_plates", "open_holds", "idempotency_keys",
                  "pricing_vehicles", "pricing_generations", "policy_demand"):  # fmt: skip
        assert table not in sql


def test_parameters_are_numbered_from_one_once_each_and_match_their_arguments() -> None:
    sql, args = append_statement([_values(SOME_KEYS)])
    numbers = sorted({int(n) for n in re.findall(r"\$(\d+)", sql)})
    assert numbers == list(range(1, len(args) + 1))
    assert all(isinstance(arg, list) for arg in args)  # every parameter is a column of rows


def test_a_value_of_the_append_is_repeated_once_per_row_of_each_part() -> None:
    sql, args = append_statement([_values(SOME_KEYS, rows=3)])
    events = re.search(r"ev AS \(.*?unnest\((\$\d+)::uuid\[\], (\$\d+)::int\[\]", sql, re.S)
    assert events is not None
    stream, versions = (args[int(n[1:]) - 1] for n in events.groups())
    assert stream == ["stream"] * 3 and versions == ["versions[0]", "versions[1]", "versions[2]"]
    state = re.search(r"st AS \(.*?unnest\((\$\d+)::uuid\[\]", sql, re.S)
    assert state is not None and args[int(state.group(1)[1:]) - 1] == ["stream"]


def test_appends_of_several_streams_are_the_rows_of_one_statement_in_order() -> None:
    booking, registration = _values(SOME_KEYS, "A", rows=1), _values(("vins",), "B", rows=2)
    sql, args = append_statement([booking, registration])
    assert _ctes(sql) == ["ev", "st", "vins", "ids", "blocks"]  # each part any of them fills
    assert ["streamA", "streamB", "streamB"] in args  # the events' stream, row by row
    assert ["vinsB[0]", "vinsB[1]"] in args and ["entity_idsA[0]"] in args


def test_an_append_that_fills_every_part_writes_every_table_and_returns_its_positions() -> None:
    sql, _ = append_statement([_values(KEYED)])
    assert _ctes(sql) == [p.name for p in PARTS]
    assert sql.endswith("SELECT stream_id, max(global_position) FROM ev GROUP BY stream_id")


def test_the_events_and_the_state_are_always_written() -> None:
    sql, _ = append_statement([_values(())])
    assert _ctes(sql) == list(ALWAYS)


def test_a_statement_is_built_once_per_set_of_parts() -> None:
    first, _ = append_statement([_values(SOME_KEYS)])
    again, _ = append_statement([_values(SOME_KEYS), _values(SOME_KEYS, "B")])
    assert first is again


def test_an_empty_string_or_a_zero_is_a_value_to_write_not_an_absent_one() -> None:
    values = _values(())
    values["idem_key"], values["make"] = "", 0
    sql, _ = append_statement([values])
    assert "idem" in _ctes(sql) and "facts" in _ctes(sql)
