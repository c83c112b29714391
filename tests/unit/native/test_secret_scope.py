"""Each process of the native stack is given only the secrets it uses, whatever the invoking shell holds."""

from infra.native.apps import APPS, SECRETS_OF, app_environment
from infra.native.process import SECRET_VARIABLES, process_environment
from infra.settings import StackSettings


def test_secrets_in_the_invokers_environment_reach_no_process_unless_given(monkeypatch):
    for name in SECRET_VARIABLES:
        monkeypatch.setenv(name, "from-the-shell")
    monkeypatch.setenv("HOME_SWEET", "home")
    env = process_environment({"READSIDE_PG_PASSWORD": "given"})
    assert env["HOME_SWEET"] == "home" and env["READSIDE_PG_PASSWORD"] == "given"
    assert not SECRET_VARIABLES - {"READSIDE_PG_PASSWORD"} & set(env)


def test_each_service_gets_exactly_the_secrets_it_uses(monkeypatch, tmp_path):
    monkeypatch.setenv("READSIDE_READ_TOKEN", "reader")
    settings = StackSettings(data_dir=tmp_path)
    given = {app.role: SECRET_VARIABLES & set(app_environment(settings, app.role)) for app in APPS}
    assert given == {
        "write-api": {"READSIDE_DATABASE_URL", "READSIDE_WRITE_TOKEN"},
        "query-api": {"READSIDE_READ_TOKEN"},
        "pipeline": {"READSIDE_CONTROL_TOKEN"},
        "console": {"READSIDE_POSTGRES_PASSWORD"},
    }
    assert set(SECRETS_OF) == {app.role for app in APPS}


def test_the_query_api_gets_no_read_token_when_none_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("READSIDE_READ_TOKEN", raising=False)
    assert "READSIDE_READ_TOKEN" not in app_environment(StackSettings(data_dir=tmp_path), "query-api")


def test_only_the_apis_move_to_the_api_host_and_the_servers_stay_on_loopback(tmp_path):
    from infra.native.servers import SERVERS

    settings = StackSettings(data_dir=tmp_path, api_host="0.0.0.0")
    env = app_environment(settings, "write-api")
    assert env["READSIDE_WRITE_API_HOST"] == env["READSIDE_QUERY_API_HOST"] == "0.0.0.0"
    binds = {unit.name: unit.bind_host(settings) for unit in [*SERVERS, *APPS] if unit.wanted(settings)}
    assert binds == {
        "postgres": "127.0.0.1",
        "kafka": "127.0.0.1",
        "elasticsearch": "127.0.0.1",
        "connect": "127.0.0.1",
        "write-api": "0.0.0.0",
        "query-api": "0.0.0.0",
        "pipeline": "127.0.0.1",
        "console": "127.0.0.1",
    }
    assert {app.name: app.url(settings) for app in APPS}["query-api"] == "http://127.0.0.1:8002"
