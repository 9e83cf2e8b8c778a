"""Session rooms in Discord, end to end through the bot: core's tick asks, DiscordRooms acts
on discord.py's real models, and FakeDiscord records what Discord would have been told."""

from __future__ import annotations

from datetime import timedelta

import discord

from core.models.sessions import SessionState
from core.outbox import DocumentRef
from devtools.discord_recorder import BOT_ID, EPHEMERAL
from tests.support.billing import pdf_text
from tests.support.discord_bot import MIN, STRANGER, Env, booked, opened
from tests.support.sessions import ADVISOR_DISCORD, CLIENT_DISCORD, messages, the_session

VIEW, SEND, ATTACH, HISTORY = 1 << 10, 1 << 11, 1 << 15, 1 << 16
MANAGE_CHANNELS, MANAGE_MESSAGES, MANAGE_ROLES = 1 << 4, 1 << 13, 1 << 28


def member(env: Env, user_id: int) -> discord.Member:
    found = env.guild.get_member(user_id)
    assert found is not None
    return found


async def test_the_room_is_private_to_the_client_the_advisor_and_the_bot(env: Env) -> None:
    await booked(env)
    channel, _ = await opened(env)

    assert channel.name.startswith("session-") and "zoe" not in channel.name
    assert channel.category is not None and channel.category.name == "Sessions"
    raw = {int(o["id"]): o for o in env.fake.channels[channel.id]["permission_overwrites"]}
    assert set(raw) == {env.guild.id, CLIENT_DISCORD, ADVISOR_DISCORD, BOT_ID}
    assert (int(raw[env.guild.id]["allow"]), int(raw[env.guild.id]["deny"])) == (0, VIEW)
    for person in (CLIENT_DISCORD, ADVISOR_DISCORD):
        assert int(raw[person]["allow"]) == VIEW | SEND | ATTACH | HISTORY
        assert int(raw[person]["deny"]) == 0
    bot_allowed = int(raw[BOT_ID]["allow"])
    wanted = VIEW | SEND | MANAGE_CHANNELS | MANAGE_MESSAGES
    assert bot_allowed & wanted == wanted
    assert not bot_allowed & MANAGE_ROLES, "Discord lets only administrators set it"
    # discord.py's own permission maths agrees.
    for person in (CLIENT_DISCORD, ADVISOR_DISCORD):
        perms = channel.permissions_for(member(env, person))
        assert perms.view_channel and perms.send_messages and perms.attach_files
        assert perms.read_message_history
    assert not channel.permissions_for(member(env, STRANGER)).view_channel


async def test_the_welcome_message_gives_time_length_guidelines_and_the_buttons(
    env: Env,
) -> None:
    await booked(env)
    s = await the_session(env.db)
    channel, welcome = await opened(env)

    [embed] = welcome["embeds"]
    assert embed["title"] == "Welcome to your private room: 60-minute live session with Ana Ruiz"
    start, end = int(s.starts_at.timestamp()), int(s.ends_at.timestamp())
    assert embed["description"] == f"<t:{start}:F> – <t:{end}:t>"  # each reader's own zone
    [guidelines] = embed["fields"]
    assert "Only the two of you and the Pathwise bot" in guidelines["value"]
    assert "Report a problem" in guidelines["value"]
    assert f"<@{CLIENT_DISCORD}>" in welcome["content"]
    assert env.fake.buttons(welcome) == {
        "End session": f"session:end:{s.id}",
        "Report a problem": f"session:report:{s.id}",
    }
    [client_note] = await messages(env.db, "room_open", audience="client")
    assert channel.jump_url in client_note.payload["text"]


async def test_a_client_pressing_end_session_is_refused_and_the_advisor_may(env: Env) -> None:
    await booked(env)
    channel, welcome = await opened(env)
    end = env.fake.buttons(welcome)["End session"]

    await env.fake.press(env.bot, welcome, end, CLIENT_DISCORD)
    assert env.fake.answers()[-1] == ("Only the advisor can end the session early.", EPHEMERAL)
    assert (await the_session(env.db)).state == SessionState.OPEN
    assert not env.fake.calls_to("PATCH", f"/channels/{channel.id}")

    await env.fake.press(env.bot, welcome, end, STRANGER)
    assert env.fake.answers()[-1][0] == "Only the advisor can end the session early."

    await env.fake.press(env.bot, welcome, end, ADVISOR_DISCORD)
    assert "the room becomes read-only now" in env.fake.answers()[-1][0]
    assert (await the_session(env.db)).state == SessionState.ENDED


async def test_at_the_end_the_room_is_locked_then_deleted_after_retention(env: Env) -> None:
    await booked(env)
    channel, _ = await opened(env)
    await env.fake.say(channel.id, ADVISOR_DISCORD, "Hello Zoë, I'm here.")
    s = await the_session(env.db)

    env.clock.set(s.ends_at)
    assert (await env.bot.sessions.tick()).ended == [s.id]

    (lock,) = env.fake.calls_to("PATCH", f"/channels/{channel.id}")
    locked = {int(o["id"]): o for o in lock.json["permission_overwrites"]}
    assert set(locked) == {env.guild.id, CLIENT_DISCORD, ADVISOR_DISCORD, BOT_ID}
    for person in (CLIENT_DISCORD, ADVISOR_DISCORD):
        perms = channel.permissions_for(member(env, person))
        assert perms.view_channel and perms.read_message_history
        assert not perms.send_messages and not perms.attach_files
    closing = env.fake.messages[channel.id][-1]
    assert "this room is now read-only" in closing["content"]
    assert "back in your Telegram chat with Pathwise you can rate the session" in closing["content"]
    assert env.fake.buttons(closing) == {
        "Send me a transcript": f"session:transcript:{s.id}",
        "Report a problem": f"session:report:{s.id}",
    }

    env.clock.advance(timedelta(hours=24) - MIN)
    await env.bot.sessions.tick()
    assert channel.id in env.fake.channels
    env.clock.advance(MIN)
    assert (await env.bot.sessions.tick()).deleted == [s.id]
    assert channel.id not in env.fake.channels and env.guild.get_channel(channel.id) is None
    assert env.fake.calls_to("DELETE", f"/channels/{channel.id}")


async def test_what_people_write_tells_core_the_advisor_came(env: Env) -> None:
    await booked(env)
    channel, _ = await opened(env)
    s = await the_session(env.db)
    env.clock.set(s.starts_at + 2 * MIN)
    await env.fake.say(channel.id, ADVISOR_DISCORD, "Hi! Ready when you are.")

    assert (await the_session(env.db)).advisor_first_message_at == env.clock.now()
    env.clock.set(s.starts_at + 15 * MIN)
    assert (await env.bot.sessions.tick()).no_shows == []


async def test_an_absent_advisor_closes_the_room_and_tells_the_client_in_telegram(
    env: Env,
) -> None:
    await booked(env)
    channel, _ = await opened(env)
    await env.fake.say(channel.id, CLIENT_DISCORD, "Hello?")
    s = await the_session(env.db)

    env.clock.set(s.starts_at + 10 * MIN)
    assert (await env.bot.sessions.tick()).no_shows == [s.id]
    assert not channel.permissions_for(member(env, CLIENT_DISCORD)).send_messages
    assert "hasn't arrived" in env.fake.messages[channel.id][-1]["content"]
    [offer] = await messages(env.db, "advisor_no_show", audience="client")
    assert "full refund of the session price" in offer.payload["text"]


async def test_either_side_may_report_a_problem_but_not_a_stranger(env: Env) -> None:
    await booked(env)
    _, welcome = await opened(env)
    report = env.fake.buttons(welcome)["Report a problem"]

    await env.fake.press(env.bot, welcome, report, STRANGER)
    assert env.fake.answers()[-1][0] == "Only the people in this session can report a problem here."
    for person in (CLIENT_DISCORD, ADVISOR_DISCORD):
        await env.fake.press(env.bot, welcome, report, person)
        assert "team has been notified" in env.fake.answers()[-1][0]
    assert len(await messages(env.db, "problem_report", audience="admin")) == 2


async def test_the_transcript_is_read_at_request_and_sent_to_the_client_only(env: Env) -> None:
    from core.documents import load_document

    await booked(env)
    channel, _ = await opened(env)
    await env.fake.say(channel.id, CLIENT_DISCORD, "I can't decide whether to move abroad.")
    await env.fake.say(channel.id, ADVISOR_DISCORD, "What would you miss most if you went?")
    s = await the_session(env.db)
    env.clock.set(s.ends_at)
    await env.bot.sessions.tick()
    closing = env.fake.messages[channel.id][-1]
    transcript = env.fake.buttons(closing)["Send me a transcript"]

    await env.fake.press(env.bot, closing, transcript, ADVISOR_DISCORD)
    assert (
        env.fake.answers()[-1][0] == "Only the client of this session can ask for its transcript."
    )
    assert await messages(env.db, "transcript") == []

    await env.fake.press(env.bot, closing, transcript, CLIENT_DISCORD)
    assert env.fake.answers()[-1] == (
        "Your transcript is on its way to you in Telegram. Pathwise keeps no copy.",
        EPHEMERAL,
    )
    [message] = await messages(env.db, "transcript")
    assert message.audience == "client" and message.client_id == s.client_id
    async with env.db.uow() as uow:
        text = pdf_text(await load_document(uow, DocumentRef(**message.payload["document"])))
    assert "I can't decide whether to move abroad." in text
    assert "What would you miss most if you went?" in text
    assert text.index("move abroad") < text.index("miss most")

    await env.fake.press(env.bot, closing, transcript, CLIENT_DISCORD)
    assert env.fake.answers()[-1][0] == "Your transcript is already on its way to you in Telegram."


async def test_a_forged_or_stale_button_gets_a_clear_answer(env: Env) -> None:
    await booked(env)
    _, welcome = await opened(env)
    forged = dict(welcome)
    forged["components"] = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 4, "label": "End session", "custom_id": "session:end:999"}
            ],
        }
    ]
    await env.fake.press(env.bot, forged, "session:end:999", ADVISOR_DISCORD)
    assert env.fake.answers()[-1][0] == "This session could not be found."
