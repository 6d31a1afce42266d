"""docker-compose.yml follows the Compose specification and wires the registry to PostgreSQL."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

COMPOSE_FILE = Path(__file__).parent.parent / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load(COMPOSE_FILE)
    return document


@pytest.fixture(scope="module")
def compose_specification() -> dict[str, Any]:
    # check-jsonschema vendors the Compose specification's schema; no network needed.
    vendored = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


def test_the_compose_file_follows_the_compose_specification(
    compose: dict[str, Any], compose_specification: dict[str, Any]
) -> None:
    validator_class = jsonschema.validators.validator_for(compose_specification)
    validator_class.check_schema(compose_specification)
    errors = sorted(validator_class(compose_specification).iter_errors(compose), key=str)

    assert [f"{list(error.absolute_path)}: {error.message}" for error in errors] == []


def test_the_compose_file_runs_postgres_the_api_and_a_projector(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "api", "projector"}


@pytest.mark.parametrize("service", ["api", "projector"])
def test_the_registry_services_reach_postgres_once_it_is_healthy(
    compose: dict[str, Any], service: str
) -> None:
    definition = compose["services"][service]

    assert definition["environment"]["DATABASE_URL"] == "postgresql://ppp:ppp@postgres:5432/ppp"
    assert definition["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_api_leaves_projecting_to_the_projector_service(compose: dict[str, Any]) -> None:
    assert compose["services"]["api"]["environment"]["PPP_RUN_PROJECTOR"] == "false"
    assert compose["services"]["projector"]["command"] == ["ppp-registry", "project"]
