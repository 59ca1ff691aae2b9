"""compose.yml, checked without a Docker engine: every setting wired, secrets required, and
the production topology (NATS as a 3-node JetStream cluster with R3 streams, MongoDB as a
3-member replica set written with w=majority)."""

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings
from pymongo.uri_parser import parse_uri

from auth_svc.settings import AuthSettings
from chat_svc.settings import ChatSettings
from mail_svc.settings import MailSettings
from service_kit.messaging.jetstream import nats_servers
from service_kit.messaging.stream_setup import StreamSetupSettings

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_BY_SERVICE: dict[str, type[BaseSettings]] = {
    "auth": AuthSettings,
    "chat": ChatSettings,
    "mail": MailSettings,
    "nats-setup": StreamSetupSettings,
}
ONE_SHOT_JOBS = {"nats-setup", "mongo-init"}  # run to completion before the services start
APP_SERVICES = ["auth", "chat", "mail"]
NATS_NODES = ["nats-1", "nats-2", "nats-3"]
MONGO_MEMBERS = ["mongo-1", "mongo-2", "mongo-3"]
NATS_PASSWORDS = [
    "NATS_AUTH_PASSWORD", "NATS_CHAT_PASSWORD", "NATS_MAIL_PASSWORD", "NATS_SETUP_PASSWORD",
    "NATS_ADMIN_PASSWORD", "NATS_ROUTE_PASSWORD",
]  # fmt: skip
REQUIRED_SECRETS = {
    "auth": [
        "SERVICE_SECRET", "AUTH_SECRET_KEY", "MONGODB_URL", "AUTH_NATS_PASSWORD", "LINK_SEAL_KEY"
    ],
    "chat": [
        "SERVICE_SECRET", "CHAT_SECRET_KEY", "MONGODB_URL", "CHAT_NATS_PASSWORD",
        "WEB_PUSH_VAPID_PRIVATE_KEY",
    ],
    "mail": ["SERVICE_SECRET", "MONGODB_URL", "MAIL_NATS_PASSWORD", "LINK_SEAL_KEY"],
    "nats-setup": ["NATS_SETUP_PASSWORD"],
    **dict.fromkeys(NATS_NODES, NATS_PASSWORDS),
    "mongo-1": ["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"],
    "mongo-init": ["MONGO_ROOT_USER", "MONGO_ROOT_PASSWORD", "MONGO_USER", "MONGO_PASSWORD"],
}  # fmt: skip


def environment_names(settings_class: type[BaseSettings]) -> set[str]:
    """The variables a settings class reads: its aliases, or its prefix plus the field name."""
    prefix = settings_class.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yml").read_text())
    return loaded


@pytest.mark.parametrize("service", SETTINGS_BY_SERVICE)
def test_every_variable_a_service_reads_is_set_in_compose(
    compose: dict[str, Any], service: str
) -> None:
    configured = set(compose["services"][service]["environment"])
    missing = environment_names(SETTINGS_BY_SERVICE[service]) - configured
    assert not missing, f"compose.yml does not set {sorted(missing)} for {service}"


@pytest.mark.parametrize("service", REQUIRED_SECRETS)
def test_secrets_are_required_never_defaulted(compose: dict[str, Any], service: str) -> None:
    environment = compose["services"][service]["environment"]
    for name in REQUIRED_SECRETS[service]:
        assert ":?" in str(environment[name]), f"{service}.{name} must be ${{VAR:?...}}"


def test_production_mode_everywhere(compose: dict[str, Any]) -> None:
    for service in SETTINGS_BY_SERVICE:
        assert compose["services"][service]["environment"]["APP_ENV"] == "production"


def test_every_container_has_a_healthcheck_and_restarts(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in ONE_SHOT_JOBS:
            assert service.get("restart") == "no", name
            continue
        assert service.get("restart") == "unless-stopped", name
        if name not in SETTINGS_BY_SERVICE:  # ours get theirs from the image's HEALTHCHECK
            assert "healthcheck" in service, name


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in SETTINGS_BY_SERVICE:
            continue
        image = service["image"]
        assert ":" in image, name
        assert not image.endswith(":latest"), name


def test_only_the_edge_and_the_mail_ui_are_published(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"edge", "mailcatcher"}


def test_chat_runs_at_least_two_replicas(compose: dict[str, Any]) -> None:
    replicas = str(compose["services"]["chat"]["deploy"]["replicas"])
    assert replicas in {"${CHAT_REPLICAS:-2}"} or int(replicas) >= 2


def stand_in(name: str) -> str:
    """What an operator sets for a required variable: an https URL, or a random secret."""
    if name.endswith("URL"):
        return f"https://{name.lower().replace('_', '-')}.example"
    if "NATS" in name and name.endswith("PASSWORD"):  # what nats-server reads back as given
        return "n" + secrets.token_hex(32)
    return secrets.token_urlsafe(32)


def interpolate(value: object) -> str:
    """Resolve ``${VAR:-default}`` to its default and ``${VAR:?msg}`` to a stand-in value."""
    text = str(value)
    text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", lambda m: stand_in(m.group(1)), text)


def production_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The service's settings as compose sets them (``Any``: the classes share no base)."""
    for name, value in compose["services"][service]["environment"].items():
        monkeypatch.setenv(name, interpolate(value))
    return SETTINGS_BY_SERVICE[service]()


@pytest.mark.parametrize("service", SETTINGS_BY_SERVICE)
def test_compose_values_are_valid_production_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert production_settings(compose, service, monkeypatch).app_env == "production"


def nats_cluster_config() -> str:
    conf = (ROOT / "nats" / "nats-server.conf").read_text()
    found = re.search(r"^cluster \{\n(.*?)^\}", conf, re.MULTILINE | re.DOTALL)
    assert found, "nats-server.conf has no cluster block"
    assert re.search(r"^server_name: \$NATS_SERVER_NAME$", conf, re.MULTILINE)
    return found.group(1)


def test_nats_runs_as_three_nodes_each_routed_to_all(compose: dict[str, Any]) -> None:
    cluster = nats_cluster_config()
    listen = re.search(r"listen: \S+:(\d+)", cluster)
    assert listen
    # Routes authenticate (anyone on the network could join as a server otherwise).
    assert re.search(r"user: route\s+password: \$NATS_ROUTE_PASSWORD", cluster)
    route_variables = re.findall(r"\$(NATS_ROUTE_\d)", cluster)
    names, volumes = set(), set()
    for node in NATS_NODES:
        service = compose["services"][node]
        assert "/etc/nats/nats-server.conf" in service["command"], node
        environment = service["environment"]
        names.add(environment["NATS_SERVER_NAME"])
        volumes.add(next(v for v in service["volumes"] if v.endswith(":/data")))
        routes = set()
        for variable in route_variables:
            route = re.fullmatch(
                r"nats://route:\$\{NATS_ROUTE_PASSWORD:\?[^}]*\}@([\w-]+):(\d+)",
                environment[variable],
            )
            assert route, f"{node}.{variable} = {environment[variable]}"
            routes.add((route[1], route[2]))
        assert routes == {(name, listen[1]) for name in NATS_NODES}, node
    assert names == set(NATS_NODES)
    assert len(volumes) == 3, "each node keeps its own JetStream store"


@pytest.mark.parametrize("service", [*APP_SERVICES, "nats-setup"])
def test_every_stream_is_r3_and_every_client_knows_every_node(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = production_settings(compose, service, monkeypatch)
    assert settings.nats_stream_replicas == 3
    servers = {(url.hostname, url.port) for url in map(urlsplit, nats_servers(settings.nats_url))}
    assert servers == {(node, 4222) for node in NATS_NODES}


def test_nats_url_lists_a_cluster_separated_by_commas() -> None:
    assert nats_servers(" nats://a:4222, nats://b:4222,,nats://c:4222 ") == [
        "nats://a:4222", "nats://b:4222", "nats://c:4222"
    ]  # fmt: skip
    assert nats_servers("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]


def test_mongodb_runs_as_one_replica_set_of_three_with_a_keyfile(compose: dict[str, Any]) -> None:
    volumes, replica_sets = set(), set()
    for member in MONGO_MEMBERS:
        service = compose["services"][member]
        command = service["command"]
        replica_sets.add(command[command.index("--replSet") + 1])
        keyfile = command[command.index("--keyFile") + 1]
        assert service["secrets"] == ["mongo-keyfile"], member
        assert f"/run/secrets/mongo-keyfile {keyfile}" in " ".join(service["entrypoint"]), member
        assert "primary" in " ".join(service["healthcheck"]["test"]), member
        volumes.add(next(v for v in service["volumes"] if v.endswith(":/data/db")))
    assert len(replica_sets) == 1 and len(volumes) == 3
    # mongo-init makes exactly these members the set (deploy/mongo-init.js).
    init = compose["services"]["mongo-init"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in init["volumes"]}
    script_path = next(arg for arg in init["command"] if arg.endswith(".js"))
    script = (ROOT / mounted[script_path]).read_text()
    set_name = re.search(r'const SET = "(\w+)"', script)
    members = re.search(r"const MEMBERS = \[(.*?)\]", script)
    assert set_name and members
    assert {set_name[1]} == replica_sets
    assert re.findall(r'"([\w-]+):27017"', members[1]) == MONGO_MEMBERS


def test_the_keyfile_is_a_secret_from_outside_the_file(compose: dict[str, Any]) -> None:
    keyfile = compose["secrets"]["mongo-keyfile"]
    assert set(keyfile) & {"environment", "file"} and "content" not in keyfile


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_app_writes_to_the_replica_set_with_majority(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = production_settings(compose, service, monkeypatch)
    parsed = parse_uri(settings.mongodb_url)  # what pymongo's client reads from the URL
    assert parsed["nodelist"] == [(member, 27017) for member in MONGO_MEMBERS]
    assert parsed["options"]["replicaSet"] == "rs0"
    assert parsed["options"]["w"] == "majority"
    assert parsed["username"] and parsed["password"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_services_start_after_both_one_shot_jobs(compose: dict[str, Any], service: str) -> None:
    depends_on = compose["services"][service]["depends_on"]
    for job in ONE_SHOT_JOBS:
        assert depends_on[job]["condition"] == "service_completed_successfully", job
    setup = compose["services"]["nats-setup"]["depends_on"]
    assert {node: setup[node]["condition"] for node in NATS_NODES} == dict.fromkeys(
        NATS_NODES, "service_healthy"
    )
    assert set(compose["services"]["mongo-init"]["depends_on"]) == set(MONGO_MEMBERS)


SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEY|_KEY_ID|KEYFILE)$")
FROM_ENVIRONMENT = re.compile(r"\$\{[A-Z0-9_]+:\?[^}]*\}|\$\{[A-Z0-9_]+:-\}")  # required, or empty


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for variable, value in service.get("environment", {}).items():
            written = FROM_ENVIRONMENT.sub("", str(value))
            if SECRET_NAME.search(variable):
                assert not written, f"{name}.{variable} holds {written!r}"
            elif "://" in written:
                assert not urlsplit(written).password, f"{name}.{variable} holds a password"


def test_the_example_env_sets_every_variable_compose_requires(compose: dict[str, Any]) -> None:
    text = (ROOT / "compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    required |= {secret["environment"] for secret in compose["secrets"].values()}
    example = (ROOT / "docs" / "staging.env.example").read_text()
    assert required - set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE)) == set()
