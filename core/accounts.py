"""Clients and advisors as seen from the chat platforms: find or create by platform identity."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from core import i18n
from core.db import UnitOfWork
from core.models import Advisor, Client, PlatformIdentity


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"


async def find_client(uow: UnitOfWork, platform: Platform, user_id: int) -> Client | None:
    """The client behind a platform account, if there is one."""
    return await uow.session.scalar(
        select(Client)
        .join(PlatformIdentity, PlatformIdentity.client_id == Client.id)
        .where(PlatformIdentity.platform == platform.value)
        .where(PlatformIdentity.platform_user_id == user_id)
    )


async def get_or_create_client(
    uow: UnitOfWork,
    platform: Platform,
    user_id: int,
    display_name: str,
    now: datetime,
    *,
    language_code: str | None = None,
    default_locale: str = "en_US",
) -> Client:
    """The client behind a platform account, created on first contact (not committed here).

    A new client's locale comes from the platform's language tag (Telegram's
    ``language_code``) when Pathwise speaks that language; otherwise ``default_locale`` (the
    settings' ``locale``), in which texts are English unless it names a language we speak."""
    client = await find_client(uow, platform, user_id)
    if client is not None:
        if platform is Platform.TELEGRAM and client.telegram_blocked_at is not None:
            client.telegram_blocked_at = None  # they wrote to us, so they unblocked the bot
        return client
    spoken = i18n.supported(language_code, "")
    locale = i18n.locale_for(language_code) if spoken else default_locale
    client = Client(display_name=display_name[:120] or "Client", locale=locale, created_at=now)
    uow.session.add(client)
    await uow.session.flush()
    uow.session.add(
        PlatformIdentity(
            platform=platform.value, platform_user_id=user_id, client_id=client.id, created_at=now
        )
    )
    await uow.session.flush()
    return client


async def find_advisor(uow: UnitOfWork, platform: Platform, user_id: int) -> Advisor | None:
    """The advisor behind a platform account, if there is one."""
    return await uow.session.scalar(
        select(Advisor)
        .join(PlatformIdentity, PlatformIdentity.advisor_id == Advisor.id)
        .where(PlatformIdentity.platform == platform.value)
        .where(PlatformIdentity.platform_user_id == user_id)
    )


async def platform_user_id(
    uow: UnitOfWork,
    platform: Platform,
    *,
    client_id: int | None = None,
    advisor_id: int | None = None,
) -> int | None:
    """The platform account id of a client or advisor, for delivering messages."""
    query = select(PlatformIdentity.platform_user_id).where(
        PlatformIdentity.platform == platform.value
    )
    if client_id is not None:
        query = query.where(PlatformIdentity.client_id == client_id)
    elif advisor_id is not None:
        query = query.where(PlatformIdentity.advisor_id == advisor_id)
    else:
        raise ValueError("give client_id or advisor_id")
    return await uow.session.scalar(query)


async def mark_telegram_blocked(uow: UnitOfWork, client_id: int, now: datetime) -> None:
    """Telegram says this client blocked the bot: stop trying until they write again."""
    client = await uow.session.get(Client, client_id)
    if client is not None and client.telegram_blocked_at is None:
        client.telegram_blocked_at = now


async def locale_of(uow: UnitOfWork, platform: Platform, user_id: int) -> str | None:
    """The locale Pathwise speaks to the person behind a platform account in: an advisor's
    (set in /profile language), else a client's; None when the account is nobody's."""
    identity = await uow.session.scalar(
        select(PlatformIdentity)
        .where(PlatformIdentity.platform == platform.value)
        .where(PlatformIdentity.platform_user_id == user_id)
    )
    if identity is None:
        return None
    if identity.advisor_id is not None:
        return await uow.session.scalar(
            select(Advisor.locale).where(Advisor.id == identity.advisor_id)
        )
    return await uow.session.scalar(select(Client.locale).where(Client.id == identity.client_id))
