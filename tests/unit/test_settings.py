"""``PATHWAYS_*`` settings: a fixed set of environments, and production refuses to start with a
missing or placeholder secret, without ever printing it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from application.time_travel import TimeTravelRefusedError, ensure_allowed
from infrastructure.settings import Environment, Settings, SettingsError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "q7Vx2LmN9pR4tY8wZ3aB6cD1eF5gH0jK"
GOOD_AUDIT_KEY = "Zp4Wq8Ls2Nd6Rf0Tb3Yh7Kc1Vm5Xg9Ja"
PLACEHOLDER_SECRETS = [
    "changeme",
    "change-me",
    "secret",
    "placeholder",
    "changeme" * 4,
    "this-is-an-example-session-secret-value",
    "CHANGE-ME-please-to-a-real-secret-value",
]


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only what a test sets counts, not the environment the tests run in.
    for name in list(os.environ):
        if name.startswith("PATHWAYS_"):
            monkeypatch.delenv(name)
    # Production needs an audit key too; these tests are about the other settings.
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", GOOD_AUDIT_KEY)


def settings(**values: object) -> Settings:
    # Nor a .env file in the directory the tests run from.
    return load_settings(_env_file=None, **values)


def refusal(**values: object) -> str:
    with pytest.raises(SettingsError) as refused:
        settings(**values)
    return str(refused.value)


def test_the_environment_is_one_of_a_fixed_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_ENVIRONMENT", "test")
    assert settings().environment is Environment.TEST
    assert settings(environment="production", session_secret=GOOD_SECRET).environment == (
        Environment.PRODUCTION
    )


def test_an_unknown_environment_is_refused_naming_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATHWAYS_ENVIRONMENT", "staging")
    message = refusal()
    assert message.startswith("PATHWAYS_ENVIRONMENT: 'staging' is not one of")
    assert all(choice in message for choice in ("development", "test", "production"))
    assert "\n" not in message


def test_production_without_a_secret_is_refused() -> None:
    message = refusal(environment="production")
    assert message.startswith("PATHWAYS_SESSION_SECRET: must be set in production")


def test_production_with_a_blank_secret_is_refused() -> None:
    assert refusal(environment="production", session_secret="   ").startswith(
        "PATHWAYS_SESSION_SECRET: must be set"
    )


@pytest.mark.parametrize("secret", PLACEHOLDER_SECRETS)
def test_production_with_a_placeholder_secret_is_refused(secret: str) -> None:
    message = refusal(environment="production", session_secret=secret)
    assert message.startswith("PATHWAYS_SESSION_SECRET: is a placeholder")


def test_production_with_a_short_secret_is_refused() -> None:
    message = refusal(environment="production", session_secret="k3J9x2")
    assert message == "PATHWAYS_SESSION_SECRET: must be at least 32 characters in production"


def test_production_with_a_good_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_ENVIRONMENT", "production")
    monkeypatch.setenv("PATHWAYS_SESSION_SECRET", GOOD_SECRET)
    loaded = settings()
    assert loaded.environment is Environment.PRODUCTION
    assert loaded.session_secret is not None
    assert loaded.session_secret.get_secret_value() == GOOD_SECRET
    assert GOOD_SECRET not in repr(loaded)


@pytest.mark.parametrize("environment", ["development", "test"])
def test_outside_production_a_missing_or_weak_secret_is_fine(environment: str) -> None:
    assert settings(environment=environment).session_secret is None
    assert settings(environment=environment, session_secret="changeme").session_secret


def test_development_is_the_default_and_needs_no_secret() -> None:
    loaded = settings()
    assert loaded.environment is Environment.DEVELOPMENT
    assert loaded.session_secret is None


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("database_url", "postgresql+psycopg://pathways:changeme@db:5432/pathways"),
        ("database_url", "postgresql+psycopg://USER:PASSWORD@DBHOST:5432/pathways"),
        ("smtp_url", "mailtos://relay.example.org?user=pathways&pass=password"),
        ("smtp_url", "mailtos://pathways:change-me@relay.internal:587"),
    ],
)
def test_production_refuses_a_url_with_a_placeholder_password(field: str, url: str) -> None:
    message = refusal(environment="production", session_secret=GOOD_SECRET, **{field: url})
    assert message.startswith(f"PATHWAYS_{field.upper()}: the URL's password is a placeholder")
    assert url not in message


def test_production_accepts_urls_with_real_passwords() -> None:
    loaded = settings(
        environment="production",
        session_secret=GOOD_SECRET,
        database_url="postgresql+psycopg://pathways:Xk82-vQ0p@db:5432/pathways",
        smtp_url="mailtos://pathways:Ty7!rW2@relay.internal:587",
    )
    assert loaded.database_url.endswith("@db:5432/pathways")


def test_development_keeps_a_placeholder_password() -> None:
    url = "postgresql+psycopg://pathways:changeme@db:5432/pathways"
    assert settings(database_url=url).database_url == url


@pytest.mark.parametrize(
    "secret",
    [
        "short-but-secret-9",
        "an-example-session-secret-at-least-32-chars",
        "changemechangemechangemechangeme",
    ],
)
def test_the_error_never_contains_the_secret(secret: str) -> None:
    message = refusal(
        environment="production",
        session_secret=secret,
        database_url=f"postgresql+psycopg://pathways:{secret}-changeme@db/pathways",
    )
    assert secret not in message
    # The underlying validation error is not chained in, and hides its input too.
    with pytest.raises(SettingsError) as refused:
        settings(environment="production", session_secret=secret)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert secret not in str(refused.value.__context__)


def test_time_travel_is_refused_in_production_even_when_allowed() -> None:
    loaded = settings(environment="production", session_secret=GOOD_SECRET, allow_time_travel=True)
    with pytest.raises(TimeTravelRefusedError, match="never in production"):
        ensure_allowed(loaded)


def test_time_travel_is_allowed_in_development_when_switched_on() -> None:
    ensure_allowed(settings(allow_time_travel=True))
    with pytest.raises(TimeTravelRefusedError):
        ensure_allowed(settings())


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PATHWAYS_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "deadline", "review-request", "--start", "2026-12-24"],
        capture_output=True,
        text=True,
        env={
            **clean,
            "PYTHONPATH": str(REPO_ROOT),
            "PATHWAYS_LOG_DIR": str(tmp_path),
            "PATHWAYS_AUDIT_KEY": GOOD_AUDIT_KEY,
            **env,
        },
        # Away from the repository, so no .env file there is read.
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_the_cli_refuses_an_unknown_environment_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, PATHWAYS_ENVIRONMENT="prod")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: PATHWAYS_ENVIRONMENT: 'prod' is not one of ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_the_cli_refuses_a_placeholder_secret_without_printing_it(tmp_path: Path) -> None:
    secret = "example-secret-that-is-long-enough-to-pass"
    result = run_cli(tmp_path, PATHWAYS_ENVIRONMENT="production", PATHWAYS_SESSION_SECRET=secret)
    assert result.returncode == 2
    assert result.stderr == (
        "error: PATHWAYS_SESSION_SECRET: is a placeholder; production needs a randomly "
        "generated secret\n"
    )
    assert secret not in result.stdout + result.stderr


def test_the_cli_starts_in_production_with_a_good_secret(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, PATHWAYS_ENVIRONMENT="production", PATHWAYS_SESSION_SECRET=GOOD_SECRET
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2027-01-13"
