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
    given = {app.name: SECRET_VARIABLES & set(app_environment(settings, app.name)) for app in APPS}
    assert given == {"write-api": {"READSIDE_DATABASE_URL", "READSIDE_WRITE_TOKEN"},
                     "query-api": {"READSIDE_READ_TOKEN"}, "pipeline": {"READSIDE_CONTROL_TOKEN"},
                     "console": {"READSIDE_POSTGRES_PASSWORD"}}
    assert set(SECRETS_OF) == {app.name for app in APPS}


def test_the_query_api_gets_no_read_token_when_none_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("READSIDE_READ_TOKEN", raising=False)
    assert "READSIDE_READ_TOKEN" not in app_environment(StackSettings(data_dir=tmp_path), "query-api")
