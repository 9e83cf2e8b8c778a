"""What a command checks before it opens anything: the settings each piece of ``pathwise run``
needs, every missing one named at once, and that the SQLite file it would open exists (opening
a missing one would leave an empty ``data/pathwise.sqlite3`` wherever the command ran)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import SecretStr

from core.config import ENV_PREFIX, Settings, SettingsInvalid, sqlite_file
from core.db import UPGRADE_HINT
from core.errors import DatabaseNotReady

# What each setting is and where to get it, for the line that says it is missing.
WHERE_FROM = {
    "telegram_token": "the bot's token from @BotFather",
    "telegram_webhook_secret": (
        "any long random string; with PATHWISE_PUBLIC_URL set Telegram sends each update to "
        "the webhook with it"
    ),
    "discord_token": "the bot token from the Discord developer portal (Bot > Reset Token)",
    "discord_guild_id": "the id of the Pathwise Discord server",
    "stripe_secret_key": "the secret key from the Stripe dashboard (sk_test_… or sk_live_…)",
    "stripe_webhook_secret": (
        "the signing secret (whsec_…) of the Stripe endpoint PATHWISE_PUBLIC_URL/stripe/webhook; "
        "without it every Stripe event would be refused"
    ),
}


def _always(settings: Settings) -> bool:
    return True


def _webhook_mode(settings: Settings) -> bool:
    return bool(settings.public_url)


@dataclass(frozen=True)
class Need:
    """A setting a piece cannot start without (only ``when`` it applies)."""

    setting: str
    when: Callable[[Settings], bool] = _always


# Read from bots/run.py: every piece builds Billing, whose Stripe client needs the key (the
# Telegram bot opens Checkout for payments, Discord refunds and starts payouts, the web server
# looks payments up when Stripe's events come, the worker pays out and reconciles).
PIECE_NEEDS: dict[str, tuple[Need, ...]] = {
    "telegram": (
        Need("telegram_token"),
        Need("stripe_secret_key"),
        Need("telegram_webhook_secret", _webhook_mode),
    ),
    "discord": (Need("discord_token"), Need("discord_guild_id"), Need("stripe_secret_key")),
    "web": (Need("stripe_secret_key"), Need("stripe_webhook_secret")),
    "worker": (Need("stripe_secret_key"),),
}


def _is_set(settings: Settings, name: str) -> bool:
    value = getattr(settings, name)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value not in (None, "")


def missing_settings(settings: Settings, pieces: Iterable[str]) -> list[str]:
    """One line for each setting the chosen pieces need and do not have, naming the variable,
    the pieces that need it and where to get it; in the order the pieces need them."""
    chosen = [piece for piece in PIECE_NEEDS if piece in set(pieces)]
    needed_by: dict[str, list[str]] = {}
    for piece in chosen:
        for need in PIECE_NEEDS[piece]:
            if need.when(settings) and not _is_set(settings, need.setting):
                needed_by.setdefault(need.setting, []).append(piece)
    return [
        f"{ENV_PREFIX}{name.upper()} is not set (needed by {_listed(users)}): {WHERE_FROM[name]}."
        for name, users in needed_by.items()
    ]


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def missing_database(settings: Settings) -> str | None:
    """The line saying the SQLite file is not there yet and what creates it; None if it is
    there, or the database is not a SQLite file."""
    path = sqlite_file(settings.database_url)
    if path is None or path.exists():
        return None
    return f"There is no database at {path} yet. {UPGRADE_HINT}"


def require_database(settings: Settings) -> None:
    """DatabaseNotReady, saying how to create it, if the SQLite file is missing."""
    problem = missing_database(settings)
    if problem is not None:
        raise DatabaseNotReady(problem)


def require_pieces(settings: Settings, pieces: Iterable[str]) -> None:
    """SettingsInvalid naming every setting ``pieces`` need and do not have, so that nothing
    starts half-configured (a web server refusing every event for want of its secret)."""
    problems = missing_settings(settings, pieces)
    if problems:
        raise SettingsInvalid(problems)
