"""Joining a client's Discord account to their Pathwise account with a one-time code.

After payment the client gets, in Telegram, an invite to the Pathwise Discord server and a
short code; in Discord they type ``/link CODE``. A code:

- has 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
  ``ABCD-EFGH``, and is read back forgiving case, spaces and dashes;
- works for ``link_code_ttl_minutes`` (15 by default) and only once;
- can be tried at most 5 times a minute per Discord account. Attempts are rows in the
  database, so the limit holds across restarts and across workers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from core.accounts import Platform
from core.db import Database, UnitOfWork
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.models import Client, PlatformIdentity
from core.models.sessions import LinkAttempt, LinkCode
from core.texts import linking as t

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_ATTEMPTS_PER_MINUTE",
    "DiscordAccountTaken",
    "LinkCodeExpired",
    "LinkCodeUnknown",
    "LinkCodeUsed",
    "LinkResult",
    "Linking",
    "TooManyLinkAttempts",
    "format_code",
    "issue_link_code",
    "normalize_code",
    "prune_link_data",
]

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols, none mistaken for another
CODE_LENGTH = 8  # 31**8, about 8.5e11 codes: guessing at 5 a minute is hopeless
MAX_ATTEMPTS_PER_MINUTE = 5
ATTEMPT_WINDOW = timedelta(minutes=1)
# Used and expired codes are kept a while, so "that code was used" can be told apart from
# "that code is wrong"; then they go.
KEEP_OLD_CODES = timedelta(days=1)


class LinkCodeUnknown(ValidationFailed):
    user_message = t.CODE_UNKNOWN


class LinkCodeExpired(ValidationFailed):
    user_message = t.CODE_EXPIRED


class LinkCodeUsed(Conflict):
    user_message = t.CODE_USED


class TooManyLinkAttempts(NotAllowed):
    user_message = t.TOO_MANY_TRIES


class DiscordAccountTaken(Conflict):
    user_message = t.ACCOUNT_TAKEN


@dataclass(frozen=True, slots=True)
class LinkResult:
    """Who the Discord account now belongs to."""

    client_id: int
    display_name: str
    already_linked: bool  # the account was this client's already (a harmless repeat)
    locale: str = "en_US"  # the client's: the answer is theirs to read


def normalize_code(text: str) -> str:
    """What the person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\t\n")


def format_code(code: str) -> str:
    """A code as shown to people: ``ABCD-EFGH``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def issue_link_code(uow: UnitOfWork, client_id: int, now: datetime, ttl: timedelta) -> str:
    """A fresh code for the client, in the caller's transaction; returns it (unformatted)."""
    while True:
        code = _new_code()
        # A clash is one in ~10^11; look first rather than spoil the caller's transaction.
        taken = await uow.session.scalar(select(LinkCode.id).where(LinkCode.code == code))
        if taken is None:
            break
    uow.session.add(LinkCode(code=code, client_id=client_id, created_at=now, expires_at=now + ttl))
    await uow.session.flush()
    return code


async def prune_link_data(uow: UnitOfWork, now: datetime) -> None:
    """Forget attempts older than the rate window and codes long past their use."""
    await uow.session.execute(
        delete(LinkAttempt).where(LinkAttempt.attempted_at < now - ATTEMPT_WINDOW)
    )
    await uow.session.execute(delete(LinkCode).where(LinkCode.expires_at < now - KEEP_OLD_CODES))


class Linking:
    """``/link CODE``: checks the rate limit, then redeems the code."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def link_discord(self, text: str, discord_user_id: int, now: datetime) -> LinkResult:
        """Join ``discord_user_id`` to the client the code was issued to."""
        await self._count_attempt(discord_user_id, now)
        code = normalize_code(text)
        if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
            raise LinkCodeUnknown(
                t.CODE_MALFORMED(length=CODE_LENGTH, example=format_code("ABCD2345"))
            )
        async with self.db.uow() as uow:
            result = await _redeem(uow, code, discord_user_id, now)
            await uow.commit()
        return result

    async def _count_attempt(self, discord_user_id: int, now: datetime) -> None:
        """Record this try (committed even when the code is wrong) and refuse past the limit.

        The row is written before counting, so two simultaneous tries both see each other:
        at the limit both are refused rather than both let through.
        """
        async with self.db.uow() as uow:
            await uow.session.execute(
                delete(LinkAttempt)
                .where(LinkAttempt.platform_user_id == discord_user_id)
                .where(LinkAttempt.attempted_at <= now - ATTEMPT_WINDOW)
            )
            uow.session.add(LinkAttempt(platform_user_id=discord_user_id, attempted_at=now))
            await uow.session.flush()
            recent = await uow.session.scalar(
                select(func.count())
                .select_from(LinkAttempt)
                .where(LinkAttempt.platform_user_id == discord_user_id)
                .where(LinkAttempt.attempted_at > now - ATTEMPT_WINDOW)
            )
            await uow.commit()
        if (recent or 0) > MAX_ATTEMPTS_PER_MINUTE:
            raise TooManyLinkAttempts()


async def _redeem(uow: UnitOfWork, code: str, discord_user_id: int, now: datetime) -> LinkResult:
    """Use the code once (under a row lock) and join the accounts."""
    row = await uow.session.scalar(
        select(LinkCode)
        .where(LinkCode.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise LinkCodeUnknown()
    if row.used_at is not None:
        raise LinkCodeUsed()
    if row.expires_at <= now:
        raise LinkCodeExpired()
    client = await uow.session.get(Client, row.client_id)
    if client is None:
        raise LinkCodeUnknown()
    existing = await uow.session.scalar(
        select(PlatformIdentity)
        .where(PlatformIdentity.platform == Platform.DISCORD.value)
        .where(PlatformIdentity.platform_user_id == discord_user_id)
    )
    already = False
    if existing is not None:
        if existing.client_id != client.id:
            # An advisor's account, or another client's: never moved silently.
            raise DiscordAccountTaken()
        already = True
    else:
        # A client who changed Discord accounts: the new one replaces the old.
        await uow.session.execute(
            delete(PlatformIdentity)
            .where(PlatformIdentity.platform == Platform.DISCORD.value)
            .where(PlatformIdentity.client_id == client.id)
        )
        uow.session.add(
            PlatformIdentity(
                platform=Platform.DISCORD.value,
                platform_user_id=discord_user_id,
                client_id=client.id,
                created_at=now,
            )
        )
    row.used_at = now
    row.used_by_user_id = discord_user_id
    await uow.session.flush()
    return LinkResult(client.id, client.display_name, already, client.locale)
