"""The matcher keeps its index between questions: built once, rebuilt (around the advisors
changed) only when a catalogue writer moved the catalogue version, seen across processes, and
always answering as an index built afresh for the question would."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

import core.dialogs.suggest
from bench.matching import NOW, make_card, make_intake
from core import admin, advisors, catalogue, catalogue_version, scheduling
from core.accounts import Platform, get_or_create_client
from core.clock import ManualClock
from core.config import Settings
from core.db import Database, UnitOfWork
from core.dialogs.aftercare import rate_session
from core.dialogs.engine import Context
from core.dialogs.services import Suggestion
from core.dialogs.suggest import CatalogueMatcher, catalogue_cards
from core.matching import AdvisorCard, MatchIndex
from core.models import Booking, BookingStatus, Offer
from tests.core.test_suggest import QUESTIONS, ask_fresh
from tests.support.chat import SAMPLE, import_sample

QUESTION = {
    "topics": ["career", "stress"],
    "description": "I keep worrying about my career and my family since the move",
    "language": "en",
    "kind": "live60",
    "budget": None,
    "when": "soon",
}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each index built, by anyone, in the test."""
    sizes: list[int] = []
    original = MatchIndex.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[MatchIndex], *args: Any, **kwargs: Any) -> MatchIndex:
        index: MatchIndex = original(cls, *args, **kwargs)
        sizes.append(len(index))
        return index

    monkeypatch.setattr(MatchIndex, "build", classmethod(counting))
    return sizes


@pytest.fixture
def reloaded(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """The advisors each catalogue read found, if it read only those changed since a version
    (None: it read the whole catalogue)."""
    asked: list[list[int] | None] = []
    original = core.dialogs.suggest.catalogue_cards

    async def recording(uow: UnitOfWork, since: int | None = None) -> list[AdvisorCard]:
        cards = await original(uow, since)
        asked.append(None if since is None else [card.id for card in cards])
        return cards

    monkeypatch.setattr(core.dialogs.suggest, "catalogue_cards", recording)
    return asked


async def _ask(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    matcher: CatalogueMatcher,
    answers: dict[str, object] = QUESTION,
) -> list[Suggestion]:
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, 42, "Zoë", clock.now())
        client.timezone = "Europe/Madrid"
        ctx = Context(uow, client, clock.now(), settings, {}, 1)
        return await matcher.suggest(ctx, dict(answers))


async def _version(db: Database) -> int:
    async with db.uow() as uow:
        return await catalogue_version.current(uow)


async def test_the_index_is_not_rebuilt_while_the_catalogue_stays_the_same(
    db: Database, settings: Settings, clock: ManualClock, builds: list[int]
) -> None:
    ids = await import_sample(db)
    matcher = CatalogueMatcher()
    first = await _ask(db, settings, clock, matcher)
    assert builds == [len(ids)] and matcher.builds == 1
    clock.advance(timedelta(hours=3))  # free times move on; the index need not
    again = [await _ask(db, settings, clock, matcher, q) for q in QUESTIONS[:24]]
    assert builds == [len(ids)] and matcher.builds == 1
    assert first and again[0]
    fresh = [await ask_fresh(db, settings, clock, q) for q in QUESTIONS[:24]]
    assert again == fresh


async def _booking_ended(db: Database, clock: ManualClock, advisor_id: int) -> tuple[int, int]:
    """A session with ``advisor_id`` that ended yesterday: (client id, booking id)."""
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, 77, "Rae", clock.now())
        offer = await uow.session.scalar(
            select(Offer).where(Offer.advisor_id == advisor_id, Offer.kind == "live60")
        )
        assert offer is not None
        start = clock.now() - timedelta(days=1)
        booking = Booking(
            client_id=client.id,
            advisor_id=advisor_id,
            offer_id=offer.id,
            status=BookingStatus.COMPLETED.value,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            price_minor=offer.price_minor,
            currency=offer.currency,
            created_at=start - timedelta(days=2),
            updated_at=start,
        )
        uow.session.add(booking)
        await uow.commit()
        return client.id, booking.id


Writer = Callable[[Database, ManualClock, dict[str, int], int], Awaitable[None]]


async def _import_again(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE))
    slug = next(slug for slug, advisor_id in ids.items() if advisor_id == who)
    changed = [
        row.model_copy(update={"bio": row.bio + " Also grief after losing a parent."})
        if row.slug == slug
        else row
        for row in rows
    ]
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, changed, clock.now())
        await uow.commit()


async def _edit_profile(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    async with db.uow() as uow:
        await advisors.update_profile(uow, who, specialties="grief, loss of a parent")
        await uow.commit()


async def _set_price(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    async with db.uow() as uow:
        await advisors.set_price(uow, who, "live60", "999")
        await uow.commit()


async def _rate(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    client_id, booking_id = await _booking_ended(db, clock, who)
    async with db.uow() as uow:
        await rate_session(
            uow, client_id=client_id, booking_id=booking_id, rating=1, now=clock.now()
        )
        await uow.commit()


async def _suspend(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    slug = next(slug for slug, advisor_id in ids.items() if advisor_id == who)
    async with db.uow() as uow:
        await admin.set_standing(uow, slug, approved=False)
        await uow.commit()


async def _go_online(db: Database, clock: ManualClock, ids: dict[str, int], who: int) -> None:
    async with db.uow() as uow:
        await scheduling.set_online(uow, who, True)
        await uow.commit()


@pytest.mark.parametrize(
    "writer",
    [_import_again, _edit_profile, _set_price, _rate, _suspend, _go_online],
    ids=["import", "profile", "price", "rating", "suspension", "online"],
)
async def test_each_writer_moves_the_version_and_only_its_advisor_is_read_again(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    builds: list[int],
    reloaded: list[list[int] | None],
    writer: Writer,
) -> None:
    ids = await import_sample(db)
    matcher = CatalogueMatcher()
    before = await _ask(db, settings, clock, matcher)
    assert matcher.builds == 1 and reloaded == [None]
    top = before[0].advisor_id
    async with db.uow() as uow:
        cards = await catalogue_cards(uow)
    version = await _version(db)

    await writer(db, clock, ids, top)

    assert await _version(db) > version
    after = await _ask(db, settings, clock, matcher)
    assert matcher.builds == 2
    # An import stamps every advisor it lists, so the whole catalogue is read again; a
    # suspended advisor is no longer bookable, so is read as gone.
    only = [] if writer is _suspend else [top]
    assert reloaded[1:] == ([None] if writer is _import_again else [only])
    assert after == await ask_fresh(db, settings, clock, QUESTION)
    await _ask(db, settings, clock, matcher)
    assert matcher.builds == 2  # and once rebuilt, kept again
    async with db.uow() as uow:
        kept = {card.id: card for card in (await matcher.index(uow)).cards}
        assert kept == {card.id: card for card in await catalogue_cards(uow)}
    if writer is _suspend:
        assert top not in kept and top not in [s.advisor_id for s in after]
    else:
        assert kept[top] != next(card for card in cards if card.id == top)  # what it changed


async def test_approval_brings_a_suspended_advisor_back(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ids = await import_sample(db)
    matcher = CatalogueMatcher()
    top = (await _ask(db, settings, clock, matcher))[0].advisor_id
    await _suspend(db, clock, ids, top)
    assert top not in [s.advisor_id for s in await _ask(db, settings, clock, matcher)]
    slug = next(slug for slug, advisor_id in ids.items() if advisor_id == top)
    async with db.uow() as uow:
        await admin.set_standing(uow, slug, approved=True)
        await uow.commit()
    assert (await _ask(db, settings, clock, matcher))[0].advisor_id == top
    assert matcher.builds == 3


async def test_a_second_process_sees_a_change_made_by_another(
    db: Database, database_url: str, settings: Settings, clock: ManualClock
) -> None:
    ids = await import_sample(db)
    other = Database(database_url)  # another process: its own engine and connections
    try:
        mine, theirs = CatalogueMatcher(), CatalogueMatcher()
        before = await _ask(db, settings, clock, mine)
        assert before == await _ask(other, settings, clock, theirs)
        top = before[0].advisor_id
        await _suspend(other, clock, ids, top)  # written through the other one
        after = await _ask(db, settings, clock, mine)
        assert top not in [s.advisor_id for s in after]
        assert after == await _ask(other, settings, clock, theirs)
        await _edit_profile(db, clock, ids, after[0].advisor_id)  # and the other way round
        assert await _ask(other, settings, clock, theirs) == await ask_fresh(
            db, settings, clock, QUESTION
        )
        assert (mine.builds, theirs.builds) == (2, 3)
    finally:
        await other.dispose()


async def test_a_kept_index_answers_as_a_fresh_build_after_changes(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ids = await import_sample(db)
    matcher = CatalogueMatcher()
    await _ask(db, settings, clock, matcher)
    order = sorted(ids.values())
    await _rate(db, clock, ids, order[0])
    await _edit_profile(db, clock, ids, order[1])
    await _set_price(db, clock, ids, order[2])
    await _suspend(db, clock, ids, order[3])
    kept = [await _ask(db, settings, clock, matcher, q) for q in QUESTIONS]
    assert matcher.builds == 2
    assert kept == [await ask_fresh(db, settings, clock, q) for q in QUESTIONS]
    assert sum(1 for s in kept if s) >= len(QUESTIONS) // 4


def _timeless(card: AdvisorCard) -> AdvisorCard:
    return replace(card, next_free=None, upcoming_bookings=0)


def test_a_refiled_index_answers_as_one_built_from_scratch() -> None:
    rng = random.Random(17)
    cards = {i: _timeless(make_card(rng, i)) for i in range(1, 401)}
    intakes = [make_intake(rng) for _ in range(60)]
    index = MatchIndex.build(cards.values())
    for step in range(12):
        # Profile edits (new words), ratings and price changes, new advisors, and departures.
        changed = []
        for advisor_id in rng.sample(sorted(cards), 3):
            card = cards[advisor_id]
            other = _timeless(make_card(rng, advisor_id))
            changed.append(
                rng.choice(
                    [
                        replace(card, bio=other.bio, specialties=other.specialties),
                        replace(
                            card, rating_sum=card.rating_sum + 5, rating_count=card.rating_count + 1
                        ),
                        replace(card, prices=other.prices, languages=other.languages),
                        replace(card, topics=other.topics, online=not card.online),
                    ]
                )
            )
        # Every other step only edits: no advisor comes or goes.
        if step % 2:
            changed += [_timeless(make_card(rng, 1000 + 10 * step + n)) for n in range(2)]
        removed = frozenset(rng.sample(sorted(cards), 2) if step % 2 else ())
        removed -= {card.id for card in changed}
        previous, previous_fresh = index, MatchIndex.build(cards.values())
        for card in changed:
            cards[card.id] = card
        for advisor_id in removed:
            del cards[advisor_id]
        index = index.updated(changed, removed)
        fresh = MatchIndex.build(cards.values())
        assert index.cards == fresh.cards and len(index) == len(fresh)
        asked = intakes[step * 5 : step * 5 + 5] + intakes[:2]
        for intake in asked:
            assert index.top(intake, NOW, k=5) == fresh.top(intake, NOW, k=5), (step, intake)
        # The index a question may still be using answers as it did before the refile.
        assert previous.cards == previous_fresh.cards
        for intake in asked:
            assert previous.top(intake, NOW, k=5) == previous_fresh.top(intake, NOW, k=5)
