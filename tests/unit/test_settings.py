"""Settings: FLEET_* variables and `.env`, one-line errors, and the generated README table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field

from command_service.settings import Settings as CommandSettings
from deploy.settings import LauncherSettings, ToolSettings
from query_service.settings import Settings as QuerySettings
from shared.kit.settings import FleetSettings, UnsafeSettingsError, load
from tools import config_docs

ROOT = Path(__file__).resolve().parents[2]
# Named in code but no model's field: compose-file interpolation, the test suite's switch,
# and the variable that says which dotenv file the models read.
# Read by the test suite or compose only (documented where they are used).
NOT_SETTINGS = {"FLEET_PG_PASSWORD", "FLEET_TEST_DOCKER", "FLEET_ENV_FILE", "FLEET_SCREENSHOTS"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No FLEET_* variable from the caller's shell, and a working directory without `.env`."""
    for name in [n for n in os.environ if n.startswith("FLEET_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_reads_each_variable_by_its_documented_name(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLEET_COMMAND_POOL_MAX", "7")
    clean_env.setenv("FLEET_SWEEPER_INTERVAL_MS", "250")
    clean_env.setenv("FLEET_ARGON2_TIME_COST", "5")
    clean_env.setenv("FLEET_QUERY_CONSUME", "false")
    clean_env.setenv("FLEET_QUERY_HEAL_INTERVAL_MS", "1500")
    command, query = CommandSettings(), QuerySettings()
    assert (command.pool_max, command.sweeper_interval_s) == (7, 0.25)
    assert command.identity.argon2_time_cost == 5
    assert (query.consume, query.heal_interval_s) == (False, 1.5)


def test_keeps_the_defaults_of_the_local_stack(clean_env: pytest.MonkeyPatch) -> None:
    launcher, query = LauncherSettings(), QuerySettings()
    ports = (launcher.command_port, launcher.query_port, launcher.pg_port, launcher.broker_port)
    assert ports == (8000, 8001, 54329, 19092)
    assert (launcher.command_workers, launcher.query_workers, launcher.partitions) == (2, 1, 12)
    assert launcher.external_databases() == (None, None)
    assert query.kafka_bootstrap == "127.0.0.1:19092" and CommandSettings().kafka_bootstrap == ""
    assert ToolSettings().command_url == query.command_url == "http://127.0.0.1:8000"


def test_reads_a_dot_env_file_and_the_environment_wins(clean_env: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("FLEET_QUERY_PORT=9101\nFLEET_COMMAND_PORT=9100\n")
    clean_env.setenv("FLEET_COMMAND_PORT", "9200")
    settings = LauncherSettings()
    assert (settings.command_port, settings.query_port) == (9200, 9101)


def test_fleet_env_file_names_another_dotenv_file_or_none(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    Path(".env").write_text("FLEET_QUERY_PORT=9101\n")
    (tmp_path / "staging.env").write_text("FLEET_QUERY_PORT=9301\n")
    clean_env.setenv("FLEET_ENV_FILE", str(tmp_path / "staging.env"))
    assert LauncherSettings().query_port == 9301
    clean_env.setenv("FLEET_ENV_FILE", "")
    assert LauncherSettings().query_port == 8001
    assert "`FLEET_ENV_FILE`" in (ROOT / "README.md").read_text()


def test_a_database_url_from_the_environment_replaces_the_embedded_one(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("FLEET_QUERY_DATABASE_URL", "postgresql://db.internal/q")
    assert LauncherSettings().external_databases() == (None, "postgresql://db.internal/q")


def test_a_relative_state_dir_is_taken_from_the_repository_root(
    clean_env: pytest.MonkeyPatch,
) -> None:
    assert LauncherSettings().state_dir == ROOT / ".fleetledger"  # whatever the working dir
    clean_env.setenv("FLEET_STATE_DIR", ".fleetledger/demo")
    assert ToolSettings().credentials_file == ROOT / ".fleetledger/demo/credentials.json"


def test_rejects_a_bad_value_naming_the_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLEET_COMMAND_PORT", "abc")
    with pytest.raises(SystemExit) as stopped:
        load(LauncherSettings)
    assert str(stopped.value.code).startswith("configuration error: FLEET_COMMAND_PORT='abc':")


def test_rejects_an_unsafe_mode_in_one_line(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLEET_CLOCK", "simulated")
    with pytest.raises(SystemExit, match="FLEET_CLOCK=simulated is for FLEET_ENV=dev"):
        load(QuerySettings)
    with pytest.raises(UnsafeSettingsError):
        CommandSettings()


def test_a_service_settings_check_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "FLEET_QUERY_POOL_MAX": "many"}
    done = subprocess.run(
        [sys.executable, "-m", "query_service.settings"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "configuration error: FLEET_QUERY_POOL_MAX='many': "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_passwords_stay_out_of_the_repr(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLEET_SERVICE_ACCOUNT_PASSWORD", "feed-secret-1")
    clean_env.setenv("FLEET_BOOTSTRAP_ADMIN_PASSWORD", "admin-secret-1")
    clean_env.setenv("FLEET_ADMIN_PASSWORD", "tool-secret-1")
    shown = repr(CommandSettings()) + repr(QuerySettings()) + repr(ToolSettings())
    assert "secret-1" not in shown and "service_account_email" in shown
    assert QuerySettings().service_password == "feed-secret-1"


def test_the_readme_configuration_table_is_current() -> None:
    assert config_docs.main(["--check"]) == 0


def test_the_check_fails_on_a_stale_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "\n".join(
            line
            for line in (ROOT / "README.md").read_text().splitlines()
            if "`FLEET_PG_PORT`" not in line
        )
        + "\n"
    )
    assert config_docs.main(["--check", "--readme", str(readme)]) == 1
    assert config_docs.main(["--readme", str(readme)]) == 0
    assert "`FLEET_PG_PORT`" in readme.read_text()


def test_every_fleet_variable_named_in_the_code_is_a_documented_setting() -> None:
    documented = {variable.name for variable in config_docs.collect()}
    named: set[str] = set()
    for folder in ("command_service", "query_service", "shared", "deploy", "tools", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            named |= set(re.findall(r"\bFLEET_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    for path in (ROOT / "docker-compose.yml", ROOT / "Makefile"):
        named |= set(re.findall(r"\bFLEET_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    prefixes = {"FLEET_BOOKINGS", "FLEET_HOURS", "FLEET_SLICES"}  # Python names, not variables
    assert named - documented - NOT_SETTINGS - prefixes == set()


def test_a_variable_described_two_ways_is_refused() -> None:
    class One(FleetSettings):
        port: int = Field(1, validation_alias="FLEET_X", description="one")

    class Two(FleetSettings):
        port: int = Field(1, validation_alias="FLEET_X", description="two")

    with pytest.raises(ValueError, match="FLEET_X is described differently"):
        config_docs.collect((("one", One), ("two", Two)))
