"""docker-compose.yml: the native stack's topology on official pinned images (DESIGN.md §7).

No Docker needed: these tests only read files (the compose file, .env / infra/versions.env, the
connector files, the native templates, the helpers under infra/compose/ and the infra sources).
"""
from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from infra.settings import StackSettings, read_versions

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
VERSIONS_FILE = ROOT / "infra" / "versions.env"
COMPOSE_HELPERS = ROOT / "infra" / "compose"

REGISTRAR = "register-connectors"
# stack service -> the versions.env variable that names its image
STACK_IMAGES = {
    "postgres": "POSTGRES_IMAGE",
    "kafka": "KAFKA_IMAGE",
    "connect": "CONNECT_IMAGE",
    "elasticsearch": "ELASTICSEARCH_IMAGE",
}
# stack service -> (StackSettings field of its host port, port inside the container)
PUBLISHED = {
    "postgres": ("postgres_port", 5432),
    "kafka": ("kafka_port", 9092),
    "connect": ("connect_port", 8083),
    "elasticsearch": ("elasticsearch_port", 9200),
}
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
REQUIRED_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$")   # ${NAME:?message}
PROVIDER_REF = re.compile(r"^\$?\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")       # ${env:NAME}, Connect-side
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# ---------------------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def text() -> str:
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="module")
def compose(text: str) -> dict:
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), "no services in docker-compose.yml"
    return data


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def versions() -> dict[str, str]:
    return read_versions(VERSIONS_FILE)


def environment(service: dict) -> dict[str, object]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        return {k: v for k, _, v in (item.partition("=") for item in env)}
    return dict(env)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, enough for these tests."""
    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg
        raise KeyError(f"${{{name}}} is not set" + (f": {arg}" if op in (":?", "?") else ""))
    return VARIABLE.sub(one, value)


def split_image(ref: str) -> tuple[str, str]:
    """("registry/repo", "tag"); the tag is what follows the last ':' after the last '/'."""
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    assert colon > slash, f"image {ref!r} has no tag"
    assert "@" not in ref, f"image {ref!r}: pin by tag, as versions.env does"
    return ref[:colon], ref[colon + 1:]


def mounts(service: dict) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) of every volume entry, short or long syntax."""
    found = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, str):
            parts = entry.split(":")
            source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
            options = parts[2].split(",") if len(parts) > 2 else []
            found.append((source, target, "ro" in options))
        else:
            found.append((entry.get("source", ""), entry["target"], bool(entry.get("read_only"))))
    return found


def bind_source(source: str) -> Path | None:
    return (ROOT / source).resolve() if source.startswith((".", "/")) else None


def command_tokens(value: object) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def healthcheck_command(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return test if isinstance(test, str) else " ".join(str(t) for t in test or [])


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
    for key in ("KAFKA_VERSION", "DEBEZIUM_VERSION", "ELASTICSEARCH_VERSION",
                "POSTGRES_IMAGE", "KAFKA_IMAGE", "CONNECT_IMAGE", "ELASTICSEARCH_IMAGE"):
        assert versions[key] not in text, f"{versions[key]!r} is written into docker-compose.yml; use .env"
    for name, service in services.items():
        image = service.get("image")
        assert image is not None and "build" not in service, f"{name}: run an image named in .env, not a build"
        assert re.fullmatch(r"\$\{[A-Z0-9_]+_IMAGE(:-[^}]+)?\}", image), \
            f"{name}: image {image!r} should be a ${{…_IMAGE}} reference"


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
    assert wanted and tuple(map(int, found.groups())) >= tuple(map(int, wanted.groups())), \
        f"{effective} does not satisfy the project's requires-python"


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
    assert any(source in (compose.get("volumes") or {}) and target == env["KAFKA_LOG_DIRS"]
               for source, target in named.items())


# -------------------------------------------------------------------------------------- connect

def test_connect_matches_the_native_worker(services):
    env = environment(services["connect"])
    template = read_versions(ROOT / "infra" / "native" / "templates" / "connect-distributed.properties")
    assert env["GROUP_ID"] == template["group.id"]
    assert env["CONFIG_STORAGE_TOPIC"] == template["config.storage.topic"]
    assert env["OFFSET_STORAGE_TOPIC"] == template["offset.storage.topic"]
    assert env["STATUS_STORAGE_TOPIC"] == template["status.storage.topic"]
    assert env["CONNECT_CONFIG_PROVIDERS"] == "env,file"
    assert env["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"] == template["config.providers.env.class"] \
        == "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    assert env["CONNECT_CONFIG_PROVIDERS_FILE_CLASS"] == template["config.providers.file.class"] \
        == "org.apache.kafka.common.config.provider.FileConfigProvider"
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
    assert pg_password and connect_password and pg_password.group(1) == connect_password.group(1), \
        "Debezium must log in with the same variable the postgres init sets the role password from"


# -------------------------------------------------------------------------------- elasticsearch

def test_elasticsearch_single_node_without_security(compose, services):
    es = services["elasticsearch"]
    env = environment(es)
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    options = env["ES_JAVA_OPTS"].split()
    assert "-Xms1g" in options and "-Xmx1g" in options
    assert any(source in (compose.get("volumes") or {}) and target == "/usr/share/elasticsearch/data"
               for source, target, _ in mounts(es))


def test_postgres_data_is_a_named_volume(compose, services):
    assert any(source in (compose.get("volumes") or {}) and target == "/var/lib/postgresql/data"
               for source, target, _ in mounts(services["postgres"]))


# ------------------------------------------------------------------------- health and ordering

def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name == REGISTRAR:
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        test = check.get("test")
        assert test and test != ["NONE"], f"{name}: empty healthcheck"
        if isinstance(test, list):
            assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test should start with CMD or CMD-SHELL"


def test_healthchecks_probe_the_right_thing(services):
    assert "pg_isready" in healthcheck_command(services["postgres"])
    kafka = healthcheck_command(services["kafka"])
    assert re.search(r"/opt/kafka/bin/kafka-(broker-api-versions|topics)\.sh .*--bootstrap-server localhost:\d+",
                     kafka), kafka
    assert "localhost:8083/connectors" in healthcheck_command(services["connect"])
    assert "localhost:9200/_cluster/health" in healthcheck_command(services["elasticsearch"])


def test_dependencies_wait_for_healthy(services):
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        assert isinstance(depends, dict), f"{name}: the list form of depends_on only waits for 'started'"
        for dependency, spec in depends.items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            assert (spec or {}).get("condition") == "service_healthy", \
                f"{name} -> {dependency}: condition must be service_healthy"
            assert services[dependency].get("healthcheck"), f"{dependency} cannot become healthy: no healthcheck"
    assert {"kafka", "postgres"} <= set(services["connect"].get("depends_on") or {})
    assert {"connect", "postgres"} <= set(services[REGISTRAR].get("depends_on") or {})


# ------------------------------------------------------------------------------ network exposure

def test_every_published_port_is_loopback_only(services):
    for name, service in services.items():
        assert service.get("network_mode") != "host", f"{name}: host networking bypasses the 127.0.0.1 binding"
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port} is not bound to 127.0.0.1"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: port {port!r} is not bound to 127.0.0.1"


def test_host_ports_default_to_the_native_stacks(services):
    for name, (field, container_port) in PUBLISHED.items():
        default = StackSettings.model_fields[field].default
        expected = f"127.0.0.1:${{READSIDE_{field.upper()}:-{default}}}:{container_port}"
        assert services[name].get("ports") == [expected], f"{name}: expected ports [{expected!r}]"


# -------------------------------------------------------------------------------------- secrets

def literal_secrets(source: str) -> list[str]:
    """`…password…=value` / `…token…: value` with a literal value, once ${…} references are taken out."""
    hits = []
    for match in re.finditer(r"(?i)\w*(?:password|secret|token)\w*[ \t]*[=:][ \t]*(\S+)", VARIABLE.sub("", source)):
        value = match.group(1).strip("'\"")
        if value not in ("", "…") and not value.startswith("$"):
            hits.append(match.group(0))
    return hits


def test_no_plaintext_secrets(services, text):
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert REQUIRED_REF.match(str(value)) or PROVIDER_REF.match(str(value)), \
                    f"{name}: {key} must come from ${{VAR:?message}} (or a Connect ${{env:…}}), not {value!r}"
    for match in VARIABLE.finditer(text):
        if SECRET_KEY.search(match.group(1)):
            assert match.group(2) in (":?", "?"), f"{match.group(0)}: a secret must be required, never defaulted"
    # nor written into a command line, a healthcheck or a helper script
    for path in [COMPOSE_FILE, *sorted(COMPOSE_HELPERS.glob("*"))]:
        assert not literal_secrets(path.read_text()), f"plaintext secret in {path.name}: {literal_secrets(path.read_text())}"
    assert literal_secrets("POSTGRES_PASSWORD: hunter2") and literal_secrets("-e API_TOKEN=abc")  # the check bites


# ------------------------------------------------------------------------------------ registrar

def test_registrar_applies_the_connectors_folder_with_the_project_registrar(services):
    registrar = services[REGISTRAR]
    workdir = registrar.get("working_dir", "")
    assert workdir, "the registrar needs a working dir holding the repository's infra/"
    by_source = {bind_source(source): (target, read_only) for source, target, read_only in mounts(registrar)}
    assert by_source.get((ROOT / "connectors").resolve()) == (f"{workdir}/connectors", True), \
        "mount ./connectors read-only where infra.settings.CONNECTORS_DIR points"
    assert by_source.get((ROOT / "infra").resolve()) == (f"{workdir}/infra", True) \
        or by_source.get(ROOT.resolve()) == (workdir, True), "the registrar code is not mounted"

    argv = command_tokens(registrar.get("entrypoint")) + command_tokens(registrar.get("command"))
    scripts = [Path(token) for token in argv if token.startswith(f"{workdir}/infra/compose/")]
    steps = " ".join(argv) + "".join((ROOT / s.relative_to(workdir)).read_text() for s in scripts)
    assert "python -m infra.cli.main connectors apply" in steps
    assert f"--dir {workdir}/connectors" in steps

    env = environment(registrar)
    assert env.get("READSIDE_STACK") == "external", "the registrar must not try to start a native stack"
    assert env.get("READSIDE_HOST") == "connect" and "connect" in services
    connect_port = str(services["connect"]["ports"][0]).rsplit(":", 1)[1]
    assert env.get("READSIDE_CONNECT_PORT") == connect_port, "talk to Connect's port inside the network"
    assert registrar.get("restart", "no") == "no", "a one-shot must not be restarted"


def _load_requirements_helper():
    spec = importlib.util.spec_from_file_location("registrar_requirements",
                                                  COMPOSE_HELPERS / "registrar_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_registrar_installs_pinned_versions_from_pyproject():
    helper = _load_requirements_helper()
    lines = helper.requirements(ROOT / "pyproject.toml")
    assert lines and all("==" in line for line in lines)
    assert any(line.startswith("psycopg[binary]==") for line in lines)


def _module_level_imports(path: Path) -> set[str]:
    """Modules a file imports when it is loaded (imports inside functions are lazy and left out)."""
    names: set[str] = set()
    pending = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, (ast.If, ast.Try)):
            pending += node.body + node.orelse + getattr(node, "finalbody", [])
            pending += [n for handler in getattr(node, "handlers", []) for n in handler.body]
    return names


def test_registrar_packages_cover_what_the_cli_imports():
    helper = _load_requirements_helper()
    third_party: set[str] = set()
    seen: set[str] = set()
    queue = ["infra.cli.main"]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        candidates = [ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            continue  # e.g. `from infra.x import name` where name is not a module
        for name in _module_level_imports(path):
            top = name.split(".")[0]
            if top == "infra":
                queue.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    assert "infra.registrar" in seen, "the import walk did not reach the registrar"
    missing = sorted(third_party - helper.REGISTRAR_PACKAGES.keys())
    assert not missing, f"infra.cli.main imports {missing} at load time; add them to REGISTRAR_PACKAGES"
