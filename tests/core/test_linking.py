"""Link codes: short, unambiguous, short-lived, single use, and not guessable by trying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts import Platform, find_client, platform_user_id
from core.clock import ManualClock
from core.db import Database
from core.linking import (
    CODE_ALPHABET,
    DiscordAccountTaken,
    LinkCodeExpired,
    LinkCodeUnknown,
    LinkCodeUsed,
    Linking,
    TooManyLinkAttempts,
    format_code,
    issue_link_code,
    normalize_code,
    prune_link_data,
)
from core.models import Advisor, Client, PlatformIdentity
from core.models.sessions import LinkAttempt

TTL = timedelta(minutes=15)
ZOE, ANA_DISCORD = 4_000_000_000_000_001, 4_000_000_000_000_002


async def new_client(db: Database, clock: ManualClock, name: str = "Zoë") -> int:
    async with db.uow() as uow:
        client = Client(display_name=name, created_at=clock.now())
        uow.session.add(client)
        await uow.commit()
        return client.id


async def code_for(db: Database, clock: ManualClock, client_id: int) -> str:
    async with db.uow() as uow:
        code = await issue_link_code(uow, client_id, clock.now(), TTL)
        await uow.commit()
        return code


async def test_codes_are_eight_characters_without_look_alikes(
    db: Database, clock: ManualClock
) -> None:
    client_id = await new_client(db, clock)
    codes = {await code_for(db, clock, client_id) for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) == 31


def test_codes_are_shown_in_two_halves_and_read_back_forgivingly() -> None:
    assert format_code("ABCD2345") == "ABCD-2345"
    assert normalize_code(" abcd-2345 ") == "ABCD2345"
    assert normalize_code("abcd 2345") == "ABCD2345"


async def test_a_code_joins_the_discord_account_to_the_client(
    db: Database, clock: ManualClock
) -> None:
    client_id = await new_client(db, clock)
    code = await code_for(db, clock, client_id)

    result = await Linking(db).link_discord(format_code(code).lower(), ZOE, clock.now())

    assert result.client_id == client_id and not result.already_linked
    async with db.uow() as uow:
        client = await find_client(uow, Platform.DISCORD, ZOE)
        assert client is not None and client.id == client_id


async def test_a_code_works_once(db: Database, clock: ManualClock) -> None:
    client_id = await new_client(db, clock)
    code = await code_for(db, clock, client_id)
    linking = Linking(db)
    await linking.link_discord(code, ZOE, clock.now())

    with pytest.raises(LinkCodeUsed, match="already been used"):
        await linking.link_discord(code, ZOE + 5, clock.now())
    async with db.uow() as uow:
        assert await find_client(uow, Platform.DISCORD, ZOE + 5) is None


async def test_a_code_expires_after_fifteen_minutes(db: Database, clock: ManualClock) -> None:
    client_id = await new_client(db, clock)
    early, late = await code_for(db, clock, client_id), await code_for(db, clock, client_id)
    linking = Linking(db)

    clock.advance(TTL - timedelta(seconds=1))
    await linking.link_discord(early, ZOE, clock.now())
    clock.advance(timedelta(seconds=1))
    with pytest.raises(LinkCodeExpired, match="expired"):
        await linking.link_discord(late, ZOE + 1, clock.now())


async def test_a_wrong_or_malformed_code_gets_a_clear_answer(
    db: Database, clock: ManualClock
) -> None:
    linking = Linking(db)
    with pytest.raises(LinkCodeUnknown, match="doesn't match any we sent"):
        await linking.link_discord("ABCD-2345", ZOE, clock.now())
    with pytest.raises(LinkCodeUnknown, match="8 letters and digits, like ABCD-2345"):
        await linking.link_discord("hello", ZOE, clock.now())
    with pytest.raises(LinkCodeUnknown, match="8 letters and digits"):
        await linking.link_discord("ABCD-2340", ZOE, clock.now())  # 0 is never in a code


async def test_five_tries_a_minute_then_wait(db: Database, clock: ManualClock) -> None:
    client_id = await new_client(db, clock)
    code = await code_for(db, clock, client_id)
    linking = Linking(db)
    for _ in range(5):
        with pytest.raises(LinkCodeUnknown):
            await linking.link_discord("ZZZZ-ZZZZ", ZOE, clock.now())
        clock.advance(timedelta(seconds=5))

    # The sixth try is refused even with the right code; another person is not affected.
    with pytest.raises(TooManyLinkAttempts, match="wait a minute"):
        await linking.link_discord(code, ZOE, clock.now())
    with pytest.raises(LinkCodeUnknown):
        await linking.link_discord("ZZZZ-ZZZZ", ZOE + 1, clock.now())

    clock.advance(timedelta(seconds=60))
    assert (await linking.link_discord(code, ZOE, clock.now())).client_id == client_id


async def test_the_limit_survives_a_restart(db: Database, clock: ManualClock) -> None:
    for _ in range(5):
        with pytest.raises(LinkCodeUnknown):
            await Linking(db).link_discord("ZZZZ-ZZZZ", ZOE, clock.now())
    with pytest.raises(TooManyLinkAttempts):
        await Linking(db).link_discord("ZZZZ-ZZZZ", ZOE, clock.now())  # a fresh Linking


async def test_an_account_already_linked_elsewhere_is_never_moved(
    db: Database, clock: ManualClock
) -> None:
    zoe, max_ = await new_client(db, clock), await new_client(db, clock, "Max")
    linking = Linking(db)
    await linking.link_discord(await code_for(db, clock, zoe), ZOE, clock.now())

    with pytest.raises(DiscordAccountTaken, match="already linked to another"):
        await linking.link_discord(await code_for(db, clock, max_), ZOE, clock.now())

    async with db.uow() as uow:
        advisor = Advisor(
            slug="ana", display_name="Ana", bio="", timezone="UTC", created_at=clock.now()
        )
        uow.session.add(advisor)
        await uow.session.flush()
        uow.session.add(
            PlatformIdentity(
                platform="discord",
                platform_user_id=ANA_DISCORD,
                advisor_id=advisor.id,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    with pytest.raises(DiscordAccountTaken):
        await linking.link_discord(await code_for(db, clock, max_), ANA_DISCORD, clock.now())


async def test_linking_again_is_harmless_and_a_new_discord_account_replaces_the_old(
    db: Database, clock: ManualClock
) -> None:
    zoe = await new_client(db, clock)
    linking = Linking(db)
    await linking.link_discord(await code_for(db, clock, zoe), ZOE, clock.now())

    again = await linking.link_discord(await code_for(db, clock, zoe), ZOE, clock.now())
    assert again.already_linked

    await linking.link_discord(await code_for(db, clock, zoe), ZOE + 9, clock.now())
    async with db.uow() as uow:
        assert await platform_user_id(uow, Platform.DISCORD, client_id=zoe) == ZOE + 9
        count = await uow.session.scalar(
            select(func.count())
            .select_from(PlatformIdentity)
            .where(PlatformIdentity.client_id == zoe, PlatformIdentity.platform == "discord")
        )
        assert count == 1


async def test_old_attempts_and_codes_are_forgotten(db: Database, clock: ManualClock) -> None:
    client_id = await new_client(db, clock)
    await code_for(db, clock, client_id)
    with pytest.raises(LinkCodeUnknown):
        await Linking(db).link_discord("ZZZZ-ZZZZ", ZOE, clock.now())

    clock.advance(timedelta(days=2))
    async with db.uow() as uow:
        await prune_link_data(uow, clock.now())
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(LinkAttempt)) == 0
