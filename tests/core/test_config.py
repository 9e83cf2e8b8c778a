"""Settings come from PATHWISE_* variables and .env, with the product's defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import ConfigurationError


def test_defaults_match_the_business_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.handling_fee_minor == 349
    assert settings.currency == "USD"
    assert settings.guarantee_window_hours == 72
    assert settings.commission_percent == 0
    assert settings.database_url == "sqlite+aiosqlite:///data/pathwise.sqlite3"


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PATHWISE_HANDLING_FEE_MINOR=299\nPATHWISE_CURRENCY=eur\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_GUARANTEE_WINDOW_HOURS", "48")
    settings = Settings()
    assert settings.handling_fee_minor == 299
    assert settings.currency == "EUR"
    assert settings.guarantee_window_hours == 48


def test_a_missing_secret_is_named_when_the_feature_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATHWISE_TELEGRAM_TOKEN", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="PATHWISE_TELEGRAM_TOKEN is not set"):
        settings.require("telegram_token")


def test_a_secret_is_returned_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "sk_test_123")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.require("stripe_secret_key") == "sk_test_123"
    assert "sk_test_123" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PATHWISE_HANDLING_FEE_MINOR", "-5"),
        ("PATHWISE_MIN_NOTICE_HOURS", "-1"),
        ("PATHWISE_MIN_NOTICE_HOURS", "two"),
        ("PATHWISE_BOOKING_HORIZON_DAYS", "0"),
        ("PATHWISE_BOOKING_HORIZON_DAYS", "1000"),
    ],
)
def test_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable.removeprefix("PATHWISE_").lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_importing_core_reads_no_settings_and_needs_no_tokens(tmp_path: Path) -> None:
    code = "import core.config, core.db, core.models, core.catalogue, core.money; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "", "PATHWISE_HANDLING_FEE_MINOR": "not-a-number"},
        check=False,
    )
    # A broken setting does not matter at import time: nothing is read until load_settings().
    assert result.stdout.strip() == "ok", result.stderr
