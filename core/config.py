"""Settings, read from ``PATHWISE_*`` environment variables and a ``.env`` file.

Nothing here is read at import time: the composition root calls :func:`load_settings`
once and passes the result in; a setting it cannot use is a :class:`SettingsInvalid` with
one line per variable, naming it and the fix. Secrets are optional so that the demo and the
tests run without them; a feature that needs one calls :meth:`Settings.require` when it
starts, which names the missing variable.
"""

from __future__ import annotations

import importlib.util
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.errors import ConfigurationError

ENV_PREFIX = "PATHWISE_"
# The async driver each supported database is used through, with a URL to copy.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
DATABASE_URL_EXAMPLES = {
    "sqlite": "sqlite+aiosqlite:///data/pathwise.sqlite3",
    "postgresql": "postgresql+asyncpg://user:password@localhost:5432/pathwise",
}


def default_database_url() -> str:
    """A SQLite file in ./data, the local data folder."""
    return f"sqlite+aiosqlite:///{Path('data') / 'pathwise.sqlite3'}"


class Settings(BaseSettings):
    """Every Pathwise setting, with its default. See the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # Storage
    database_url: str = Field(default_factory=default_database_url)

    # Money rules (DESIGN.md: the business rules)
    currency: str = "USD"
    handling_fee_minor: int = Field(default=349, ge=0)
    guarantee_window_hours: int = Field(default=72, ge=0)
    commission_percent: int = Field(default=0, ge=0, le=100)
    tip_min_minor: int = Field(default=100, ge=1)
    tip_max_minor: int = Field(default=50_000, ge=1)
    budget_max_minor: int = Field(default=1_000_000, ge=1)  # a budget above it is a typo
    # JSON from the environment, read by _json_list so that a typo is named with the others
    tip_presets_minor: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [300, 500, 1000]
    )
    locale: str = "en_US"
    # The language of what the team reads (the admin channel, doctor's and ledger's answers):
    # one Pathwise speaks (core.i18n.languages()).
    team_language: str = "en"

    # Scheduling and sessions
    slot_hold_minutes: int = Field(default=30, ge=1)
    free_cancel_hours: int = Field(default=24, ge=0)
    buffer_minutes: int = Field(default=10, ge=0)
    min_notice_hours: int = Field(default=2, ge=0)
    booking_horizon_days: int = Field(default=14, ge=1, le=365)
    channel_open_minutes_before: int = Field(default=10, ge=0)
    channel_retention_hours: int = Field(default=24, ge=0)
    link_code_ttl_minutes: int = Field(default=15, ge=1)
    # Where a client is in the bot's flows (an abandoned intake included) is forgotten after
    # this long without a word from them.
    conversation_retention_hours: int = Field(default=24, ge=1, le=24 * 90)

    # Safety: a client whose words suggest a risk to life alerts their advisor and the team
    # at most once in this many minutes (0: every time)
    crisis_alert_interval_minutes: int = Field(default=60, ge=0)

    # The platform as printed on receipts
    platform_name: str = "Pathwise"
    platform_address: str = "Pathwise Advice Ltd, 1 Example Street, Springfield"

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_bot_username: str = "PathwiseBot"
    # PATHWISE_BOT_LINK: where a link back to the bot points (Stripe's pages after paying or
    # cancelling, by default); unset, the Telegram bot's own https://t.me/<username> link.
    bot_link: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: SecretStr | None = None
    public_url: str | None = None

    # Discord
    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None
    discord_admin_role_id: int | None = None
    # "auto": as many gateway shards as Discord recommends (one for a bot in one server).
    discord_shards: Annotated[int, Field(ge=1)] | Literal["auto"] = "auto"

    # Stripe
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    # The second endpoint's, which listens to connected accounts (advisors' account.updated)
    stripe_connect_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    checkout_success_url: str | None = None
    checkout_cancel_url: str | None = None

    # Web server
    web_host: str = "127.0.0.1"
    web_port: int = 8080

    # Logs (``pathwise run``): one line per event, ids only, never contents or secrets
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code, like USD")
        return value

    @field_validator("team_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from core import i18n

        value = value.strip().lower()
        if value not in i18n.languages():
            raise ValueError(f"must be one of {', '.join(i18n.languages())}")
        return value

    @field_validator("tip_presets_minor", mode="before")
    @classmethod
    def _json_list(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("must be a JSON list, like [300, 500, 1000]") from None

    @field_validator("discord_shards", "log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.upper() if info.field_name == "log_level" else value.lower()

    @property
    def bot_url(self) -> str:
        """The link that brings a client back to the bot (``bot_link``, or its t.me link)."""
        return self.bot_link or f"https://t.me/{self.telegram_bot_username}"

    @property
    def team_locale(self) -> str:
        """The locale the team's messages are written in: the platform's ``locale`` when it
        is in ``team_language`` (amounts read as before), else the team language itself."""
        from core import i18n

        if i18n.supported(self.locale, "") == self.team_language:
            return self.locale
        return self.team_language

    def require(self, name: str) -> str:
        """The value of setting ``name``; raises ConfigurationError naming its variable if unset."""
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value in (None, ""):
            raise ConfigurationError(
                f"{ENV_PREFIX}{name.upper()} is not set; "
                "put it in the environment or in .env to use this feature."
            )
        return str(value)

    # Receipts: the platform's registration and tax numbers, printed under its address when
    # set; and the tax rate whose share each receipt line shows (unset: no tax lines).
    company_registration_number: str | None = None
    tax_id: str | None = None
    tax_name: str = Field(default="VAT", pattern=r"\S")  # a word, not blank
    # An exact percentage ("21", "7.5"), at most two decimals (basis points); never a float.
    tax_rate_percent: str | None = None
    # true: prices already include the tax (a receipt shows the tax within each line).
    # false (tax added on top) is refused while a rate is set: Stripe would be asked for less
    # than such a receipt totals.
    prices_include_tax: bool = True

    @field_validator("tax_rate_percent")
    @classmethod
    def _exact_tax_rate(cls, value: str | None) -> str | None:
        text = (value or "").strip().removesuffix("%").strip()
        if not text:
            return None
        if not re.fullmatch(r"[0-9]{1,2}(?:\.[0-9]+)?", text):
            raise ValueError("must be a percentage below 100 written like 21 or 7.5")
        if Decimal(text) != Decimal(text).quantize(Decimal("0.01")):
            raise ValueError("must have at most two decimals (basis points), like 7.25")
        return format(Decimal(text).normalize(), "f")  # "20", "7.5": as people write it

    @field_validator("prices_include_tax")
    @classmethod
    def _inclusive_tax_only(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and info.data.get("tax_rate_percent"):
            raise ValueError(
                "false (tax added on top of prices) is not supported yet; set it to true "
                "(prices include the tax) or unset PATHWISE_TAX_RATE_PERCENT"
            )
        return value

    @property
    def tax_basis_points(self) -> int | None:
        """The tax rate in hundredths of a percent (21 % is 2100); None when no rate is set."""
        if not self.tax_rate_percent:
            return None
        return int(Decimal(self.tax_rate_percent) * 100)


class SettingsInvalid(ConfigurationError):
    """Settings that cannot be used; ``problems`` has one line for each variable, naming it
    and what to set instead."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def database_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be Pathwise's database and the URL to write instead, in words that
    follow "PATHWISE_DATABASE_URL: "; None if it can be used. Never shows a password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return (
            f"not a database URL; write it like {DATABASE_URL_EXAMPLES['sqlite']} "
            f"or {DATABASE_URL_EXAMPLES['postgresql']}"
        )
    backend, _, driver = parsed.drivername.partition("+")
    backend = "postgresql" if backend == "postgres" else backend
    if backend not in ASYNC_DRIVERS:
        return (
            f"{backend} is not supported; use SQLite ({DATABASE_URL_EXAMPLES['sqlite']}) "
            f"or PostgreSQL ({DATABASE_URL_EXAMPLES['postgresql']})"
        )
    wanted = ASYNC_DRIVERS[backend]
    if driver != wanted:
        fixed = parsed.set(drivername=f"{backend}+{wanted}").render_as_string(hide_password=True)
        return f"{parsed.drivername}:// needs the async driver {wanted}: write {fixed}"
    if importlib.util.find_spec(wanted) is None:
        return f"the driver {wanted} is not installed: pip install {wanted}"
    return None


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL, an in-memory or an unusable URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class _CheckedSettings(Settings):
    """Settings as a command loads them: its database URL must be one it can open (a
    Settings made in code may carry a URL it never connects to)."""

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


# pydantic-settings names the field whose value is not JSON in its message.
_NOT_JSON = re.compile(r'error parsing value for field "(?P<field>\w+)"')


def _variable(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _problems(error: ValidationError) -> list[str]:
    """One line per variable (a setting with several accepted forms has several messages)."""
    messages: dict[str, list[str]] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        text = problem["msg"].removeprefix("Value error, ")
        messages.setdefault(field, []).append(text)
    return [
        f"{_variable(field) if field else 'settings'}: {'; or '.join(texts)}."
        for field, texts in messages.items()
    ]


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and .env; keyword overrides win (tests, CLI flags).
    Raises SettingsInvalid, one line per bad variable, if any cannot be used."""
    try:
        return _CheckedSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsInvalid(_problems(error)) from None
    except SettingsError as error:  # a structured setting that is not JSON
        found = _NOT_JSON.search(str(error))
        name = _variable(found["field"]) if found else "settings"
        raise SettingsInvalid([f"{name}: must be valid JSON."]) from None
