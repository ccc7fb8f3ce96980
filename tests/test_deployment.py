"""compose.yaml and the Dockerfile match the app's real configuration (no Docker engine runs here)."""

from __future__ import annotations

import re

import yaml

from workshop.config import PROJECT_ROOT, described_fields, env_name

VARIABLES = {env_name(spec) for spec in described_fields()}

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def test_compose_redis_is_append_only_with_a_password() -> None:
    command = COMPOSE["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "WORKSHOP_REDIS_PASSWORD" in command[command.index("--requirepass") + 1]
    assert any(volume.endswith(":/data") for volume in COMPOSE["services"]["redis"]["volumes"])


def test_compose_app_uses_only_real_settings_and_reaches_redis_with_the_password() -> None:
    environment = COMPOSE["services"]["app"]["environment"]
    assert set(environment) <= set(VARIABLES), set(environment) - set(VARIABLES)
    assert re.fullmatch(r"redis://:\$\{WORKSHOP_REDIS_PASSWORD\}@redis:6379/\d+", environment["WORKSHOP_REDIS_URL"])
    assert environment["WORKSHOP_DATA_DIR"] == "/data"
    assert COMPOSE["services"]["app"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_dockerfile_serves_on_the_port_compose_publishes() -> None:
    names = set(re.findall(r"\b(WORKSHOP_[A-Z_]+)=", DOCKERFILE))
    assert names and names <= set(VARIABLES)
    exposed = re.search(r"^EXPOSE (\d+)$", DOCKERFILE, re.MULTILINE).group(1)
    command = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE).group(1)
    assert yaml.safe_load(command)[:2] == ["workshop", "serve"] and exposed in command
    assert f"{exposed}:{exposed}" in COMPOSE["services"]["app"]["ports"][0]
    for folder in ("workshop", "templates", "static", "decks"):
        assert f"COPY {folder} ./{folder}" in DOCKERFILE
