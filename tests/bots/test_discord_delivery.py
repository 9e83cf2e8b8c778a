"""Advisors' DMs and the team's notices leave the outbox through discord.py: at least once,
with backoff, and into a private advisor channel when DMs are closed."""

from __future__ import annotations

from datetime import timedelta

import discord

from core.models.outbox import OutboxStatus
from devtools.discord_recorder import BOT_ID
from tests.support.discord_bot import ADMIN, ADMIN_ROLE, STRANGER, Env
from tests.support.sessions import (
    ADVISOR_DISCORD,
    link_discord,
    messages,
    paid_booking,
)

VIEW, SEND, HISTORY = 1 << 10, 1 << 11, 1 << 16


def dm_texts(env: Env, user_id: int) -> list[str]:
    return [m["content"] for m in env.fake.messages.get(user_id + 1, [])]  # the fake's DM id


async def test_the_advisor_gets_a_dm_for_a_new_booking_with_what_they_earn(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock)
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )

    assert await env.bot.delivery.deliver_due() == 1

    [dm] = dm_texts(env, ADVISOR_DISCORD)
    assert dm.startswith(
        "New booking paid: 60-minute live session with Zoë Łukasz 李雷 on "
        "Wed 25 Nov 2026, 10:00 (Europe/Madrid). You earn $60.00, paid out after the "
        "72-hour money-back window following the session."
    )
    [row] = await messages(env.db, "payment_received")
    assert row.status == OutboxStatus.SENT
    assert await env.bot.delivery.deliver_due() == 0  # sent once


async def test_reminders_reach_the_advisor_by_dm(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock, starts_in=timedelta(days=3))
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )
    await env.bot.sessions.tick()
    await env.bot.delivery.deliver_due()
    env.clock.advance(timedelta(days=2))

    await env.bot.sessions.tick()
    await env.bot.delivery.deliver_due()

    assert dm_texts(env, ADVISOR_DISCORD)[-1].startswith(
        "Reminder: 60-minute live session with Zoë Łukasz 李雷 tomorrow, Thu 26 Nov, 10:00 "
        "your time."
    )


async def test_closed_dms_fall_back_to_a_private_advisor_channel(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock)
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )
    env.fake.closed_dms.add(ADVISOR_DISCORD)

    assert await env.bot.delivery.deliver_due() == 1

    inbox = discord.utils.get(env.guild.text_channels, name=f"advisor-{paid.world.advisor_id}")
    assert inbox is not None and inbox.category is not None
    raw = {int(o["id"]): o for o in env.fake.channels[inbox.id]["permission_overwrites"]}
    assert set(raw) == {env.guild.id, ADVISOR_DISCORD, BOT_ID}
    assert int(raw[env.guild.id]["deny"]) == VIEW
    assert int(raw[ADVISOR_DISCORD]["allow"]) == VIEW | HISTORY
    advisor = env.guild.get_member(ADVISOR_DISCORD)
    stranger = env.guild.get_member(STRANGER)
    assert advisor is not None and stranger is not None
    assert inbox.permissions_for(advisor).view_channel
    assert not inbox.permissions_for(stranger).view_channel
    notice, payment = (m["content"] for m in env.fake.messages[inbox.id])
    assert "couldn't send you a direct message" in notice
    assert payment.startswith(f"<@{ADVISOR_DISCORD}> New booking paid:")

    # The next message goes to the same channel.
    await env.bot.sessions.tick()
    env.clock.set(env.clock.now() + timedelta(days=1))
    await env.bot.sessions.tick()
    await env.bot.delivery.deliver_due()
    assert len([c for c in env.guild.text_channels if c.name.startswith("advisor-")]) == 1
    assert "Reminder" in env.fake.messages[inbox.id][-1]["content"]


async def test_a_discord_outage_is_retried_with_backoff(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock)
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )
    env.fake.fail_next.extend([503])

    assert await env.bot.delivery.deliver_due() == 0
    [row] = await messages(env.db, "payment_received")
    assert row.status == OutboxStatus.PENDING and row.last_error == "HTTP 503"
    assert row.next_attempt_at == env.clock.now() + timedelta(seconds=30)

    assert await env.bot.delivery.deliver_due() == 0  # not yet
    env.clock.advance(timedelta(seconds=30))
    assert await env.bot.delivery.deliver_due() == 1
    assert len(dm_texts(env, ADVISOR_DISCORD)) == 1


async def test_an_advisor_without_discord_is_marked_undeliverable(env: Env) -> None:
    await paid_booking(env.db, env.settings, env.clock)

    assert await env.bot.delivery.deliver_due() == 0
    [row] = await messages(env.db, "payment_received")
    assert row.status == OutboxStatus.UNDELIVERABLE


async def test_team_notices_go_to_a_channel_only_the_admin_role_sees(env: Env) -> None:
    from core import outbox
    from core.outbox import Audience

    async with env.db.uow() as uow:
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="dispute",
            text="A payment was disputed.",
            dedupe_key="dispute:test",
            now=env.clock.now(),
        )
        await uow.commit()

    assert await env.bot.delivery.deliver_due() == 1

    channel = discord.utils.get(env.guild.text_channels, name="pathwise-admin")
    assert channel is not None
    assert env.fake.messages[channel.id][-1]["content"] == "A payment was disputed."
    admin, stranger = env.guild.get_member(ADMIN), env.guild.get_member(STRANGER)
    assert admin is not None and stranger is not None
    assert channel.permissions_for(admin).view_channel
    assert not channel.permissions_for(stranger).view_channel
    raw = {int(o["id"]) for o in env.fake.channels[channel.id]["permission_overwrites"]}
    assert raw == {env.guild.id, ADMIN_ROLE, BOT_ID}
