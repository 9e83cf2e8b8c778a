"""/deletemydata in Discord, through discord.py's CommandTree and a real button press: only a
linked client can ask, only they can confirm, and the client leaves their open room."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.accounts import Platform, find_client
from core.models import Booking, BookingStatus, Client
from core.privacy import DELETED_CLIENT, AlreadyErased
from core.texts.mydata import ERASED
from core.texts.privacy import NOT_YOUR_BUTTON, NOTHING_LINKED
from devtools.discord_recorder import EPHEMERAL
from tests.support.discord_bot import STRANGER, Env, last_reply_message, slash
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    link_discord,
    paid_booking,
    the_session,
)

MIN = timedelta(minutes=1)


async def _room_open(env: Env) -> tuple[Any, Any, Any]:
    """A paid booking, both people linked, its room open ten minutes before the start with
    the client in it: (the booking, the channel, the client's member)."""
    paid = await paid_booking(env.db, env.settings, env.clock)
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )
    await link_discord(
        env.db, env.clock.now(), client_id=paid.world.client_id, user_id=CLIENT_DISCORD
    )
    await env.bot.sessions.tick()
    s = await the_session(env.db)
    env.clock.set(s.starts_at - 10 * MIN)
    await env.bot.sessions.tick()
    channel = env.guild.get_channel((await the_session(env.db)).channel_id or 0)
    client = env.guild.get_member(CLIENT_DISCORD)
    assert channel is not None and client is not None
    assert channel.permissions_for(client).view_channel
    return paid, channel, client


async def test_deletemydata_in_discord_confirms_then_erases_and_leaves_the_room(
    env: Env,
) -> None:
    paid, channel, client = await _room_open(env)

    assert await slash(env, "deletemydata", STRANGER) == [(NOTHING_LINKED(), EPHEMERAL)]

    [(text, flags)] = await slash(env, "deletemydata", CLIENT_DISCORD)
    assert flags == EPHEMERAL and text.startswith("Delete your data?")
    # Ten minutes before the start: cancelled, but past the free period, so no refund.
    assert "no refund: the free-cancellation period is over" in text
    plan = last_reply_message(env)
    button = env.fake.buttons(plan)["Yes, delete my data"]

    await env.fake.press(env.bot, plan, button, STRANGER)
    assert env.fake.answers()[-1] == (NOT_YOUR_BUTTON(), EPHEMERAL)
    async with env.db.uow() as uow:
        assert await find_client(uow, Platform.DISCORD, CLIENT_DISCORD) is not None

    await env.fake.press(env.bot, plan, button, CLIENT_DISCORD)
    assert env.fake.answers()[-1][0] == ERASED()
    assert not channel.permissions_for(client).view_channel
    async with env.db.uow() as uow:
        assert await find_client(uow, Platform.DISCORD, CLIENT_DISCORD) is None
        erased = await uow.session.get(Client, paid.world.client_id)
        assert erased is not None and erased.display_name == DELETED_CLIENT
        booking = await uow.session.get(Booking, paid.booking_id)
        assert booking is not None and booking.status == BookingStatus.CANCELLED.value

    await env.fake.press(env.bot, plan, button, CLIENT_DISCORD)
    assert env.fake.answers()[-1][0] == AlreadyErased().message


async def test_deleting_from_telegram_takes_the_client_out_of_the_room_on_the_next_tick(
    env: Env,
) -> None:
    """Telegram's /deletemydata runs where Discord cannot be reached: the erasure keeps no id,
    only that the room must be pruned, and the Discord side's tick leaves the advisor alone
    in it."""
    from core.privacy import Privacy

    paid, channel, client = await _room_open(env)
    advisor = env.guild.get_member(ADVISOR_DISCORD)
    assert advisor is not None

    telegram_side = Privacy(env.db, env.settings, env.clock)  # no rooms port, as in Telegram
    result = await telegram_side.erase(paid.world.client_id)
    assert result.rooms_left == 0
    pending = await the_session(env.db)
    assert pending.client_user_id is None and pending.prune_due_at is not None
    assert channel.permissions_for(client).view_channel  # not yet: Discord is not reached

    await env.bot.sessions.tick()
    assert not channel.permissions_for(client).view_channel
    assert channel.permissions_for(advisor).view_channel  # the advisor stays
    assert (await the_session(env.db)).prune_due_at is None
    await env.bot.sessions.tick()  # done once: nothing more to do


async def test_a_spanish_clients_plan_writes_the_refund_the_spanish_way(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock)  # in two days: refundable
    await link_discord(
        env.db, env.clock.now(), client_id=paid.world.client_id, user_id=CLIENT_DISCORD
    )
    async with env.db.uow() as uow:
        client = await uow.session.get(Client, paid.world.client_id)
        assert client is not None
        client.locale = "es_ES"
        await uow.commit()

    [(text, _)] = await slash(env, "deletemydata", CLIENT_DISCORD)
    assert text.startswith("¿Borrar tus datos?")
    assert (
        "reembolso de 60,00\xa0US$ a tu tarjeta (la comisión de gestión no es reembolsable)" in text
    )
    assert "$60.00" not in text
