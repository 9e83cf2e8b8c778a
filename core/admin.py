"""What the Pathwise team does from a chat app: approve or suspend advisors, link an advisor's
chat account, look at the numbers. Platform-neutral; who counts as an admin is the adapter's
check of a role it is configured with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core import catalogue_version
from core.accounts import Platform
from core.db import UnitOfWork
from core.errors import Conflict, NotFound
from core.models import Advisor, Booking, BookingStatus, Client, PlatformIdentity
from core.models.billing import Purchase, PurchaseStatus
from core.models.sessions import AdviceSession, SessionState
from core.money import Money
from core.texts import admin as t

__all__ = ["PlatformStats", "advisor_by_slug", "link_advisor", "platform_stats", "set_standing"]


async def advisor_by_slug(uow: UnitOfWork, slug: str) -> Advisor:
    advisor = await uow.session.scalar(select(Advisor).where(Advisor.slug == slug.strip().lower()))
    if advisor is None:
        raise NotFound(t.NO_SUCH_ADVISOR(slug=slug))
    return advisor


async def set_standing(uow: UnitOfWork, slug: str, *, approved: bool) -> Advisor:
    """Approve an advisor (listed and bookable) or suspend them (hidden, offline at once).
    Sessions already paid for still take place."""
    advisor = await advisor_by_slug(uow, slug)
    advisor.approved = approved
    advisor.active = approved
    if not approved:
        advisor.online = False
    await uow.session.flush()
    await catalogue_version.bump(uow, [advisor.id])
    return advisor


async def link_advisor(
    uow: UnitOfWork, slug: str, platform: Platform, user_id: int, now: datetime
) -> Advisor:
    """Join an advisor's chat account to their profile (replacing a previous one there)."""
    advisor = await advisor_by_slug(uow, slug)
    taken = await uow.session.scalar(
        select(PlatformIdentity)
        .where(PlatformIdentity.platform == platform.value)
        .where(PlatformIdentity.platform_user_id == user_id)
    )
    if taken is not None:
        if taken.advisor_id == advisor.id:
            return advisor
        raise Conflict(t.ACCOUNT_TAKEN())
    old = await uow.session.scalars(
        select(PlatformIdentity)
        .where(PlatformIdentity.platform == platform.value)
        .where(PlatformIdentity.advisor_id == advisor.id)
    )
    for identity in old:
        await uow.session.delete(identity)
    await uow.session.flush()
    uow.session.add(
        PlatformIdentity(
            platform=platform.value, platform_user_id=user_id, advisor_id=advisor.id, created_at=now
        )
    )
    await uow.session.flush()
    return advisor


@dataclass(frozen=True, slots=True)
class PlatformStats:
    clients: int
    advisors_approved: int
    advisors_online: int
    upcoming_bookings: int
    sessions_by_state: dict[str, int]
    paid_last_7_days: list[Money]  # one total per currency


async def platform_stats(uow: UnitOfWork, now: datetime) -> PlatformStats:
    """Counts for the team; no names, nothing said in a session."""

    async def count(query: object) -> int:
        return int(await uow.session.scalar(query) or 0)  # type: ignore[call-overload]

    rows = await uow.session.execute(
        select(AdviceSession.state, func.count()).group_by(AdviceSession.state)
    )
    states = {state: int(n) for state, n in rows.all()}
    paid = await uow.session.execute(
        select(Purchase.currency, func.sum(Purchase.total_minor))
        .where(Purchase.status == PurchaseStatus.PAID.value)
        .where(Purchase.paid_at >= now - timedelta(days=7))
        .group_by(Purchase.currency)
        .order_by(Purchase.currency)
    )
    return PlatformStats(
        clients=await count(select(func.count()).select_from(Client)),
        advisors_approved=await count(
            select(func.count()).select_from(Advisor).where(Advisor.approved.is_(True))
        ),
        advisors_online=await count(
            select(func.count()).select_from(Advisor).where(Advisor.online.is_(True))
        ),
        upcoming_bookings=await count(
            select(func.count())
            .select_from(Booking)
            .where(Booking.status == BookingStatus.CONFIRMED.value)
            .where(Booking.starts_at > now)
        ),
        sessions_by_state={state.value: int(states.get(state.value, 0)) for state in SessionState},
        paid_last_7_days=[Money(int(total or 0), currency) for currency, total in paid.all()],
    )
