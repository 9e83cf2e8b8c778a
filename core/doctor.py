"""``pathwise doctor``: what is wrong with this installation's configuration, one line each.

Checks never print a secret: a finding names the variable and what is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import SecretStr

from core.config import ENV_PREFIX, Settings
from core.db import Database
from core.errors import DatabaseNotReady

_TELEGRAM_TOKEN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
_DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``ok`` or a problem with what to do about it."""

    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FIX '} {self.text}"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _var(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


def discord_token_well_formed(settings: Settings) -> bool:
    """The Discord token is set and shaped like one (worth asking Discord about)."""
    token = _secret(settings.discord_token)
    return token is not None and _DISCORD_TOKEN.match(token) is not None


def check_tokens(settings: Settings) -> list[Finding]:
    """Tokens and keys present and shaped as their issuers make them."""
    findings = []
    telegram = _secret(settings.telegram_token)
    if telegram is None:
        findings.append(
            Finding(False, f"{_var('telegram_token')} is not set: get one from @BotFather.")
        )
    elif not _TELEGRAM_TOKEN.match(telegram):
        findings.append(
            Finding(
                False,
                f"{_var('telegram_token')} does not look like a BotFather token (digits:letters).",
            )
        )
    else:
        findings.append(Finding(True, "Telegram token is set and well-formed."))
    discord = _secret(settings.discord_token)
    if discord is None:
        findings.append(
            Finding(
                False,
                f"{_var('discord_token')} is not set: "
                "copy the bot token from the Discord developer portal.",
            )
        )
    elif not _DISCORD_TOKEN.match(discord):
        findings.append(
            Finding(
                False,
                f"{_var('discord_token')} does not look like a Discord bot token "
                "(three dot-separated parts).",
            )
        )
    else:
        findings.append(Finding(True, "Discord token is set and well-formed."))
    if settings.discord_guild_id is None:
        findings.append(
            Finding(
                False,
                f"{_var('discord_guild_id')} is not set: the id of the Pathwise Discord server.",
            )
        )
    if settings.discord_admin_role_id is None:
        findings.append(
            Finding(
                False,
                f"{_var('discord_admin_role_id')} is not set: admin commands will refuse everyone.",
            )
        )
    return findings


def check_stripe(settings: Settings) -> list[Finding]:
    """The Stripe key's mode (test or live) and the webhook signing secret."""
    key = _secret(settings.stripe_secret_key)
    findings = []
    if key is None:
        findings.append(
            Finding(
                False,
                f"{_var('stripe_secret_key')} is not set: "
                "use the secret key from the Stripe dashboard.",
            )
        )
    elif key.startswith(("sk_live_", "rk_live_")):
        findings.append(Finding(True, "Stripe key is a LIVE key: real cards will be charged."))
    elif key.startswith(("sk_test_", "rk_test_")):
        findings.append(Finding(True, "Stripe key is a test key: no real money moves."))
    else:
        findings.append(
            Finding(
                False,
                f"{_var('stripe_secret_key')} is not a Stripe secret key (sk_test_… or sk_live_…).",
            )
        )
    if key is not None and settings.stripe_api_base:
        findings.append(
            Finding(
                False,
                f"{_var('stripe_api_base')} is set: Stripe calls go to "
                f"{settings.stripe_api_base}, not to Stripe. Unset it in production.",
            )
        )
    secret = _secret(settings.stripe_webhook_secret)
    if secret is None:
        findings.append(
            Finding(
                False,
                f"{_var('stripe_webhook_secret')} is not set: "
                "every Stripe webhook would be refused.",
            )
        )
    elif not secret.startswith("whsec_"):
        findings.append(
            Finding(
                False, f"{_var('stripe_webhook_secret')} is not a webhook signing secret (whsec_…)."
            )
        )
    else:
        findings.append(Finding(True, "Stripe webhook signing secret is set."))
    findings.append(_connect_secret_finding(settings, key is not None))
    return findings


def _connect_secret_finding(settings: Settings, stripe_configured: bool) -> Finding:
    """Advisors' ``account.updated`` comes from a second endpoint with its own secret."""
    connect = _secret(settings.stripe_connect_webhook_secret)
    name = _var("stripe_connect_webhook_secret")
    if connect is None:
        return Finding(
            not stripe_configured,
            f"{name} is not set: advisors' finished payout onboarding is never received, so "
            "their payouts are not switched on. Add a Stripe endpoint listening to connected "
            "accounts (event account.updated) and put its signing secret there."
            if stripe_configured
            else f"{name} is not set (needed once Stripe is).",
        )
    if not connect.startswith("whsec_"):
        return Finding(False, f"{name} is not a webhook signing secret (whsec_…).")
    return Finding(True, "Stripe connected-accounts webhook signing secret is set.")


async def check_database(settings: Settings) -> list[Finding]:
    """The database is reachable and migrated."""
    try:
        database = Database(settings.database_url)
    except DatabaseNotReady as error:
        return [Finding(False, str(error))]
    try:
        await database.check_ready()
    except DatabaseNotReady as error:
        return [Finding(False, str(error))]
    finally:
        await database.dispose()
    return [Finding(True, "Database is reachable and migrated.")]


def check_public_url(settings: Settings) -> list[Finding]:
    """A public URL, if set, must be HTTPS (Telegram and Stripe refuse plain HTTP webhooks)."""
    if not settings.public_url:
        return [Finding(True, "No public URL: Telegram will use polling.")]
    if not settings.public_url.startswith("https://"):
        return [Finding(False, f"{_var('public_url')} must start with https:// for webhooks.")]
    if settings.telegram_webhook_secret is None:
        return [
            Finding(
                False, f"{_var('telegram_webhook_secret')} is not set: needed with a public URL."
            )
        ]
    return []
