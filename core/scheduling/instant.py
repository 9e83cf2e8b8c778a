"""Sessions now: advisors who say they are online, and a live session starting at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, exists, or_, select

from core import catalogue_version
from core.db import UnitOfWork
from core.errors import Conflict
from core.models import Advisor, Booking, SlotClaim
from core.scheduling.availability import refusal, session_length
from core.scheduling.claims import (
    check_client_free,
    check_hold_limit,
    clear_stale,
    insert_claims,
)
from core.scheduling.errors import SlotTaken
from core.scheduling.holds import held_booking
from core.scheduling.lookups import bookable_offer, find_advisor, find_client
from core.scheduling.rules import DEFAULT_RULES, EPOCH, GRID, SchedulingRules
from core.scheduling.times import grid_cells, utc
from core.texts import scheduling as t


async def hold_instant(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Hold a live session with an advisor who is online, starting at the next quarter hour
    (weekly hours and notice do not apply: the advisor said they are free now)."""
    now = utc(now)
    client = await find_client(uow, client_id)
    tz, locale = client.timezone, client.locale
    offer, advisor = await bookable_offer(uow, offer_id)
    length = session_length(offer.offer_kind)
    if not advisor.online:
        raise Conflict(t.ADVISOR_OFFLINE(advisor=advisor.display_name))
    await check_hold_limit(uow, client_id, now)
    start = EPOCH + -((EPOCH - now) // GRID) * GRID  # the next grid boundary, or now
    await check_client_free(uow, client_id, start, start + length, now, tz=tz, locale=locale)
    booking = held_booking(client_id, offer, advisor, now, rules, start, length)
    cells = grid_cells(start, length + rules.buffer)
    await clear_stale(uow, advisor.id, cells, now)
    if not await insert_claims(uow, booking, cells, booking.hold_expires_at):
        raise await refusal(SlotTaken, uow, advisor.id, length, now, rules, tz, locale)
    return booking


async def set_online(uow: UnitOfWork, advisor_id: int, online: bool) -> Advisor:
    """The advisor says they are (or are no longer) free to talk now."""
    advisor = await find_advisor(uow, advisor_id)
    advisor.online = online
    await uow.session.flush()
    await catalogue_version.bump(uow, [advisor.id])
    return advisor


def _busy_between(start: datetime, end: datetime, now: datetime) -> Select[int]:
    """Live claims of the outer query's advisor touching [start, end)."""
    return select(SlotClaim.id).where(
        SlotClaim.advisor_id == Advisor.id,
        SlotClaim.slot_start > start - GRID,
        SlotClaim.slot_start < end,
        or_(SlotClaim.expires_at.is_(None), SlotClaim.expires_at > now),
    )


async def available_now(
    uow: UnitOfWork, now: datetime, *, within: timedelta = timedelta(minutes=60)
) -> list[Advisor]:
    """Online, active, approved advisors with no session (or buffer) now or in ``within``."""
    now = utc(now)
    result = await uow.session.scalars(
        select(Advisor)
        .where(
            Advisor.online,
            Advisor.active,
            Advisor.approved,
            ~exists(_busy_between(now, now + within, now)),
        )
        .order_by(Advisor.display_name, Advisor.id)
    )
    return list(result)
