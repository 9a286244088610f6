"""Fast (de)serialisation of the decision state row and of calendar block records.

Encoding hands the frozen dataclasses straight to orjson; decoding uses converters
derived once from the dataclasses' type hints. Both are several times cheaper than a
validating pydantic round trip, which profiling showed dominating hot-vehicle commands.
The layout is the same JSON as `state_to_json`, versioned by STATE_SCHEMA.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from command_service.domain import VehicleState
from command_service.domain.state import Block, Booking, Hold, Maintenance
from shared.contract.serialization import dumps, loads

Convert = Callable[[Any], Any]


def encode_state(state: VehicleState) -> bytes:
    return dumps(state)


def decode_state(raw: bytes | str) -> VehicleState:
    state: VehicleState = _DECODE_STATE(loads(raw))
    return state


def encode_block(block: Block) -> bytes:
    return dumps(block)


def decode_block(kind: str, raw: bytes | str) -> Block:
    """The block a calendar row's record holds; `kind` is the row's kind column."""
    block: Block = _DECODE_BLOCK[kind](loads(raw))
    return block


def _identity(value: Any) -> Any:
    return value


def _optional(inner: Convert) -> Convert:
    return lambda value: None if value is None else inner(value)


def _converter(hint: Any) -> Convert:
    """How to turn the JSON form of a value of type `hint` back into the value."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is UUID:
        return UUID
    if hint is datetime:
        return datetime.fromisoformat
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        inner = _converter(present[0]) if len(present) == 1 else _identity
        return _optional(inner)
    if hint is float:
        return float  # a whole float may be spelled 1 (validation coerced it; so do we)
    if origin in (tuple, list):
        item, collection = _converter(args[0]), origin
        return lambda values: collection(item(v) for v in values)
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _model(hint)
    return _identity  # int, str, bool, Literal[...]


def _dataclass(cls: Any) -> Convert:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls)]

    def decode(data: dict[str, Any]) -> Any:
        return cls(**{name: conv(data[name]) for name, conv in fields if name in data})

    return decode


def _model(cls: type[BaseModel]) -> Convert:
    """A pydantic model (a booking's `Priced`) rebuilt like a dataclass, without validating
    again what was valid when it was encoded: a hot vehicle decodes one per block."""
    fields = [(name, _converter(f.annotation)) for name, f in cls.model_fields.items()]

    def decode(data: dict[str, Any]) -> Any:
        return cls.model_construct(
            **{name: conv(data[name]) for name, conv in fields if name in data}
        )

    return decode


_DECODE_STATE = _dataclass(VehicleState)
_DECODE_BLOCK: dict[str, Convert] = {
    "booking": _dataclass(Booking),
    "hold": _dataclass(Hold),
    "maintenance": _dataclass(Maintenance),
}
