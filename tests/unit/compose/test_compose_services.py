"""docker-compose.yml, part 1: the services, their images and pins, and each server's settings.

No Docker needed: these tests only read files (the compose file, .env / infra/versions.env, the
connector files, the native templates).
"""

from __future__ import annotations

import os
import re

import pytest

from infra.settings import read_versions
from tests.unit.compose.support import (
    COMPOSE_HELPERS,
    REGISTRAR,
    REQUIRED_REF,
    ROOT,
    STACK_IMAGES,
    VARIABLE,
    VERSIONS_FILE,
    bind_source,
    command_tokens,
    environment,
    interpolate,
    mounts,
    split_image,
)

# ----------------------------------------------------------------------------- files and services


def test_dot_env_resolves_to_versions_env():
    dot_env = ROOT / ".env"
    assert dot_env.exists(), ".env is missing: compose reads the image pins from it"
    assert dot_env.resolve() == VERSIONS_FILE.resolve(), ".env must be (a link to) infra/versions.env"


def test_stack_services_and_registrar_exist(services):
    missing = {*STACK_IMAGES, REGISTRAR} - services.keys()
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_header_says_how_to_run_it(text):
    header = "\n".join(line for line in text.splitlines()[:60] if line.startswith("#"))
    assert text.startswith("#"), "docker-compose.yml should open with a comment saying how to run it"
    assert "docker compose up" in header
    required = {m.group(1) for m in VARIABLE.finditer(text) if m.group(2) in (":?", "?")}
    assert required, "no required variables: where do the passwords come from?"
    unmentioned = sorted(name for name in required if f"{name}=" not in header)
    assert not unmentioned, f"the header's run line should set every required variable: {unmentioned}"


# --------------------------------------------------------------------------------------- images


def test_stack_images_come_from_versions_env(services, versions):
    for name, variable in STACK_IMAGES.items():
        image = services[name].get("image")
        assert image == f"${{{variable}}}", f"{name}: image should be exactly ${{{variable}}}, not {image!r}"
        assert versions.get(variable), f"infra/versions.env does not define {variable}"


def test_image_tags_match_the_version_pins(versions):
    repo, tag = split_image(versions["KAFKA_IMAGE"])
    assert (repo, tag) == ("apache/kafka", versions["KAFKA_VERSION"])
    repo, tag = split_image(versions["CONNECT_IMAGE"])
    assert (repo, tag) == ("quay.io/debezium/connect", versions["DEBEZIUM_VERSION"])
    repo, tag = split_image(versions["ELASTICSEARCH_IMAGE"])
    assert (repo, tag) == ("docker.elastic.co/elasticsearch/elasticsearch", versions["ELASTICSEARCH_VERSION"])
    repo, tag = split_image(versions["POSTGRES_IMAGE"])
    assert repo in ("postgres", "library/postgres", "docker.io/library/postgres"), repo
    assert re.fullmatch(r"\d+\.\d+", tag), f"postgres image tag {tag!r}: pin a minor release"
    assert tag.split(".")[0] == versions["POSTGRES_MAJOR"], f"postgres {tag} is not major {versions['POSTGRES_MAJOR']}"


def test_no_version_literal_in_compose(text, services, versions):
    for key in (
        "KAFKA_VERSION",
        "DEBEZIUM_VERSION",
        "ELASTICSEARCH_VERSION",
        "POSTGRES_IMAGE",
        "KAFKA_IMAGE",
        "CONNECT_IMAGE",
        "ELASTICSEARCH_IMAGE",
    ):
        assert versions[key] not in text, f"{versions[key]!r} is written into docker-compose.yml; use .env"
    for name, service in services.items():
        image = service.get("image")
        assert image is not None and "build" not in service, f"{name}: run an image named in .env, not a build"
        assert re.fullmatch(r"\$\{[A-Z0-9_]+_IMAGE(:-[^}]+)?\}", image), (
            f"{name}: image {image!r} should be a ${{…_IMAGE}} reference"
        )


def test_registrar_image_is_a_pinned_python_that_fits_the_project(services, versions):
    image = services[REGISTRAR].get("image", "")
    match = re.fullmatch(r"\$\{([A-Z0-9_]+_IMAGE)(?::-([^}]+))?\}", image)
    assert match, f"{REGISTRAR}: image {image!r} should be a ${{…_IMAGE}} reference"
    variable, default = match.groups()
    # Defined in versions.env, or (until it is) a default in the compose file.
    effective = versions.get(variable) or default
    assert effective, f"{variable} is neither in infra/versions.env nor given a default"
    repo, tag = split_image(effective)
    assert repo.rsplit("/", 1)[-1] == "python", f"{REGISTRAR} runs the Python registrar: {effective}"
    found = re.match(r"(\d+)\.(\d+)", tag)
    assert found, f"{effective}: pin at least the Python minor version"
    pyproject = (ROOT / "pyproject.toml").read_text()
    wanted = re.search(r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)"', pyproject)
    assert wanted and tuple(map(int, found.groups())) >= tuple(map(int, wanted.groups())), (
        f"{effective} does not satisfy the project's requires-python"
    )


def test_every_variable_is_pinned_defaulted_or_required(text, versions):
    for match in VARIABLE.finditer(text):
        name, op = match.group(1), match.group(2)
        if op is None:
            assert name in versions, f"${{{name}}} has no default and infra/versions.env does not define it"
    # with the pins and the two passwords set, every value interpolates
    env = {**versions, "POSTGRES_PASSWORD": "x", "READSIDE_POSTGRES_PASSWORD": "y"}
    interpolate(text, env)
    # and without a password, compose refuses to start
    with pytest.raises(KeyError):
        interpolate(text, versions)


def test_environment_values_are_strings(services):
    # YAML turns bare true/1 into bool/int; quote them so what reaches the container is what was written
    for name, service in services.items():
        for key, value in environment(service).items():
            assert isinstance(value, str), f"{name}: {key}={value!r} should be a quoted string"


# ------------------------------------------------------------------------------------- postgres


def test_postgres_runs_with_logical_decoding(services):
    argv = command_tokens(services["postgres"].get("command"))
    assert argv and argv[0] == "postgres", f"postgres command should start the server: {argv}"
    settings = dict(argv[i + 1].split("=", 1) for i, token in enumerate(argv[:-1]) if token == "-c")
    assert settings.get("wal_level") == "logical"
    assert int(settings.get("max_wal_senders", 0)) >= 1
    assert int(settings.get("max_replication_slots", 0)) >= 1


def test_postgres_bootstraps_the_app_role_and_publication(services):
    pg = services["postgres"]
    targets = {bind_source(source): target for source, target, _ in mounts(pg)}
    bootstrap = (ROOT / "infra" / "postgres" / "bootstrap.sql").resolve()
    init = (COMPOSE_HELPERS / "postgres-init.sh").resolve()
    assert targets.get(bootstrap) == "/readside/bootstrap.sql", "bootstrap.sql not mounted at /readside"
    assert str(targets.get(init, "")).startswith("/docker-entrypoint-initdb.d/") and targets[init].endswith(".sh")
    assert os.access(init, os.X_OK), "postgres-init.sh should be executable (the image runs it rather than sourcing it)"

    script = init.read_text()
    connect_env = environment(services["connect"])
    assert "ON_ERROR_STOP=1" in script
    assert "-f /readside/bootstrap.sql" in script
    assert f"app_user={connect_env['READSIDE_PG_USER']}" in script, "role differs from what Debezium logs in as"
    assert f"app_db={connect_env['READSIDE_PG_DB']}" in script, "database differs from what Debezium reads"
    assert 'app_password="$READSIDE_POSTGRES_PASSWORD"' in script
    assert "READSIDE_POSTGRES_PASSWORD" in environment(pg), "the init script needs the role password"


# ---------------------------------------------------------------------------------------- kafka


def test_kafka_is_a_combined_kraft_node(services):
    env = environment(services["kafka"])
    assert not any(key.startswith("KAFKA_ZOOKEEPER") for key in env), "KRaft, not ZooKeeper"
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node = env["KAFKA_NODE_ID"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env.get("CLUSTER_ID", "")), "a fixed base64 CLUSTER_ID"

    listeners = dict(item.split("://", 1) for item in env["KAFKA_LISTENERS"].split(","))
    protocols = dict(item.split(":", 1) for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(listeners) <= set(protocols), "every listener needs a security protocol"
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert controller in listeners
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node}@kafka:{listeners[controller].rsplit(':', 1)[1]}"

    advertised = dict(item.split("://", 1) for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    internal = env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    assert advertised[internal] == "kafka:29092"
    assert controller not in advertised
    external = [name for name, address in advertised.items() if address.startswith("127.0.0.1:")]
    assert len(external) == 1, f"one listener advertised on 127.0.0.1 for the host: {advertised}"
    assert advertised[external[0]] == "127.0.0.1:${READSIDE_KAFKA_PORT:-19092}"
    # the published container port is the external listener's port
    external_port = listeners[external[0]].rsplit(":", 1)[1]
    assert any(str(p).endswith(f":{external_port}") for p in services["kafka"].get("ports", []))

    for key, value in env.items():
        if key.endswith(("REPLICATION_FACTOR", "MIN_ISR")):
            assert value == "1", f"single node: {key} must be 1"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"
    assert environment(services["connect"])["BOOTSTRAP_SERVERS"] == advertised[internal]


def test_kafka_data_dir_is_a_named_volume(compose, services):
    env = environment(services["kafka"])
    named = {source: target for source, target, _ in mounts(services["kafka"])}
    assert env["KAFKA_LOG_DIRS"] in named.values()
    assert any(
        source in (compose.get("volumes") or {}) and target == env["KAFKA_LOG_DIRS"] for source, target in named.items()
    )


# -------------------------------------------------------------------------------------- connect


def test_connect_matches_the_native_worker(services):
    env = environment(services["connect"])
    template = read_versions(ROOT / "infra" / "native" / "templates" / "connect-distributed.properties")
    assert env["GROUP_ID"] == template["group.id"]
    assert env["CONFIG_STORAGE_TOPIC"] == template["config.storage.topic"]
    assert env["OFFSET_STORAGE_TOPIC"] == template["offset.storage.topic"]
    assert env["STATUS_STORAGE_TOPIC"] == template["status.storage.topic"]
    assert env["CONNECT_CONFIG_PROVIDERS"] == "env,file"
    assert (
        env["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"]
        == template["config.providers.env.class"]
        == "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    )
    assert (
        env["CONNECT_CONFIG_PROVIDERS_FILE_CLASS"]
        == template["config.providers.file.class"]
        == "org.apache.kafka.common.config.provider.FileConfigProvider"
    )
    for key, value in env.items():
        # the image writes CONNECT_* into the properties file with sed, using '@' as delimiter
        assert not (key.startswith("CONNECT_") and "@" in value), f"{key}: '@' breaks the image's entrypoint"


def test_connect_provides_every_env_reference_of_the_connectors(services):
    env = environment(services["connect"])
    referenced = set()
    for path in sorted((ROOT / "connectors").glob("*.json")):
        referenced |= set(re.findall(r"\$\{env:([A-Za-z0-9_]+)\}", path.read_text()))
    assert referenced, "connectors/*.json reference no ${env:…}: is this the right folder?"
    missing = sorted(referenced - env.keys())
    assert not missing, f"connect does not set what the connectors read through ${{env:…}}: {missing}"
    assert env["READSIDE_PG_HOST"] == "postgres" and env["READSIDE_PG_HOST"] in services
    assert env["READSIDE_PG_PORT"] == "5432"
    pg_password = REQUIRED_REF.match(str(environment(services["postgres"])["READSIDE_POSTGRES_PASSWORD"]))
    connect_password = REQUIRED_REF.match(str(env["READSIDE_PG_PASSWORD"]))
    assert pg_password and connect_password and pg_password.group(1) == connect_password.group(1), (
        "Debezium must log in with the same variable the postgres init sets the role password from"
    )


# -------------------------------------------------------------------------------- elasticsearch


def test_elasticsearch_single_node_without_security(compose, services):
    es = services["elasticsearch"]
    env = environment(es)
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    options = env["ES_JAVA_OPTS"].split()
    assert "-Xms1g" in options and "-Xmx1g" in options
    assert any(
        source in (compose.get("volumes") or {}) and target == "/usr/share/elasticsearch/data"
        for source, target, _ in mounts(es)
    )


def test_postgres_data_is_a_named_volume(compose, services):
    assert any(
        source in (compose.get("volumes") or {}) and target == "/var/lib/postgresql/data"
        for source, target, _ in mounts(services["postgres"])
    )
