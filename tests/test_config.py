from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.conftest import ROOT
from tribe_sync.client import TribeClient
from tribe_sync.config import Settings, load_settings
from tribe_sync.errors import ConfigError

EXAMPLE = ROOT / "config.example.toml"
# Optional keys whose default is "unset": documented as comments in the example.
COMMENTED = {
    "programme.staff_employee_id",
    "programme.default_processor_id",
    "daemon.webhook_secret",
    "console.secret_key",
    "store.state_dir",
    "store.url",
    "programme.outbox_dir",
}


def keys_of(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= keys_of(annotation, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def flatten(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        keys |= flatten(value, f"{prefix}{name}.") if isinstance(value, dict) else {prefix + name}
    return keys


def test_the_example_file_documents_every_setting_and_nothing_else() -> None:
    documented = flatten(tomllib.loads(EXAMPLE.read_text()))
    assert documented | COMMENTED == keys_of(Settings)
    for key in COMMENTED:
        assert f"# {key.split('.')[-1]} = " in EXAMPLE.read_text()


def test_the_example_file_holds_exactly_the_embedded_defaults() -> None:
    assert load_settings(EXAMPLE) == load_settings(None)


def test_environment_overrides_the_file_key_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[crm]\napi_url = "https://api.tribecrm.nl"\ntimeout_s = 5\n')
    monkeypatch.setenv("TRIBE_SYNC_CRM__TIMEOUT_S", "9")
    monkeypatch.setenv("TRIBE_SYNC_CRM__CLIENT_SECRET", "from-env")
    settings = load_settings(path)
    assert settings.crm.api_url == "https://api.tribecrm.nl"
    assert settings.crm.timeout_s == 9
    assert settings.crm.client_secret.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)


def test_the_config_file_can_come_from_tribe_sync_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[programme]\nlead_days = 3\n")
    monkeypatch.setenv("TRIBE_SYNC_CONFIG", str(path))
    assert load_settings(None).programme.lead_days == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[crm]\ntimeout_s = 'soon'\n", "c.toml: crm.timeout_s: Input should be a valid number"),
        ("[crm]\ntimout_s = 3\n", "c.toml: crm.timout_s: unknown key"),
        (
            "[programme]\nno_forecast_policy = 'maybe'\n",
            "c.toml: programme.no_forecast_policy: Input should be",
        ),
        ("[crm]\napi_url = 'ftp://x'\n", "c.toml: crm.api_url: must start with http"),
        ("[crm\n", "c.toml: not valid TOML"),
    ],
)
def test_a_bad_file_names_the_file_the_key_and_what_is_wrong(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert expected in str(caught.value)


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__LEAD_DAYS", "-1")
    with pytest.raises(ConfigError, match=r"TRIBE_SYNC_PROGRAMME__LEAD_DAYS: programme\.lead_days"):
        load_settings(None)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("api_url", "root"),
    [
        ("https://api.tribecrm.nl", "https://api.tribecrm.nl/v1/odata/"),
        ("https://api.tribecrm.nl/", "https://api.tribecrm.nl/v1/odata/"),
        ("http://127.0.0.1:9/v1/odata/", "http://127.0.0.1:9/v1/odata/"),
    ],
)
def test_the_api_url_may_be_the_host_or_the_odata_root(api_url: str, root: str) -> None:
    assert Settings(crm={"api_url": api_url}).crm.odata_root == root  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            'subject = "Prognose $kwartaal"\nbody = "x"',
            "forecast_reminder.subject: unknown placeholder(s) $kwartaal",
        ),
        (
            'subject = "Prognose"\nbody = "kost $ 5"',
            "forecast_reminder.body: a lone $ (write $$ for a dollar sign)",
        ),
    ],
)
def test_a_broken_template_stops_tribe_sync_at_start_up_naming_it(
    tmp_path: Path, template: str, expected: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[templates.forecast_reminder]\n{template}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert expected in str(caught.value)


def test_a_template_may_use_double_dollars_and_braces(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[templates.forecast_reminder]\nsubject = "${quarter}: $$0"\nbody = "$organisation"\n')
    assert load_settings(path).templates.forecast_reminder.subject == "${quarter}: $$0"


def test_the_default_journal_and_outbox_live_in_the_state_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    assert settings.store.url == f"sqlite:///{tmp_path / 'state' / 'tribe-sync' / 'journal.db'}"
    assert settings.programme.outbox_dir == str(tmp_path / "state" / "tribe-sync" / "outbox")


def test_store_state_dir_moves_journal_and_outbox_but_not_what_is_set_explicitly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__STATE_DIR", "/srv/ts")
    assert load_settings(None).store.url == "sqlite:////srv/ts/journal.db"
    assert load_settings(None).programme.outbox_dir == "/srv/ts/outbox"
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__OUTBOX_DIR", "/mnt/share/out")
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", "postgresql+psycopg://ts@db/ts")
    settings = load_settings(None)
    assert (settings.store.url, settings.programme.outbox_dir) == (
        "postgresql+psycopg://ts@db/ts",
        "/mnt/share/out",
    )


@pytest.mark.parametrize("secret", ["", "   ", "short-secret"])
def test_an_empty_or_short_webhook_secret_is_a_configuration_error(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_DAEMON__WEBHOOK_SECRET", secret)
    with pytest.raises(
        ConfigError, match=r"TRIBE_SYNC_DAEMON__WEBHOOK_SECRET: daemon\.webhook_secret: .*at least 16"
    ):
        load_settings(None)


def test_a_misspelt_time_zone_is_a_configuration_error_that_suggests_the_right_one(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[programme]\ntimezone = "Europe/Amsterdm"\n')
    with pytest.raises(
        ConfigError, match=r"programme\.timezone: .*'Europe/Amsterdm'.*did you mean 'Europe/Amsterdam'"
    ):
        load_settings(path)


@pytest.mark.parametrize("zone", ["", "../../etc/passwd", "Nowhere/Atlantis"])
def test_any_time_zone_that_is_not_an_iana_name_is_refused(zone: str) -> None:
    with pytest.raises(ValueError, match="not a known time zone"):
        Settings(programme={"timezone": zone})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("api_url", "http://api.tribecrm.nl"),
        ("token_url", "http://auth.tribecrm.nl/oauth2/token"),
        ("api_url", "http://10.0.0.8:8765"),
    ],
)
def test_plain_http_to_another_machine_is_refused(
    key: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"TRIBE_SYNC_CRM__{key.upper()}", url)
    with pytest.raises(ConfigError, match=r"would send the client secret .* unencrypted; use https://"):
        load_settings(None)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"])
def test_plain_http_to_this_machine_is_the_sandbox_and_allowed(url: str) -> None:
    assert Settings(crm={"api_url": url}).crm.insecure_urls == []  # type: ignore[arg-type]


def test_allowing_insecure_http_warns_on_every_start(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(crm={"api_url": "http://crm.test", "allow_insecure_http": True})  # type: ignore[arg-type]
    for _ in range(2):
        with TribeClient.from_settings(settings.crm):
            pass
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("http://crm.test is plain http://" in w for w in warnings) == 2


def test_a_settings_file_with_the_client_secret_readable_by_others_gives_a_warning_with_the_chmod(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[crm]\nclient_secret = "a-real-secret-value"\n')
    path.chmod(0o644)
    load_settings(path)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        f"{path} holds crm.client_secret and other users can read it (mode 0644): run `chmod 600 {path}` "
        "(or `chmod 640` and a group of its own), or move the secret to the environment "
        "(TRIBE_SYNC_CRM__CLIENT_SECRET)"
    ]
    assert "a-real-secret-value" not in caplog.text


@pytest.mark.parametrize(
    ("content", "mode"),
    [
        ('[crm]\nclient_secret = "a-real-secret-value"\n', 0o600),
        ('[crm]\nclient_secret = "a-real-secret-value"\n', 0o640),
        ('[crm]\nclient_id = "x"\n', 0o644),
        ('[crm]\nclient_secret = "sandbox"\n', 0o644),
    ],
)
def test_no_warning_for_a_private_file_or_one_without_a_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, mode: int
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(content)
    path.chmod(mode)
    load_settings(path)
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


def test_a_rate_limit_wait_longer_than_the_wait_cap_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="every 429 would fail the run at once"):
        Settings(crm={"rate_limit_wait_s": 600, "max_retry_wait_s": 300})  # type: ignore[arg-type]
