"""The results step's matcher: the live catalogue, its free times and loads, ranked by
``core.matching``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from core import scheduling
from core.db import UnitOfWork
from core.dialogs.engine import Context
from core.dialogs.services import Suggestion
from core.matching import AdvisorCard, Intake, MatchIndex
from core.models import Advisor, Booking, BookingStatus, Offer
from core.money import Money
from core.taxonomy import OfferKind, Topic

_BOOKABLE = (Advisor.active.is_(True), Advisor.approved.is_(True))


async def catalogue_cards(uow: UnitOfWork) -> list[AdvisorCard]:
    """What matching needs to know of every bookable advisor, in id order: their profile and
    their cheapest active price per kind; free time and load left out (None, 0). Read as plain
    rows, not ORM objects: a question reads the whole catalogue."""
    prices: defaultdict[int, dict[OfferKind, Money]] = defaultdict(dict)
    offers = await uow.session.execute(
        select(Offer.advisor_id, Offer.kind, Offer.price_minor, Offer.currency)
        .join(Advisor, Advisor.id == Offer.advisor_id)
        .where(Offer.active.is_(True), *_BOOKABLE)
    )
    for advisor_id, kind_name, amount, currency in offers:
        kind, price = OfferKind(kind_name), Money(amount, currency)
        cheapest = prices[advisor_id]
        if kind not in cheapest or price < cheapest[kind]:
            cheapest[kind] = price
    advisors = await uow.session.execute(
        select(
            Advisor.id,
            Advisor.slug,
            Advisor.display_name,
            Advisor.bio,
            Advisor.specialties,
            Advisor.topics,
            Advisor.languages,
            Advisor.timezone,
            Advisor.rating_sum,
            Advisor.rating_count,
            Advisor.online,
        )
        .where(*_BOOKABLE)
        .order_by(Advisor.id)
    )
    return [
        AdvisorCard(
            id=row.id,
            slug=row.slug,
            display_name=row.display_name,
            bio=row.bio,
            specialties=tuple(row.specialties),
            topics=frozenset(Topic(t) for t in row.topics),
            languages=frozenset(row.languages),
            timezone=row.timezone,
            prices=prices.get(row.id, {}),
            rating_sum=row.rating_sum,
            rating_count=row.rating_count,
            upcoming_bookings=0,
            next_free=None,
            online=row.online,
        )
        for row in advisors
    ]


def _may_rank(card: AdvisorCard, intake: Intake, excluded: frozenset[int]) -> bool:
    """The matcher's hard filters (``core.matching``): speaks the language, sells the kind,
    within the budget in its currency, not excluded."""
    price = card.prices.get(intake.kind)
    if price is None or intake.language not in card.languages or card.id in excluded:
        return False
    budget = intake.budget
    return budget is None or (price.currency == budget.currency and price.amount <= budget.amount)


class CatalogueMatcher:
    """Ranks the bookable advisors for a client's answers.

    The index is built per question from the database: fine for a catalogue of a few
    thousand (about 60–130 ms at 1,000 advisors on two cores).
    ``MatchIndex`` itself is benchmarked at 100k advisors for when it is cached instead.
    Free times follow the configured scheduling rules (notice, horizon, buffer), the same
    ones the slot step offers, unless ``rules`` are given.
    """

    def __init__(self, rules: scheduling.SchedulingRules | None = None) -> None:
        self.rules = rules

    async def suggest(self, ctx: Context, answers: dict[str, Any]) -> list[Suggestion]:
        kind = OfferKind(answers["kind"])
        budget = answers.get("budget")
        intake = Intake(
            topics=frozenset(answers.get("topics", [])),
            description=str(answers.get("description", "")),
            language=str(answers["language"]),
            kind=kind,
            budget=Money(int(budget), ctx.settings.currency) if budget is not None else None,
            time_preference=answers.get("when", "any"),
            client_timezone=ctx.client.timezone,
        )
        excluded = await self._excluded(ctx)
        cards = await catalogue_cards(ctx.uow)
        # Free times and loads, the dear part, only for advisors the hard filters let through:
        # the others are never ranked, and stay in the index only for its word statistics.
        eligible = [card.id for card in cards if _may_rank(card, intake, excluded)]
        rules = self.rules or scheduling.SchedulingRules.from_settings(ctx.settings)
        next_free = await scheduling.next_free_slots(ctx.uow, eligible, kind, ctx.now, rules=rules)
        upcoming = await self._upcoming(ctx, eligible)
        index = MatchIndex.build(
            replace(card, next_free=next_free[card.id], upcoming_bookings=upcoming.get(card.id, 0))
            if card.id in next_free
            else card
            for card in cards
        )
        matches = index.top(intake, ctx.now, k=3, exclude=excluded, locale=ctx.settings.locale)
        return [
            Suggestion(m.card.id, m.card.display_name, m.card.prices[kind], tuple(m.reasons))
            for m in matches
        ]

    async def _upcoming(self, ctx: Context, ids: list[int]) -> dict[int, int]:
        """Confirmed sessions still to come, per advisor (the load-balancing nudge)."""
        rows = await ctx.uow.session.execute(
            select(Booking.advisor_id, func.count(Booking.id))
            .where(Booking.advisor_id.in_(ids))
            .where(Booking.status == BookingStatus.CONFIRMED.value)
            .where(Booking.starts_at > ctx.now)
            .group_by(Booking.advisor_id)
        )
        return {advisor_id: count for advisor_id, count in rows}

    async def _excluded(self, ctx: Context) -> frozenset[int]:
        """Advisors this client asked their money back from are not suggested again."""
        rows = await ctx.uow.session.scalars(
            select(Booking.advisor_id)
            .where(Booking.client_id == ctx.client.id)
            .where(Booking.status == BookingStatus.REFUNDED.value)
        )
        return frozenset(rows)
