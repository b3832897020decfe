"""Settings: production refuses unsafe settings; URLs and development secrets are handled."""

import pytest

from config import ConfigError, database_url
from tracker import create_app


@pytest.fixture
def production_env(monkeypatch, database_uri):
    monkeypatch.setenv("DATABASE_URL", database_uri)
    return {"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "k" * 40}


def test_production_starts_with_a_secret_and_a_database(production_env):
    assert create_app("production", production_env).config["HSTS"]


@pytest.mark.parametrize("secret", [None, "", "too-short-secret"])
def test_production_refuses_a_missing_or_short_secret_key(production_env, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production", {**production_env, "SECRET_KEY": secret})


def test_production_refuses_to_start_without_database_url(production_env, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app("production", production_env)


def test_production_refuses_debug(production_env):
    with pytest.raises(ConfigError, match="debug"):
        create_app("production", {**production_env, "DEBUG": True})


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    (None, None),
])
def test_database_url_uses_the_installed_postgres_driver(given, expected):
    assert database_url(given) == expected


def test_settings_have_the_documented_defaults(app):
    assert app.config["CLINIC_TIMEZONE"] == "Europe/London"
    assert app.config["DEFAULT_PHONE_REGION"] == "GB"
    assert app.config["SESSION_IDLE_MINUTES"] == 30 and app.config["SESSION_MAX_HOURS"] == 12
