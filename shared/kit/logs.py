"""structlog logging with bound context (request id, correlation id, ...): JSON lines for
machines, a readable console on a terminal.

The services' own loggers render straight to stdout (the cheap path, taken on every
request). Records of libraries that log through the standard library (uvicorn, aiokafka,
httpx, asyncpg) reach the same processors and renderer through a ProcessorFormatter, so
every line of a process has one shape.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog

LogFormat = Literal["json", "console"]
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs (found again and replaced on reconfiguring)."""


def log_format(stream: TextIO) -> LogFormat:
    """The format when settings force none: `console` on a terminal, `json` elsewhere."""
    return "console" if stream.isatty() else "json"


def _tail(fmt: LogFormat, stream: TextIO) -> list[structlog.typing.Processor]:
    """The last processors: tracebacks as text and JSON, or the console's own layout."""
    if fmt == "console":
        colors = stream.isatty()
        # Tracebacks without their locals: those can hold passwords and tokens.
        tracebacks: structlog.typing.ExceptionRenderer = (
            structlog.dev.RichTracebackFormatter(show_locals=False)
            if colors
            else structlog.dev.plain_traceback
        )
        return [structlog.dev.ConsoleRenderer(colors=colors, exception_formatter=tracebacks)]
    return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]


def configure_logging(level: str = "INFO", fmt: LogFormat | None = None) -> None:
    """Logs are events: bound context, ISO timestamps, log level; one shape per process."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    stream = sys.stdout
    chosen = fmt or log_format(stream)
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, *_tail(chosen, stream)],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_tail(chosen, stream),
        ],
    )
    _route_standard_library(numeric, stream, formatter)


def _route_standard_library(level: int, stream: TextIO, formatter: logging.Formatter) -> None:
    """One root handler with the structlog formatter; uvicorn's own handlers hand over."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StructlogHandler)]:
        root.removeHandler(handler)
    handler = _StructlogHandler(stream)
    handler.setFormatter(formatter)
    handler.setLevel(level)  # records of loggers with their own lower level (uvicorn) too
    root.addHandler(handler)
    root.setLevel(level)
    for name in _UVICORN:
        logger = logging.getLogger(name)
        # A logger uvicorn left without handlers stays as it is: `--no-access-log` turns
        # the access log off that way, and a propagating one would switch it back on.
        if logger.handlers:
            logger.handlers.clear()
            logger.propagate = True
