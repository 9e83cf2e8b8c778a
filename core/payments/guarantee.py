"""The money-back guarantee's window, what a refund can still return, and when money is due.

Other parts of core call :func:`report_advisor_no_show` inside their own transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.config import Settings
from core.db import UnitOfWork
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus, RefundKind, RefundStatus
from core.models.bookings import Booking


def _service_end(booking: Booking | None, purchase: Purchase) -> datetime:
    """When the service bought ends: the session's end, or a messaging package's last day."""
    if booking is not None and booking.ends_at is not None:
        return booking.ends_at
    start = purchase.paid_at or purchase.created_at
    days = booking.offer.days if booking is not None and booking.offer is not None else None
    return start + timedelta(days=days or 0)


def guarantee_window(
    booking: Booking | None, purchase: Purchase, settings: Settings
) -> tuple[datetime, datetime]:
    """(opens, closes) of the money-back guarantee for a booking's purchase.

    It opens when the session ends, or at once when the advisor did not show up, and closes
    ``guarantee_window_hours`` after the later of the two.
    """
    end = _service_end(booking, purchase)
    opens = end
    if purchase.advisor_no_show_at is not None:
        opens = min(opens, purchase.advisor_no_show_at)
        end = max(end, purchase.advisor_no_show_at)
    return opens, end + timedelta(hours=settings.guarantee_window_hours)


def refundable_left(purchase: Purchase) -> int:
    """What a refund of the service price can still return (minor units): the service price,
    less refunds made outside Pathwise and the team's goodwill refunds; the handling fee is
    never part of it."""
    elsewhere = sum(
        r.amount_minor
        for r in purchase.refunds
        if r.kind in (RefundKind.EXTERNAL, RefundKind.GOODWILL) and r.status != RefundStatus.FAILED
    )
    return max(0, purchase.service_minor - elsewhere)


def unsettled_no_show(booking: Booking | None, purchase: Purchase) -> bool:
    """The advisor did not show up and the client has not moved the session to a new time
    (a new time starts after the no-show was seen)."""
    if purchase.advisor_no_show_at is None:
        return False
    return booking is None or booking.starts_at is None or (
        booking.starts_at <= purchase.advisor_no_show_at
    )


async def report_advisor_no_show(uow: UnitOfWork, booking_id: int, now: datetime) -> bool:
    """The sessions part saw the advisor not turn up: the client may ask for the money-back
    refund at once. Runs in the caller's unit of work; False if the booking has no paid
    purchase."""
    purchase = await uow.session.scalar(
        select(Purchase)
        .where(Purchase.purchase_key == f"booking:{booking_id}")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        return False
    if purchase.advisor_no_show_at is None:
        purchase.advisor_no_show_at = now
        purchase.updated_at = now
    return True


async def _bookings_and_main_purchases(
    uow: UnitOfWork, booking_ids: set[int]
) -> tuple[dict[int, Booking], dict[int, Purchase]]:
    bookings: dict[int, Booking] = {}
    booking_purchases: dict[int, Purchase] = {}
    if not booking_ids:
        return bookings, booking_purchases
    for booking in await uow.session.scalars(
        select(Booking).where(Booking.id.in_(booking_ids)).options(selectinload(Booking.offer))
    ):
        bookings[booking.id] = booking
    for purchase in await uow.session.scalars(
        select(Purchase).where(Purchase.purchase_key.in_([f"booking:{i}" for i in booking_ids]))
    ):
        if purchase.booking_id is not None:
            booking_purchases[purchase.booking_id] = purchase
    return bookings, booking_purchases


async def release_times(
    uow: UnitOfWork, purchases: list[Purchase], settings: Settings
) -> list[tuple[Purchase, datetime]]:
    """When each purchase's money may go to the advisor: a session's when its guarantee window
    closes; a tip's at the same time, or when paid if that is later."""
    booking_ids = {p.booking_id for p in purchases if p.booking_id is not None}
    bookings, booking_purchases = await _bookings_and_main_purchases(uow, booking_ids)
    result = []
    for purchase in purchases:
        booking_of = bookings.get(purchase.booking_id) if purchase.booking_id else None
        paid_at = purchase.paid_at or purchase.created_at
        if purchase.kind == PurchaseKind.BOOKING:
            release = guarantee_window(booking_of, purchase, settings)[1]
        else:
            main = booking_purchases.get(purchase.booking_id) if purchase.booking_id else None
            release = paid_at
            if main is not None and main.paid_at is not None:
                release = max(paid_at, guarantee_window(booking_of, main, settings)[1])
        result.append((purchase, release))
    return result
