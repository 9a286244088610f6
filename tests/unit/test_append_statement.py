"""The append statement names only the tables an append writes, its parameters numbered
once each, in order."""

from __future__ import annotations

import re
from string import Formatter

from command_service.store.append_statement import PARTS, append_statement

ALWAYS = ("ev", "st")
SOME_KEYS = ("entity_ids", "block_ids")  # what a booking fills, besides its events and state


def _names(sql: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(sql) if field}


def _values(filled: tuple[str, ...]) -> dict[str, object]:
    """Each parameter a value of its own; the keys not in `filled` empty."""
    values: dict[str, object] = {name: f"value of {name}" for p in PARTS for name in _names(p.sql)}
    for part in PARTS:
        if part.key is not None and part.key not in filled:
            values[part.key] = []
    return values


def _ctes(sql: str) -> list[str]:
    return re.findall(r"(\w+) AS \(\n", sql)


def test_a_part_with_nothing_to_write_is_left_out_and_its_table_not_named() -> None:
    sql, _ = append_statement(_values(SOME_KEYS))
    assert _ctes(sql) == ["ev", "st", "ids", "blocks"]
    for table in ("vehicle_vins", "vehicle_plates", "open_holds", "idempotency_keys",
                  "pricing_vehicles", "pricing_generations", "policy_demand"):  # fmt: skip
        assert table not in sql


def test_parameters_are_numbered_from_one_once_each_and_match_their_arguments() -> None:
    values = _values(SOME_KEYS)
    sql, args = append_statement(values)
    numbers = sorted({int(n) for n in re.findall(r"\$(\d+)", sql)})
    assert numbers == list(range(1, len(args) + 1))
    used = set().union(*(_names(p.sql) for p in PARTS if p.name in _ctes(sql)))
    assert sorted(map(str, args)) == sorted(str(values[name]) for name in used)


def test_an_append_that_fills_every_part_writes_every_table_and_returns_its_position() -> None:
    sql, _ = append_statement(_values(tuple(p.key for p in PARTS if p.key)))
    assert _ctes(sql) == [p.name for p in PARTS]
    assert sql.endswith("SELECT max(global_position) FROM ev")


def test_the_events_and_the_state_are_always_written() -> None:
    sql, _ = append_statement(_values(()))
    assert _ctes(sql) == list(ALWAYS)


def test_a_statement_is_built_once_per_set_of_parts() -> None:
    first, _ = append_statement(_values(SOME_KEYS))
    again, _ = append_statement(_values(SOME_KEYS))
    assert first is again


def test_an_empty_string_or_a_zero_is_a_value_to_write_not_an_absent_one() -> None:
    values = _values(())
    values["idem_key"], values["make"] = "", 0
    sql, _ = append_statement(values)
    assert "idem" in _ctes(sql) and "facts" in _ctes(sql)
