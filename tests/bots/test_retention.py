"""What /privacy promises about how long things are kept, checked against what the code does,
with the clock moved: conversation state (an abandoned intake included) expires through the
sessions tick, and the description is dropped once the matches are shown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs.privacy import privacy_text
from core.models import Conversation
from core.sessions import SessionService
from devtools.telegram_recorder import ApiCall
from tests.support.sessions import FakeRooms
from tests.support.telegram_bot import Bot, only, to_description, to_when

DESCRIPTION = "My sister Philippa and I stopped speaking after the wedding."


async def _intake_to_when(bot: Bot) -> ApiCall:
    """The intake of a family matter in English, up to the question of when."""
    await to_description(bot, "Family")
    return await to_when(bot, DESCRIPTION, language="English")


async def _conversation(db: Database) -> Conversation | None:
    async with db.uow() as uow:
        return await uow.session.scalar(select(Conversation))


def test_privacy_text_states_the_configured_periods() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        channel_retention_hours=48,
        conversation_retention_hours=12,
        link_code_ttl_minutes=20,
    )
    text = privacy_text(settings)
    assert "The channel is deleted 48 hours after the session ends" in text
    assert "erased after 12 hours without a word from you" in text
    assert "Discord link codes expire after 20 minutes" in text
    assert "buyer shown as “Deleted client”" in text


async def test_an_abandoned_intake_expires_after_the_retention_period(
    bot: Bot,
    db: Database,
    settings: Settings,
    clock: ManualClock,
) -> None:
    await to_description(bot, "Family")
    await bot.text(DESCRIPTION)  # ... and the client walks away at the language question
    conversation = await _conversation(db)
    assert conversation is not None and conversation.data["description"] == DESCRIPTION

    sessions = SessionService(db, FakeRooms(), settings, clock)
    hours = settings.conversation_retention_hours
    assert hours == 24
    clock.advance(timedelta(hours=hours) - timedelta(minutes=1))
    await sessions.tick()
    assert await _conversation(db) is not None  # not yet

    clock.advance(timedelta(minutes=1))
    await sessions.tick()
    assert await _conversation(db) is None

    # Coming back later just starts afresh (consent is remembered: straight to the menu).
    calls = await bot.text("/start")
    assert only(calls, "sendMessage").button_labels()[0] == "Find an advisor"


async def test_the_description_is_dropped_once_the_matches_are_shown(
    bot: Bot,
    db: Database,
) -> None:
    await bot.press(await _intake_to_when(bot), "Any time")
    conversation = await _conversation(db)
    assert conversation is not None and conversation.step == "results"
    assert "description" not in conversation.data


async def test_a_description_the_client_shares_is_kept_for_the_advisor(
    bot: Bot,
    db: Database,
) -> None:
    when = await _intake_to_when(bot)
    async with db.uow() as uow:  # the sharing choice (``share_description``) as saved
        conversation = await uow.session.scalar(select(Conversation))
        assert conversation is not None
        conversation.data = {**conversation.data, "share_description": True}
        await uow.commit()
    await bot.press(when, "Any time")
    conversation = await _conversation(db)
    assert conversation is not None and conversation.data["description"] == DESCRIPTION
