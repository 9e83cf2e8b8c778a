"""The catalogue matcher works out free times only for advisors its hard filters let through:
that saves most of a question's cost in a large catalogue, and must never change who is
suggested, in what order, or why."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from core import scheduling
from core.accounts import Platform, get_or_create_client
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs.engine import Context
from core.dialogs.services import Suggestion
from core.dialogs.suggest import CatalogueMatcher, catalogue_cards, intake_of
from core.matching import MatchIndex
from core.models import Advisor, Offer
from core.money import Money
from core.taxonomy import OfferKind, Topic
from tests.support.chat import import_sample

QUESTIONS = [
    {
        "topics": topics,
        "description": "I keep worrying about my career and my family since the move",
        "language": language,
        "kind": kind.value,
        "budget": budget,
        "when": when,
    }
    for topics, language, kind, budget, when in itertools.product(
        (["career", "stress"], []),
        ("en", "es", "zh", "fr"),
        (OfferKind.LIVE30, OfferKind.LIVE60, OfferKind.MESSAGING),
        (None, 4000, 6500),  # minor units, as the budget step stores them
        ("soon", "evenings"),
    )
]


async def _ask(
    db: Database, settings: Settings, clock: ManualClock, answers: dict[str, object]
) -> list[Suggestion]:
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, 42, "Zoë", clock.now())
        client.timezone = "Europe/Madrid"
        ctx = Context(uow, client, clock.now(), settings, {}, 1)
        return await CatalogueMatcher().suggest(ctx, dict(answers))


async def ask_fresh(
    db: Database, settings: Settings, clock: ManualClock, answers: dict[str, object]
) -> list[Suggestion]:
    """The answer of an index built for this question alone, with the free times and loads of
    every bookable advisor (the matcher asks for a few, and keeps its index)."""
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, 42, "Zoë", clock.now())
        client.timezone = "Europe/Madrid"
        ctx = Context(uow, client, clock.now(), settings, {}, 1)
        intake = intake_of(ctx, dict(answers))
        matcher = CatalogueMatcher()
        cards = await catalogue_cards(uow)
        ids = [card.id for card in cards]
        rules = scheduling.SchedulingRules.from_settings(settings)
        free = await scheduling.next_free_slots(uow, ids, intake.kind, ctx.now, rules=rules)
        upcoming = await matcher._upcoming(ctx, ids)
        index = MatchIndex.build(
            replace(card, next_free=free[card.id], upcoming_bookings=upcoming.get(card.id, 0))
            for card in cards
        )
        excluded = await matcher._excluded(ctx)
        matches = index.top(intake, ctx.now, k=3, exclude=excluded, locale=settings.locale)
        return [
            Suggestion(m.card.id, m.card.display_name, m.card.prices[intake.kind], tuple(m.reasons))
            for m in matches
        ]


async def test_filtering_first_never_changes_the_suggestions(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    await import_sample(db)
    # A held slot, so one advisor's next free time is not simply their weekly hours.
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, 7, "Sam", clock.now())
        await uow.commit()
    found = await _ask(db, settings, clock, QUESTIONS[0])
    async with db.uow() as uow:
        slots = await scheduling.available_slots(
            uow, found[0].advisor_id, OfferKind.LIVE60, clock.now()
        )
        offer_id = await uow.session.scalar(
            select(Offer.id).where(Offer.advisor_id == found[0].advisor_id, Offer.kind == "live60")
        )
        assert offer_id is not None
        await scheduling.hold_slot(
            uow,
            client_id=client.id,
            offer_id=offer_id,
            starts_at=slots[0].starts_at,
            now=clock.now(),
        )
        await uow.commit()
    clock.advance(timedelta(minutes=1))

    filtered = [await _ask(db, settings, clock, q) for q in QUESTIONS]
    everyone = [await ask_fresh(db, settings, clock, q) for q in QUESTIONS]

    assert filtered == everyone
    assert sum(1 for s in filtered if s) >= len(QUESTIONS) // 4  # many questions find someone
    assert any(not s for s in filtered)  # and some find nobody (French, say)


async def test_the_catalogue_cards_carry_each_bookable_advisors_cheapest_active_prices(
    db: Database,
) -> None:
    ids = await import_sample(db)
    async with db.uow() as uow:
        uow.session.add_all(
            [
                Offer(advisor_id=ids["ana-ruiz"], kind="live60", price_minor=5000, currency="USD"),
                Offer(
                    advisor_id=ids["ana-ruiz"],
                    kind="live30",
                    price_minor=1000,
                    currency="USD",
                    active=False,
                ),
            ]
        )
        hidden = await uow.session.get(Advisor, ids["david-okafor"])
        assert hidden is not None
        hidden.approved = False
        await uow.commit()

    async with db.uow() as uow:
        cards = {card.slug: card for card in await catalogue_cards(uow)}

    ana = cards["ana-ruiz"]
    assert ana.prices == {
        OfferKind.LIVE30: Money(3500, "USD"),
        OfferKind.LIVE60: Money(5000, "USD"),
        OfferKind.MESSAGING: Money(9000, "USD"),
    }
    assert ana.languages == {"en", "es"} and ana.topics == {Topic.CAREER, Topic.STRESS}
    assert ana.specialties == ("career change", "burnout", "workplace conflict")
    assert (ana.next_free, ana.upcoming_bookings, ana.rating_count) == (None, 0, 0)
    assert "david-okafor" not in cards
    assert len(cards) == len(ids) - 1
    assert [card.id for card in cards.values()] == sorted(card.id for card in cards.values())
