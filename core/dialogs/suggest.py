"""The results step's matcher: the live catalogue, its free times and loads, ranked by
``core.matching``.

The index of profiles, specialties, prices and ratings is kept between questions, per
database, at the catalogue version it was built at (``core.catalogue_version``). Each
question reads the version (one row); when it moved, only the advisors stamped since are
read again and the index rebuilt around them. Free times and loads are read per question,
for the few advisors the ranking asks about.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, func, select

from core import catalogue_version, scheduling
from core.db import UnitOfWork
from core.dialogs.engine import Context
from core.dialogs.services import Suggestion
from core.matching import AdvisorCard, Intake, MatchIndex
from core.models import Advisor, Booking, BookingStatus, Offer
from core.money import Money
from core.taxonomy import OfferKind, Topic

_BOOKABLE = (Advisor.active.is_(True), Advisor.approved.is_(True))


# A change to more advisors than this share of the index rebuilds it from the whole catalogue.
_FULL_RELOAD_SHARE = 0.25


async def catalogue_cards(uow: UnitOfWork, since: int | None = None) -> list[AdvisorCard]:
    """What matching needs to know of every bookable advisor (of those changed after catalogue
    version ``since`` if given), in id order: their profile and their cheapest active price per
    kind; free time and load left out (None, 0). Read as plain rows, not ORM objects: a full
    rebuild reads the whole catalogue."""
    # Those changed are found through the version's index, their offers through the offers'
    # advisor index: a few changed advisors cost a few rows read, not a scan of every offer.
    changed = select(Advisor.id).where(Advisor.catalogue_version > (since or 0))
    only = () if since is None else (Advisor.id.in_(changed),)
    offers_only = () if since is None else (Offer.advisor_id.in_(changed),)
    prices: defaultdict[int, dict[OfferKind, Money]] = defaultdict(dict)
    offers = await uow.session.execute(
        select(Offer.advisor_id, Offer.kind, Offer.price_minor, Offer.currency)
        .join(Advisor, Advisor.id == Offer.advisor_id)
        .where(Offer.active.is_(True), *_BOOKABLE, *offers_only)
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
        .where(*_BOOKABLE, *only)
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


def intake_of(ctx: Context, answers: dict[str, Any]) -> Intake:
    """The client's intake answers as matching reads them."""
    budget = answers.get("budget")
    return Intake(
        topics=frozenset(answers.get("topics", [])),
        description=str(answers.get("description", "")),
        language=str(answers["language"]),
        kind=OfferKind(answers["kind"]),
        budget=Money(int(budget), ctx.settings.currency) if budget is not None else None,
        time_preference=answers.get("when", "any"),
        client_timezone=ctx.client.timezone,
    )


@dataclass(frozen=True, slots=True)
class _Kept:
    """An index and the catalogue version it reflects."""

    version: int
    index: MatchIndex


class CatalogueMatcher:
    """Ranks the bookable advisors for a client's answers.

    Keeps one index per database between questions (see the module's docstring); ``builds``
    counts the times it was built or rebuilt. Free times follow the configured scheduling
    rules (notice, horizon, buffer), the same ones the slot step offers, unless ``rules`` are
    given.
    """

    def __init__(self, rules: scheduling.SchedulingRules | None = None) -> None:
        self.rules = rules
        self.builds = 0
        self._kept: WeakKeyDictionary[Engine, _Kept] = WeakKeyDictionary()

    async def index(self, uow: UnitOfWork) -> MatchIndex:
        """The index at the database's current catalogue version, rebuilt only if it moved."""
        bind = uow.session.get_bind()
        engine = bind.engine if isinstance(bind, Connection) else bind
        version = await catalogue_version.current(uow)
        kept = self._kept.get(engine)
        if kept is not None and kept.version == version:
            return kept.index
        index = await self._rebuilt(uow, kept, version)
        self.builds += 1
        latest = self._kept.get(engine)
        if latest is None or latest.version <= version:  # a slower rebuild never undoes one
            self._kept[engine] = _Kept(version, index)
        return index

    async def _rebuilt(self, uow: UnitOfWork, kept: _Kept | None, version: int) -> MatchIndex:
        """The index at ``version``: from ``kept``, reading only the advisors changed since."""
        if kept is None or kept.version > version:  # none yet, or the database was reset
            return MatchIndex.build(await catalogue_cards(uow))
        changed = list(
            await uow.session.scalars(
                select(Advisor.id).where(Advisor.catalogue_version > kept.version)
            )
        )
        if len(changed) > _FULL_RELOAD_SHARE * len(kept.index):
            return MatchIndex.build(await catalogue_cards(uow), previous=kept.index)
        cards = await catalogue_cards(uow, since=kept.version)
        listed = {card.id for card in cards}
        return kept.index.updated(cards, frozenset(changed) - listed)

    async def suggest(self, ctx: Context, answers: dict[str, Any]) -> list[Suggestion]:
        intake = intake_of(ctx, answers)
        kind = intake.kind
        excluded = await self._excluded(ctx)
        index = await self.index(ctx.uow)
        rules = self.rules or scheduling.SchedulingRules.from_settings(ctx.settings)
        ranking = index.ranking(intake, ctx.now, k=3, exclude=excluded)
        # Free times and loads, the dear part, only for the advisors the ranking asks about:
        # those who pass the hard filters and could still make the list.
        while wanted := [card.id for card in ranking.wanted()]:
            free = await scheduling.next_free_slots(ctx.uow, wanted, kind, ctx.now, rules=rules)
            upcoming = await self._upcoming(ctx, wanted)
            ranking.give({i: (free[i], upcoming.get(i, 0)) for i in wanted})
        return [
            Suggestion(m.card.id, m.card.display_name, m.card.prices[kind], tuple(m.reasons))
            for m in ranking.matches(ctx.locale)
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
