"""Typed settings: FLEET_* environment variables (and `.env`), shared by services and tools.

Each variable is declared once, as a field with its name, default and description; the
README's configuration table is generated from these fields (tools/config_docs.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENVIRONMENTS = ("production", "dev", "demo")
CLOCKS = ("system", "simulated")
# Read before any model (it says which file they read), so it is no field of one.
ENV_FILE_VARIABLE = "FLEET_ENV_FILE"
REPO_ROOT = Path(__file__).resolve().parents[2]
# The database URLs of the embedded PostgreSQL that `make run` starts.
EMBEDDED_PG = "postgresql://postgres@127.0.0.1:54329"


def var(name: str, default: Any, description: str) -> Any:
    """A field read from the environment variable `name` (or `.env`), documented once;
    a `*_PASSWORD`, `*_SECRET` or `*_API_KEY` value is left out of the model's repr (and so
    of logs and tracebacks)."""
    secret = name.endswith(("_PASSWORD", "_SECRET", "_API_KEY"))
    return Field(default, validation_alias=name, description=description, repr=not secret)


def _lowercase(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class UnsafeSettingsError(ValueError):
    """The settings name an unknown mode or a combination production must refuse."""


def check_modes(environment: str, clock: str) -> None:
    """Refuse unknown modes, and a simulated clock outside dev/demo (both services)."""
    if environment not in ENVIRONMENTS:
        raise UnsafeSettingsError(f"FLEET_ENV must be one of {ENVIRONMENTS}")
    if clock not in CLOCKS:
        raise UnsafeSettingsError(f"FLEET_CLOCK must be one of {CLOCKS}")
    if clock == "simulated" and environment == "production":
        raise UnsafeSettingsError(
            "refusing to start: FLEET_CLOCK=simulated is for FLEET_ENV=dev or demo only"
        )


LogLevel = Annotated[
    str, var("FLEET_LOG_LEVEL", "INFO", "Log level: `DEBUG`, `INFO`, `WARNING` or `ERROR`.")
]
LogFormat = Annotated[
    Literal["json", "console"] | None,
    BeforeValidator(lambda value: _lowercase(value) or None),
    var(
        "FLEET_LOG_FORMAT",
        None,
        "`console` or `json` forces one; unset: console on a terminal, else JSON "
        "([docs/observability.md](docs/observability.md#logs)).",
    ),
]
KafkaTopic = Annotated[
    str,
    var("FLEET_KAFKA_TOPIC", "fleet.vehicle-events", "Topic of the vehicle events."),
]
KafkaPartitions = Annotated[
    int,
    var(
        "FLEET_KAFKA_PARTITIONS",
        12,
        "Partitions of the topic when it is created.",
    ),
]
CommandUrl = Annotated[
    str,
    var(
        "FLEET_COMMAND_URL",
        "http://127.0.0.1:8000",
        "Base URL of the command service (the healer reads its event feed; the tools sign in).",
    ),
]
StateDir = Annotated[
    Path,
    var(
        "FLEET_STATE_DIR",
        Path(".fleetledger"),
        "Local stack state: embedded PostgreSQL data, `credentials.json` of the startup "
        "accounts (`make demo` uses `.fleetledger/demo`); relative to the repository root.",
    ),
    # Absolute: PostgreSQL resolves its socket directory from inside its data directory.
    AfterValidator(lambda path: (REPO_ROOT / path).resolve()),
    Field(validate_default=True),
]
CommandDatabaseUrl = Annotated[
    str,
    var(
        "FLEET_COMMAND_DATABASE_URL",
        f"{EMBEDDED_PG}/fleet_command",
        "Event store database (PostgreSQL ≥ 13; must exist, migrations run on start). "
        "Set with `FLEET_QUERY_DATABASE_URL`, the launcher starts no embedded PostgreSQL.",
    ),
]
QueryDatabaseUrl = Annotated[
    str,
    var(
        "FLEET_QUERY_DATABASE_URL",
        f"{EMBEDDED_PG}/fleet_query",
        "Read models' database (must exist).",
    ),
]
ServiceAccountEmail = Annotated[
    str,
    var(
        "FLEET_SERVICE_ACCOUNT_EMAIL",
        "",
        "The query service's machine account (reads the event feed); the command service "
        "creates it on start. Give both services the same.",
    ),
]
ServiceAccountPassword = Annotated[
    str,
    var("FLEET_SERVICE_ACCOUNT_PASSWORD", "", "Password of `FLEET_SERVICE_ACCOUNT_EMAIL`."),
]
KafkaBootstrap = Annotated[
    str,
    var(
        "FLEET_KAFKA_BOOTSTRAP",
        "",
        "Kafka `host:port`. Launcher: empty starts the embedded broker; command service: "
        "empty runs no relay (commands are still accepted); query service: where it consumes.",
    ),
]
MaxBodyBytes = Annotated[
    int, var("FLEET_MAX_BODY_BYTES", 1024 * 1024, "Request bodies above this get 413.")
]


def env_file() -> str | None:
    """The dotenv file of the settings: FLEET_ENV_FILE, else `.env`; empty: none."""
    return os.environ.get(ENV_FILE_VARIABLE, ".env") or None


class FleetSettings(BaseSettings):
    """Base of every settings model: FLEET_* variables, then `.env`, then the defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(_env_file=env_file(), **values)


class ModeSettings(FleetSettings):
    """FLEET_ENV and FLEET_CLOCK, checked together (both services)."""

    environment: Annotated[
        str,
        BeforeValidator(_lowercase),
        var("FLEET_ENV", "production", "`production`, `dev` or `demo`."),
    ]
    clock: Annotated[
        str,
        BeforeValidator(_lowercase),
        var(
            "FLEET_CLOCK",
            "system",
            "`simulated`: decide against a clock moved by `PUT /v1/dev/clock` (platform "
            "admin or `default`'s admin); refused when `FLEET_ENV=production` "
            "([docs/simulator.md](docs/simulator.md)).",
        ),
    ]

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        # After validation, not inside it: callers catch UnsafeSettingsError by name.
        check_modes(self.environment, self.clock)

    @property
    def simulated_clock(self) -> bool:
        return self.clock == "simulated"


SettingsT = TypeVar("SettingsT", bound=FleetSettings)


def describe(error: ValidationError) -> str:
    """One line naming the first offending variable, its value and what is wrong."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or error.title
    return f"configuration error: {name}={first['input']!r}: {first['msg']}"


def load(model: type[SettingsT]) -> SettingsT:
    """The settings from the environment, or exit with a one-line error (no traceback)."""
    try:
        return model()
    except ValidationError as exc:
        raise SystemExit(describe(exc)) from None
    except UnsafeSettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
