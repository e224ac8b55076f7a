"""compose/docker-compose.yml is valid YAML for Docker users, and every service reports its health."""

from __future__ import annotations

from pathlib import Path

import yaml

from airstream.topology.kafka_local import KAFKA_VERSION

COMPOSE = Path(__file__).resolve().parents[2] / "compose" / "docker-compose.yml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_service_has_an_image_and_a_health_check() -> None:
    services = _services()
    assert {"kafka", "s3", "model-server"} <= services.keys()
    for name, service in services.items():
        assert service.get("image"), f"service {name} has no image"
        check = service.get("healthcheck", {}).get("test")
        assert check and check[0] in {"CMD", "CMD-SHELL"}, f"service {name} has no health check"


def test_compose_kafka_runs_kraft_at_the_version_the_local_broker_uses() -> None:
    kafka = _services()["kafka"]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
