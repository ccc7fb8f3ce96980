"""The deployment files (compose.yaml, deploy/) match the app's real settings (no Docker or Kubernetes runs here)."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from workshop import balancer
from workshop.config import PROJECT_ROOT, SECRET_FIELDS, ConfigError, Settings, described_fields, env_name, env_name_of

VARIABLES = {env_name(spec) for spec in described_fields()}

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes"
SYSTEMD_UNIT = PROJECT_ROOT / "deploy" / "systemd" / "workshop.service"


def _module(path: Path) -> ModuleType:
    """A script that is not an installed module, imported from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RENDER = _module(PROJECT_ROOT / "deploy" / "render.py")
compose_environment: Callable[[str], dict[str, str]] = RENDER.compose_environment
interpolate: Callable[[str, Mapping[str, str]], str] = RENDER.interpolate
ENV_EXAMPLE: dict[str, str] = RENDER.env_file(PROJECT_ROOT / ".env.example")


def _loads(environment: Mapping[str, str], where: str) -> Settings:
    """The settings an environment gives; fails naming every bad value."""
    try:
        return Settings.load(environ=environment)
    except ConfigError as error:
        pytest.fail(f"{where}: {error}")


def _dockerfile(pattern: str) -> str:
    """The first group of a line of the Dockerfile."""
    match = re.search(pattern, DOCKERFILE, re.MULTILINE)
    assert match, f"the Dockerfile has no line like {pattern}"
    return match.group(1)


def _dockerfile_port() -> int:
    """The port the image's command serves on."""
    command = yaml.safe_load(_dockerfile(r"^CMD (\[.*\])$"))
    return int(command[command.index("--port") + 1])


def _published(ports: list[str]) -> list[tuple[int, int]]:
    """compose's "HOST:CONTAINER" port strings as pairs."""
    return [(int(host), int(container)) for host, container in (str(port).rsplit(":", 1) for port in ports)]


# --- compose -------------------------------------------------------------------------------------------------

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


def test_dockerfile_serves_on_the_port_compose_balances() -> None:
    names = set(re.findall(r"\b(WORKSHOP_[A-Z_]+)=", DOCKERFILE))
    assert names and names <= set(VARIABLES)
    exposed = int(_dockerfile(r"^EXPOSE (\d+)$"))
    command = _dockerfile(r"^CMD (\[.*\])$")
    assert yaml.safe_load(command)[:2] == ["workshop", "serve"] and _dockerfile_port() == exposed
    assert re.search(rf"\bWORKSHOP_PORT={exposed}\b", DOCKERFILE)
    # Only the balancer is reachable from outside; it listens on the port the replicas serve on.
    assert "ports" not in COMPOSE["services"]["app"], "the app replicas must be reached through the balancer only"
    assert [container for _, container in _published(COMPOSE["services"]["balancer"]["ports"])] == [exposed]
    for folder in ("workshop", "templates", "static", "decks"):
        assert f"COPY {folder} ./{folder}" in DOCKERFILE


def test_compose_app_settings_all_parse_and_serve_one_room_across_replicas() -> None:
    raw = COMPOSE["services"]["app"]["environment"]
    settings = _loads(compose_environment("app"), "compose.yaml's app environment, filled in from .env.example")
    assert raw["WORKSHOP_MESSAGE_QUEUE"] == raw["WORKSHOP_REDIS_URL"], "the message queue must be the app's Redis"
    assert settings.message_queue and settings.message_queue == settings.redis_url
    assert settings.proxy_hops == 1, "the app sits behind exactly one proxy: the balancer"
    assert settings.processes == 1, "each container runs one process; compose runs the replicas"
    assert settings.port == _dockerfile_port()
    assert settings.public_url and urlsplit(settings.public_url).port == _published(
        COMPOSE["services"]["balancer"]["ports"])[0][0], "phones open the port the balancer publishes"
    # Replicas that generated their own secrets would each refuse the others' cookies and logins.
    for name in (*SECRET_FIELDS, "public_url"):
        assert re.fullmatch(rf"\$\{{{env_name_of(name)}:\?[^}}]+\}}", str(raw[env_name_of(name)])), \
            f"compose.yaml must require {env_name_of(name)} from .env"
        assert getattr(settings, name)


def test_compose_runs_several_replicas_that_the_balancer_can_all_reach() -> None:
    replicas = int(interpolate(str(COMPOSE["services"]["app"]["deploy"]["replicas"]), ENV_EXAMPLE))
    default = int(interpolate(str(COMPOSE["services"]["app"]["deploy"]["replicas"]), {}))
    for count in (replicas, default):
        assert 1 < count <= RENDER.SLOTS, f"{count} replicas: more than 1, at most deploy/render.py's SLOTS"


def test_env_example_names_every_variable_compose_reads() -> None:
    text = (PROJECT_ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))
    example = (PROJECT_ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert listed == used, f"only in compose.yaml: {used - listed}; only in .env.example: {listed - used}"
    assert required <= set(ENV_EXAMPLE), f"required but commented out: {required - set(ENV_EXAMPLE)}"
    assert {"WORKSHOP_SECRET_KEY", "WORKSHOP_FACILITATOR_TOKEN", "WORKSHOP_ORGANISER_TOKEN"} <= required


def test_compose_balancer_runs_the_generated_haproxy_config() -> None:
    service = COMPOSE["services"]["balancer"]
    assert str(service["image"]).startswith("haproxy:")
    assert "./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in service["volumes"]
    config = (PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg").read_text()
    port = _dockerfile_port()
    assert f"bind *:{port} proto h1\n" in config
    assert re.search(rf"server-template \w+ 1-\d+ {RENDER.SERVICE}:{port} ", config)
    assert RENDER.SERVICE in COMPOSE["services"] and f"cookie {balancer.COOKIE} " in config


def test_haproxy_config_is_the_rendered_one() -> None:
    committed = (PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg").read_text()
    assert committed == RENDER.render(), \
        f"deploy/haproxy/haproxy.cfg is out of date with compose.yaml and workshop/balancer.py: run {RENDER.COMMAND}"


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (scripts/install-system.sh)")
def test_haproxy_accepts_the_config() -> None:
    # `app` resolves only inside compose's network; `init-addr none` lets HAProxy start without it.
    done = subprocess.run(["haproxy", "-c", "-f", str(PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_seeds_a_decks_volume_its_user_can_write_before_serving() -> None:
    environment = dict(re.findall(r"\b(WORKSHOP_[A-Z_]+)=(\S+)", DOCKERFILE))
    data, decks = Path(environment["WORKSHOP_DATA_DIR"]), Path(environment["WORKSHOP_DECKS_DIR"])
    assert data in decks.parents and f"VOLUME {data}" in DOCKERFILE, "the decks must live on the data volume"
    user = _dockerfile(r"^USER (\S+)$")
    assert re.search(rf"chown {user} {data}\b", DOCKERFILE), "the volume must be the app user's"
    assert re.search(rf"chown -R {user} /app/decks\b", DOCKERFILE), "the bundled decks must be the app user's too"
    entrypoint = yaml.safe_load(_dockerfile(r"^ENTRYPOINT (\[.*\])$"))
    script = _dockerfile(r"^COPY deploy/docker-entrypoint.sh (\S+)$")
    assert entrypoint == [Path(script).name] and Path(script).parent == Path("/usr/local/bin")
    assert re.search(rf"chmod 755 {script}\b", DOCKERFILE)
    # The script seeds (failing the start if it cannot), then runs the image's command as its own process.
    lines = [line for line in (PROJECT_ROOT / "deploy" / "docker-entrypoint.sh").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == ["set -e", "workshop seed-decks", 'exec "$@"']
    assert (PROJECT_ROOT / "deploy" / "docker-entrypoint.sh").stat().st_mode & 0o111


def test_compose_replicas_share_one_decks_directory_on_their_shared_volume() -> None:
    app = COMPOSE["services"]["app"]
    settings = _loads(compose_environment("app"), "compose.yaml's app environment")
    mounts = {target: source for source, target in (str(volume).split(":")[:2] for volume in app["volumes"])}
    mount = next(Path(target) for target in mounts if Path(target) == settings.decks_dir
                 or Path(target) in settings.decks_dir.parents)
    source = mounts[str(mount)]
    assert source in COMPOSE["volumes"], "a named volume: one for every replica, not a folder per container"
    assert settings.decks_dir != PROJECT_ROOT / "decks", "the bundled decks are inside each container"


# --- Kubernetes ----------------------------------------------------------------------------------------------

def _kubernetes() -> dict[tuple[str, str], dict[str, Any]]:
    """Every resource in deploy/kubernetes, by kind and name."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found[(document["kind"], document["metadata"]["name"] if "metadata" in document else path.name)] \
                    = document
    return found


K8S = _kubernetes()
DEPLOYMENT = K8S[("Deployment", "workshop")]
CONTAINER = DEPLOYMENT["spec"]["template"]["spec"]["containers"][0]
SECRET = K8S[("Secret", "workshop")]["stringData"]
INGRESS = K8S[("Ingress", "workshop")]
ANNOTATIONS = INGRESS["metadata"]["annotations"]


def _secret_ref(entry: Mapping[str, Any]) -> str | None:
    """The key of the Secret `workshop` an env entry takes its value from."""
    ref = entry.get("valueFrom", {}).get("secretKeyRef")
    if ref is None:
        return None
    assert ref["name"] == "workshop", f"{entry['name']} reads an unknown Secret {ref['name']}"
    return str(ref["key"])


def _app_environment() -> dict[str, str]:
    """The app container's environment, with the Secret's (placeholder) values."""
    environment: dict[str, str] = {}
    for entry in CONTAINER["env"]:
        key = _secret_ref(entry)
        assert key is None or key in SECRET, f"{entry['name']} reads {key!r}, which the Secret lacks"
        environment[entry["name"]] = SECRET[key] if key else entry["value"]
    return environment


def _nginx_bytes(size: str) -> int:
    """An nginx size (16k, 1m) in bytes."""
    match = re.fullmatch(r"(\d+)([kmg]?)", size.lower())
    assert match, f"{size!r} is not an nginx size"
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[match.group(2)]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = K8S[("Kustomization", "kustomization.yaml")]
    manifests = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_kubernetes_app_settings_all_parse_and_serve_one_room_across_replicas() -> None:
    names = [entry["name"] for entry in CONTAINER["env"]]
    assert set(names) <= VARIABLES, set(names) - VARIABLES
    settings = _loads(_app_environment(), "deploy/kubernetes/app.yaml with secret.yaml's placeholders")
    by_name = {entry["name"]: entry for entry in CONTAINER["env"]}
    queue, redis_url = _secret_ref(by_name["WORKSHOP_MESSAGE_QUEUE"]), _secret_ref(by_name["WORKSHOP_REDIS_URL"])
    assert redis_url and queue == redis_url, "the message queue must be the Redis URL, from the Secret"
    assert settings.message_queue == settings.redis_url
    assert settings.proxy_hops == 1, "the app sits behind exactly one proxy: the ingress controller"
    assert settings.processes == 1 and DEPLOYMENT["spec"]["replicas"] > 1
    for name in SECRET_FIELDS:  # the same in every replica: never generated per pod
        assert _secret_ref(by_name[env_name_of(name)]), f"{env_name_of(name)} must come from the Secret"
    assert settings.public_url and urlsplit(settings.public_url).hostname == INGRESS["spec"]["rules"][0]["host"]


def test_kubernetes_redis_is_append_only_with_a_password_on_a_volume() -> None:
    redis = K8S[("StatefulSet", "redis")]["spec"]
    container = redis["template"]["spec"]["containers"][0]
    args = container["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    password = args[args.index("--requirepass") + 1]
    env = {entry["name"]: entry for entry in container["env"]}
    assert re.fullmatch(r"\$\((\w+)\)", password) and _secret_ref(env[password[2:-1]]) == "redis-password"
    claims = {claim["metadata"]["name"] for claim in redis["volumeClaimTemplates"]}
    assert any(mount["name"] in claims and mount["mountPath"] == "/data" for mount in container["volumeMounts"])
    # The app's URL carries Redis's password and reaches its Service.
    url = urlsplit(SECRET["redis-url"])
    service = K8S[("Service", url.hostname or "")]["spec"]
    assert url.password == SECRET["redis-password"] and url.port in [port["port"] for port in service["ports"]]
    assert service["selector"].items() <= redis["template"]["metadata"]["labels"].items()


def test_kubernetes_probes_restart_no_pod_for_a_redis_outage() -> None:
    assert CONTAINER["readinessProbe"]["httpGet"]["path"] == "/healthz"
    # /healthz answers 503 while Redis is down: as a liveness probe it would restart every pod at once.
    assert "/healthz" not in str(CONTAINER["livenessProbe"])
    (port,) = CONTAINER["ports"]
    assert CONTAINER["livenessProbe"]["tcpSocket"]["port"] in (port["name"], port["containerPort"])


def test_kubernetes_app_runs_as_the_images_user_with_resources() -> None:
    pod = DEPLOYMENT["spec"]["template"]["spec"]["securityContext"]
    uid = int(_dockerfile(r"useradd --uid (\d+)"))
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == uid != 0
    assert CONTAINER["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"cpu", "memory"} <= CONTAINER["resources"]["requests"].keys()
    assert "memory" in CONTAINER["resources"]["limits"]


def test_kubernetes_serves_on_the_images_port_end_to_end() -> None:
    (port,) = CONTAINER["ports"]
    assert port["containerPort"] == _dockerfile_port() == Settings().port
    service = K8S[("Service", "workshop")]["spec"]
    assert service["selector"].items() <= DEPLOYMENT["spec"]["template"]["metadata"]["labels"].items()
    (service_port,) = service["ports"]
    assert service_port["targetPort"] in (port["name"], port["containerPort"])
    backend = INGRESS["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "workshop" and backend["port"] in ({"name": service_port["name"]},
                                                                  {"number": service_port["port"]})


def test_ingress_sticks_by_cookie_and_outwaits_engineio() -> None:
    settings = _loads(_app_environment(), "deploy/kubernetes/app.yaml")
    prefix = "nginx.ingress.kubernetes.io/"
    assert ANNOTATIONS[prefix + "affinity"] == "cookie"
    assert ANNOTATIONS[prefix + "affinity-mode"] == "persistent"
    assert ANNOTATIONS[prefix + "session-cookie-name"] == balancer.COOKIE
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(ANNOTATIONS[prefix + timeout]) >= balancer.IDLE_SECONDS, timeout
    assert _nginx_bytes(ANNOTATIONS[prefix + "proxy-body-size"]) >= settings.max_message_bytes
    # The per-address cap moves to the ingress: the app sees only the controller's address.
    assert int(ANNOTATIONS[prefix + "limit-connections"]) == settings.connections_per_address
    assert ANNOTATIONS[prefix + "enable-access-log"] == "false", "the access log would keep phones' addresses"
    assert INGRESS["spec"]["ingressClassName"] == "nginx"


def test_kubernetes_replicas_share_one_read_write_many_decks_volume() -> None:
    settings = _loads(_app_environment(), "deploy/kubernetes/app.yaml")
    pod = DEPLOYMENT["spec"]["template"]["spec"]
    mount = next(mount for mount in CONTAINER["volumeMounts"] if Path(mount["mountPath"]) == settings.decks_dir)
    volume = next(volume for volume in pod["volumes"] if volume["name"] == mount["name"])
    claim = K8S[("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "every replica saves decks on it"
    assert DEPLOYMENT["spec"]["replicas"] > 1
    # Written by the image's user: the pod's group owns the volume.
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    assert not mount.get("readOnly")


def test_only_the_deck_api_takes_bodies_larger_than_a_message() -> None:
    from workshop.decks import MAX_DECK_BODY_BYTES
    from workshop.media import MAX_IMAGE_BYTES

    settings = _loads(_app_environment(), "deploy/kubernetes/app.yaml")
    prefix = "nginx.ingress.kubernetes.io/"
    decks = K8S[("Ingress", "workshop-decks")]
    notes = decks["metadata"]["annotations"]
    limit = _nginx_bytes(notes[prefix + "proxy-body-size"])
    assert max(MAX_DECK_BODY_BYTES, MAX_IMAGE_BYTES) <= limit <= 4 * 1024 ** 2
    assert _nginx_bytes(ANNOTATIONS[prefix + "proxy-body-size"]) < 64 * 1024, "everything else stays small"
    assert settings.max_message_bytes <= _nginx_bytes(ANNOTATIONS[prefix + "proxy-body-size"])
    (rule,) = decks["spec"]["rules"]
    assert [(path["path"], path["pathType"]) for path in rule["http"]["paths"]] == [("/api/decks", "Prefix")]
    assert rule["host"] == INGRESS["spec"]["rules"][0]["host"] and decks["spec"]["tls"] == INGRESS["spec"]["tls"]
    assert decks["spec"]["ingressClassName"] == INGRESS["spec"]["ingressClassName"]
    assert rule["http"]["paths"][0]["backend"] == INGRESS["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert notes[prefix + "enable-access-log"] == "false", "the access log would keep phones' addresses"
    assert notes[prefix + "limit-connections"] == ANNOTATIONS[prefix + "limit-connections"]


# --- systemd -------------------------------------------------------------------------------------------------

def _unit(path: Path) -> list[tuple[str, str, str]]:
    """A systemd unit's (section, key, value) lines, repeated keys kept."""
    section, lines = "", []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        else:
            key, value = line.split("=", 1)
            lines.append((section, key.strip(), value.strip()))
    return lines


UNIT = _unit(SYSTEMD_UNIT)
SERVICE = {key: value for section, key, value in UNIT if section == "Service"}


def test_systemd_unit_runs_several_processes_from_the_venv() -> None:
    argv = shlex.split(SERVICE["ExecStart"])
    assert argv[0].startswith("/opt/workshop/") and argv[0].endswith("/bin/workshop")
    assert argv[1:3] == ["serve", "--processes"] and len(argv) == 4
    assert _loads({"WORKSHOP_PROCESSES": argv[3]}, "ExecStart's --processes").processes > 1
    assert SERVICE["User"] not in ("", "root") and SERVICE["Restart"] == "on-failure"
    assert SERVICE["KillSignal"] == "SIGTERM"


def test_systemd_unit_settings_are_real_and_only_the_data_dir_is_writable() -> None:
    environment = dict(assignment.split("=", 1) for section, key, value in UNIT
                       if (section, key) == ("Service", "Environment") for assignment in shlex.split(value))
    assert environment and set(environment) <= VARIABLES, set(environment) - VARIABLES
    settings = _loads(environment, "deploy/systemd/workshop.service")
    assert SERVICE["NoNewPrivileges"] == "yes" and SERVICE["PrivateTmp"] == "yes"
    assert SERVICE["ProtectSystem"] == "strict"
    assert SERVICE["ReadWritePaths"].split() == [str(settings.data_dir)]
    # The decks facilitators edit are in the data dir (the only writable path), seeded before the start.
    assert settings.data_dir in settings.decks_dir.parents
    assert shlex.split(SERVICE["ExecStartPre"]) == [shlex.split(SERVICE["ExecStart"])[0], "seed-decks"]
    example = (SYSTEMD_UNIT.parent / "workshop.env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert named and named <= VARIABLES, named - VARIABLES
