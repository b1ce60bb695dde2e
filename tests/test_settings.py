"""Settings read the environment and refuse bad values loudly, naming the variable (CONVENTIONS.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from yaoyao_mediation.env import env_bool, env_choices, env_int, env_list, env_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent

POSTGRES = {"postgres", "postgresql"}
REDIS = {"redis", "rediss", "unix"}


# --- the readers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, read",
    [
        ("DEBUG", "maybe", lambda: env_bool("DEBUG", False)),
        ("WORKERS", "four", lambda: env_int("WORKERS", 1)),
        ("WORKERS", "2.5", lambda: env_int("WORKERS", 1)),
        ("TRUSTED_PROXY_COUNT", "-1", lambda: env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)),
        ("TRUSTED_PROXY_COUNT", "6", lambda: env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)),
        ("ALLOWED_HOSTS", "a.example,,b.example", lambda: env_list("ALLOWED_HOSTS", [])),
        ("ALLOWED_HOSTS", "a.example,", lambda: env_list("ALLOWED_HOSTS", [])),
        ("URL_GROUPS", "staff,admin", lambda: env_choices("URL_GROUPS", [], {"staff", "partner", "public"})),
        ("DATABASE_URL", "mysql://u:p@db.example/yaoyao", lambda: env_url("DATABASE_URL", POSTGRES)),
        ("DATABASE_URL", "postgresql://u@db.example:port/yaoyao", lambda: env_url("DATABASE_URL", POSTGRES)),
        ("DATABASE_URL", "postgresql://", lambda: env_url("DATABASE_URL", POSTGRES)),
        ("REDIS_URL", "http://cache.example:6379/0", lambda: env_url("REDIS_URL", REDIS)),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(monkeypatch, name, value, read):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        read()


@pytest.mark.parametrize(
    "value, expected",
    [("true", True), ("Yes", True), (" on ", True), ("1", True), ("false", False), ("OFF", False), ("0", False)],
)
def test_it_reads_boolean_words(monkeypatch, value, expected):
    monkeypatch.setenv("DEBUG", value)

    assert env_bool("DEBUG", not expected) is expected


def test_it_reads_numbers_within_bounds(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", " 2 ")

    assert env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5) == 2


def test_it_reads_lists_and_choices(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "jd.example.gov.cn, 10.0.0.5")
    monkeypatch.setenv("URL_GROUPS", "partner,public")

    assert env_list("ALLOWED_HOSTS", []) == ["jd.example.gov.cn", "10.0.0.5"]
    assert env_choices("URL_GROUPS", ["staff"], {"staff", "partner", "public"}) == ["partner", "public"]


@pytest.mark.parametrize(
    "name, value, schemes",
    [
        ("DATABASE_URL", "postgresql://yaoyao:secret@db.example:5432/yaoyao", POSTGRES),
        ("DATABASE_URL", "postgres:///yaoyao?host=/run/postgresql", POSTGRES),
        ("REDIS_URL", "redis://cache.example:6379/0", REDIS),
        ("REDIS_URL", "unix:///run/redis/redis.sock", REDIS),
    ],
)
def test_it_accepts_urls_of_the_right_scheme(monkeypatch, name, value, schemes):
    monkeypatch.setenv(name, value)

    assert env_url(name, schemes) == value


def test_it_falls_back_to_the_default_when_a_variable_is_unset_or_blank(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.setenv("ALLOWED_HOSTS", "  ")

    assert env_int("TRUSTED_PROXY_COUNT", 3) == 3
    assert env_list("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]
    assert env_url("UNSET_TEST_URL", POSTGRES) is None


# --- the settings module, imported in a fresh interpreter ------------------------------------------

# Variables the settings read; the parent's values must not leak into the child's start.
SETTINGS_VARIABLES = [
    "DJANGO_PROFILE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "TRUSTED_PROXY_COUNT",
    "URL_GROUPS",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_AGE",
    "SESSION_ABSOLUTE_AGE",
    "EMAIL_HOST",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_HASH_KEY",
    "LOGIN_RATE_LIMIT",
    "LOGIN_RATE_LIMIT_WINDOW",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
]
# setup() never connects, but a DATABASE_URL must be set so the child never starts the embedded server.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/yaoyao")

DEVELOPMENT: dict[str, str] = {}
PRODUCTION = {
    "DJANGO_PROFILE": "production",
    # Fixed, but as varied as a generated key: check --deploy (security.W009) refuses a low-entropy one.
    "SECRET_KEY": "q7Vb-2xKp9sLm4NwT8rZc1Hy6Jd3Fg5Ue0Ao_XiQvEtWnBkRlMsPzCuDhGjYf",
    "ALLOWED_HOSTS": "jld.example.gov.cn",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEYS": "k1:c2V0dGluZ3MtdGVzdC1maWVsZC1rZXktMDEyMzQ1Njc=",
    "FIELD_HASH_KEY": "c2V0dGluZ3MtdGVzdC1sb29rdXAtaGFzaC1rZXktMDEyMzQ1Njc4OQ==",
}


def start_django(environment: dict[str, str], *, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env["DATABASE_URL"] = DATABASE_URL
    env.update(environment)
    for key in without:
        env.pop(key, None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yaoyao_mediation.settings'; django.setup()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("environment", [PRODUCTION, DEVELOPMENT], ids=["production", "development"])
def test_it_starts_with_a_complete_configuration(environment):
    result = start_django(environment)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "environment, without, variable",
    [
        (PRODUCTION, ("SECRET_KEY",), "SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "k" * 49}, (), "SECRET_KEY"),
        ({**PRODUCTION, "DEBUG": "true"}, (), "DEBUG"),
        (PRODUCTION, ("ALLOWED_HOSTS",), "ALLOWED_HOSTS"),
        (PRODUCTION, ("REDIS_URL",), "REDIS_URL"),
        (PRODUCTION, ("FIELD_ENCRYPTION_KEYS",), "FIELD_ENCRYPTION_KEYS"),
        (PRODUCTION, ("FIELD_HASH_KEY",), "FIELD_HASH_KEY"),
        ({**DEVELOPMENT, "FIELD_ENCRYPTION_KEYS": "k1:c2hvcnQ="}, (), "FIELD_ENCRYPTION_KEYS"),
        (
            {
                **DEVELOPMENT,
                "FIELD_ENCRYPTION_KEYS": PRODUCTION["FIELD_ENCRYPTION_KEYS"],
                "FIELD_HASH_KEY": PRODUCTION["FIELD_ENCRYPTION_KEYS"].partition(":")[2],
            },
            (),
            "FIELD_HASH_KEY",
        ),
        ({**DEVELOPMENT, "LOGIN_RATE_LIMIT": "0"}, (), "LOGIN_RATE_LIMIT"),
        ({**DEVELOPMENT, "LOGIN_FAILURE_LIMIT": "0"}, (), "LOGIN_FAILURE_LIMIT"),
        ({**DEVELOPMENT, "LOGIN_LOCKOUT_MINUTES": "soon"}, (), "LOGIN_LOCKOUT_MINUTES"),
        ({**DEVELOPMENT, "SESSION_COOKIE_AGE": "36000"}, (), "SESSION_COOKIE_AGE"),
        ({**DEVELOPMENT, "DEBUG": "maybe"}, (), "DEBUG"),
        ({**DEVELOPMENT, "TRUSTED_PROXY_COUNT": "-1"}, (), "TRUSTED_PROXY_COUNT"),
        ({**DEVELOPMENT, "DJANGO_PROFILE": "prod"}, (), "DJANGO_PROFILE"),
    ],
    ids=[
        "production-without-secret-key",
        "production-short-secret-key",
        "production-debug-on",
        "production-without-allowed-hosts",
        "production-without-redis",
        "production-without-field-encryption-keys",
        "production-without-field-hash-key",
        "short-field-encryption-key",
        "hash-key-equal-to-an-encryption-key",
        "login-rate-limit-zero",
        "login-failure-limit-zero",
        "login-lockout-minutes-not-a-number",
        "idle-expiry-above-absolute-expiry",
        "debug-maybe",
        "negative-proxy-count",
        "unknown-profile",
    ],
)
def test_it_refuses_to_start_with_a_bad_configuration(environment, without, variable):
    result = start_django(environment, without=without)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


# --- check --deploy -----------------------------------------------------------------------------------


def test_the_production_profile_passes_check_deploy_without_a_warning():
    """QUALITY.md R1: Django's deployment checks, axes' and drf-spectacular's (which builds the whole
    OpenAPI schema), all at warning level, on the production profile as the README configures it."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(PRODUCTION, DATABASE_URL=DATABASE_URL)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_report_a_weakened_production_setting():
    """The check above can fail: the same start with HSTS off reports it (security.W004)."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(PRODUCTION, DATABASE_URL=DATABASE_URL, SECURE_HSTS_SECONDS="0")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr
