"""Messaging packages: booked without a time slot, they start once paid."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import Booking
from core.scheduling.claims import check_hold_limit
from core.scheduling.holds import held_booking
from core.scheduling.lookups import bookable_offer, find_client
from core.scheduling.rules import DEFAULT_RULES, SchedulingRules
from core.scheduling.times import utc
from core.texts import scheduling as t


async def hold_package(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """A ``held`` booking for a messaging package (no slot), expiring with its checkout."""
    now = utc(now)
    await find_client(uow, client_id)
    offer, advisor = await bookable_offer(uow, offer_id)
    if offer.offer_kind.minutes is not None:
        raise ValidationFailed(t.SESSION_NEEDS_TIME())
    await check_hold_limit(uow, client_id, now)
    booking = held_booking(client_id, offer, advisor, now, rules)
    uow.session.add(booking)
    await uow.session.flush()
    return booking
