"""The advisor's card a client sees, at core level on the real database: the rating with its
count, "New on Pathwise" only below three ratings, sessions held, languages in the client's
words, how sessions happen, recent reviews shortened and signed with an initial only, and the
link to pass the advisor on."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from core import i18n
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import ButtonPress, Message, StartInput
from core.dialogs.profile_card import REVIEW_CHARS, profile_facts, shorten
from core.models import Client, Offer
from core.models.sessions import SessionState
from core.taxonomy import OfferKind
from core.texts import menu, profile_card
from tests.support.chat import Chat, import_sample, make_engine
from tests.support.reviews import past_session, review, reviewed_session

BOT = "PathwiseTestBot"
DAY = timedelta(days=1)
ANA_HEAD = (
    "Ana Ruiz\n{facts}\nSpecialises in career change, burnout, workplace conflict\n\n"
    "Former HR director who now helps people through career change, burnout and hard "
    "conversations at work. Practical, warm and direct; we leave every session with one "
    "concrete next step.\n\n"
)
BOTH = (
    "How it works: a live text chat at a time you choose, or a messaging package over several "
    "days, in a private Discord room only you, Ana Ruiz and our bot can see. You'll need a free "
    "Discord account."
)


@pytest.fixture
def shared_settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, telegram_bot_username=BOT)  # type: ignore[call-arg]


@pytest.fixture
async def ids(db: Database) -> dict[str, int]:
    return await import_sample(db)


def chat_for(db: Database, settings: Settings, clock: ManualClock, **kw: object) -> Chat:
    return Chat(db, make_engine(settings), clock, **kw)  # type: ignore[arg-type]


async def card_of(chat: Chat, slug: str) -> str:
    """The card's words, as someone who opened the advisor's link (consent given) sees them."""
    return await card_from_link(chat, f"advisor_{slug}")


async def card_from_link(chat: Chat, payload: str) -> str:
    """The card's words after /start with ``payload`` (and the consent card, for someone new)."""
    await chat.send(StartInput(payload))
    agree, choose = menu.AGREE(), profile_card.CHOOSE()  # in the chat's language
    if agree in chat.labels():
        await chat.press(agree)
    [card] = [r for r in chat.last if isinstance(r, Message) and choose in r.text]
    return card.text


async def test_the_card_shows_the_rating_with_its_count_sessions_held_and_recent_reviews(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    ana, now = ids["ana-ruiz"], clock.now()
    await reviewed_session(db, ana, now, 5, "Clear and kind.", client_name="Lea", ago=9 * DAY)
    await reviewed_session(
        db, ana, now, 4, "She helped me plan the talk with my boss.", client_name="mia", ago=7 * DAY
    )
    await reviewed_session(db, ana, now, 5, None, client_name="Noor", ago=6 * DAY)  # no words
    await reviewed_session(
        db, ana, now, 5, "Worth it.", client_name="Zoë", advisor_name="Quiet Harbor", ago=4 * DAY
    )
    await reviewed_session(
        db, ana, now, 4, "Honest advice, write me at zoe@example.com", client_name="zoë", ago=DAY
    )
    # Sessions that took place count, whatever happened to the money; the others do not.
    for state in (SessionState.ENDED, SessionState.REFUNDED):
        await past_session(db, ana, now, state=state)
    for state in (SessionState.NO_SHOW, SessionState.CANCELLED, SessionState.SCHEDULED):
        await past_session(db, ana, now, state=state)

    card = await card_of(chat_for(db, shared_settings, clock), "ana-ruiz")

    assert card == ANA_HEAD.format(
        facts="4.6 ★ from 5 ratings · 7 sessions held · speaks English, Spanish"
    ) + (
        f"{BOTH}\n\n"
        "What clients say:\n"
        "“Honest advice, write me at [removed]” — Z.\n"
        "“Worth it.” — Q.\n"
        "“She helped me plan the talk with my boss.” — M.\n\n"
        "Choose what you'd like to book:"
    )


@pytest.mark.parametrize(
    ("ratings", "said"),
    [
        ((), "New on Pathwise · speaks English, Spanish"),
        ((5,), "New on Pathwise · 5.0 ★ from 1 rating · 1 session held · speaks English, Spanish"),
        ((5, 4), "New on Pathwise · 4.5 ★ from 2 ratings · 2 sessions held · speaks"),
        ((5, 4, 4), "4.3 ★ from 3 ratings · 3 sessions held · speaks English, Spanish"),
        ((4, 4, 4, 5), "4.3 ★ from 4 ratings · 4 sessions held"),  # 4.25: half rounds up
        ((5, 5, 5, 5, 5, 4, 5, 5, 5, 5, 5, 5), "4.9 ★ from 12 ratings · 12 sessions held"),
    ],
)
async def test_new_on_pathwise_only_below_three_ratings(
    db: Database,
    shared_settings: Settings,
    clock: ManualClock,
    ids: dict[str, int],
    ratings: tuple[int, ...],
    said: str,
) -> None:
    for n, rating in enumerate(ratings):
        await reviewed_session(db, ids["ana-ruiz"], clock.now(), rating, ago=(n + 2) * DAY)
    card = await card_of(chat_for(db, shared_settings, clock), "ana-ruiz")
    facts = card.split("\n")[1]
    assert facts.startswith(said)
    assert ("New on Pathwise" in card) is (len(ratings) < 3)


@pytest.mark.parametrize(
    ("state", "held"),
    [
        (SessionState.ENDED, 1),
        (SessionState.SETTLED, 1),
        (SessionState.REFUNDED, 1),  # it took place; the guarantee gave the money back
        (SessionState.NO_SHOW, 0),
        (SessionState.CANCELLED, 0),
        (SessionState.SCHEDULED, 0),
        (SessionState.OPEN, 0),
    ],
)
async def test_sessions_held_counts_only_sessions_that_took_place(
    db: Database, clock: ManualClock, ids: dict[str, int], state: SessionState, held: int
) -> None:
    await past_session(db, ids["ana-ruiz"], clock.now(), state=state)
    await past_session(db, ids["david-okafor"], clock.now(), state=SessionState.SETTLED)
    async with db.uow() as uow:
        facts = await profile_facts(uow, ids["ana-ruiz"])
    assert facts.sessions_held == held


async def test_only_the_three_latest_reviews_with_words_are_shown_shortened_on_a_word(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    ana, now = ids["ana-ruiz"], clock.now()
    long = (
        "I came in stuck between two job offers and afraid of choosing wrong. Ana listened, "
        "asked the questions nobody else had asked, and by the end I knew which one I wanted "
        "and why."
    )
    await reviewed_session(db, ana, now, 5, "The oldest words, not shown.", ago=8 * DAY)
    await reviewed_session(db, ana, now, 5, "Second.", client_name="Bo", ago=6 * DAY)
    await reviewed_session(db, ana, now, 4, long, client_name="Ines", ago=5 * DAY)
    await reviewed_session(db, ana, now, 5, None, client_name="Kai", ago=3 * DAY)
    await reviewed_session(db, ana, now, 5, "Newest.", client_name="李雷", ago=2 * DAY)

    card = await card_of(chat_for(db, shared_settings, clock), "ana-ruiz")

    reviews = card.split("What clients say:\n")[1].split("\n\n")[0].split("\n")
    shortened = (
        "I came in stuck between two job offers and afraid of choosing wrong. Ana listened, "
        "asked the questions nobody else had asked, and by the end…"  # 140 characters, then "…"
    )
    assert reviews == ["“Newest.” — 李.", f"“{shortened}” — I.", "“Second.” — B."]
    assert len(shortened) <= REVIEW_CHARS + 1
    assert "oldest" not in card and "Kai" not in card and "Ines" not in card


def test_shortening_cuts_at_a_word_boundary() -> None:
    assert shorten("short words stay") == "short words stay"
    assert shorten("  spaces\nand lines   fold ") == "spaces and lines fold"
    assert shorten("one two three four", limit=11) == "one two…"
    assert shorten("one two three four", limit=13) == "one two three…"  # a word ends at 13
    assert shorten("one two, three four", limit=10) == "one two…"  # no dangling comma
    assert shorten("x" * 200, limit=10) == "x" * 10 + "…"  # one long word is cut inside
    assert shorten("a" * 140) == "a" * 140


async def test_languages_and_numbers_follow_the_clients_locale(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    for n, rating in enumerate((5, 5, 4, 5)):
        await reviewed_session(db, ids["ana-ruiz"], clock.now(), rating, ago=(n + 2) * DAY)
    async with db.uow() as uow:
        client = Client(display_name="Lucía", locale="es_ES", created_at=clock.now())
        uow.session.add(client)
        await uow.commit()
        client_id = client.id

    with i18n.speaking("es"):
        card = await card_of(chat_for(db, shared_settings, clock, client_id=client_id), "ana-ruiz")

    assert card.split("\n")[1] == (
        "4,8 ★ de 4 valoraciones · 4 sesiones realizadas · habla inglés, español"
    )


async def test_the_card_says_how_sessions_happen_from_the_offers_on_sale(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    chat = chat_for(db, shared_settings, clock)
    assert BOTH in await card_of(chat, "ana-ruiz")
    assert (
        "How it works: a live text chat at a time you choose, in a private Discord room only you, "
        "David Okafor and our bot can see. You'll need a free Discord account."
    ) in await card_of(chat, "david-okafor")
    async with db.uow() as uow:
        await uow.session.execute(
            update(Offer)
            .where(Offer.advisor_id == ids["ana-ruiz"], Offer.kind != OfferKind.MESSAGING.value)
            .values(active=False)
        )
        await uow.commit()
    assert (
        "How it works: a messaging package, written messages over several days that Ana Ruiz "
        "answers at their own pace, in a private Discord room only the two of you and our bot "
        "can see."
    ) in await card_of(chat, "ana-ruiz")


async def test_share_this_advisor_answers_with_the_deep_link_that_opens_the_card(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    chat = chat_for(db, shared_settings, clock)
    await card_of(chat, "sofia-rossi")
    offer = chat.button("60-minute live session — $55.00")

    [answer] = await chat.press("Share this advisor")

    assert isinstance(answer, Message) and answer.buttons == ()
    url = f"https://t.me/{BOT}?start=advisor_sofia-rossi"
    assert answer.text == (
        "Here is Sofia Rossi's link. Send it to anyone it could help: it opens Sofia Rossi's "
        f"profile in Pathwise.\n{url}"
    )
    # The card above keeps working: its offers can still be chosen.
    await chat.send(ButtonPress(offer.data))
    assert chat.texts()[0].startswith("When would you like your 60-minute live session?")

    # A friend who opens the link (Telegram sends /start with its payload) lands on the card.
    [payload] = parse_qs(urlsplit(url).query)["start"]
    friend = chat_for(db, shared_settings, clock, user_id=777, name="Ben")
    assert (await card_from_link(friend, payload)).startswith("Sofia Rossi\n")


async def test_a_reviews_words_leave_the_card_when_its_writer_deletes_their_data(
    db: Database, shared_settings: Settings, clock: ManualClock, ids: dict[str, int]
) -> None:
    """/privacy promises a review's words are kept (and shown, with an initial) only until
    the writer deletes their data; the star rating stays, without them."""
    from core.privacy import Privacy

    ana, now = ids["ana-ruiz"], clock.now()
    client_id, booking_id = await past_session(db, ana, now, client_name="Bo")
    await review(db, client_id, booking_id, now - timedelta(days=4), 5, "Kind and very clear.")
    before = await card_of(chat_for(db, shared_settings, clock), "ana-ruiz")
    assert "“Kind and very clear.” — B." in before

    await Privacy(db, shared_settings, clock).erase(client_id)

    after = await card_of(chat_for(db, shared_settings, clock, user_id=99), "ana-ruiz")
    assert "Kind and very clear." not in after
    rating_line = next(line for line in before.splitlines() if "★" in line)
    assert rating_line in after.splitlines(), "the rating itself still counts"
