"""My bookings: the client's upcoming and recent bookings, one booking's card, reschedule,
cancel, and the money-back refund with its itemized preview.

Every press names a booking in its button, and every press re-reads that booking as the
client's own before acting: a forged id, a mistyped one and someone else's all get the same
"we couldn't find that booking among yours". The rules themselves (free changes until 24 h
before, what a refund returns) live in scheduling and billing; this module only asks them.
Billing opens its own transactions, so the dialog's is committed before each billing call
(on SQLite an uncommitted write here would block billing's).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from core import outbox, scheduling
from core.billing import NotYourBooking, RefundRefused
from core.dialogs import aftercare
from core.dialogs.engine import Context, Transition, pressed, rows
from core.errors import PathwiseError
from core.models import Booking, BookingStatus, Review
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus, Refund, RefundStatus
from core.models.outbox import Audience
from core.parsing import parse_id
from core.replies import AnyButton, Input, Message, Reply
from core.taxonomy import OfferKind

RECENT = timedelta(days=60)  # ended, cancelled or refunded bookings stay listed this long
LISTED = 6  # at most this many upcoming, and as many recent
SLOTS_PER_PAGE = 8

BACK_TO_LIST = "Back to my bookings"
TAP_HINT = "Please tap one of the options below."
PACKAGE_NOT_CANCELLABLE = (
    "A messaging package starts as soon as it's paid, so it can't be cancelled free of charge. "
    "If it doesn't help, you can ask for a refund after its last day."
)


# -- reading bookings -----------------------------------------------------------------------


def booking_id_of(arg: object) -> int:
    """A booking id from a button arg or saved state; 0 (never a row) for anything else."""
    return parse_id(arg) or 0


async def own_booking(ctx: Context, arg: object) -> Booking:
    """The client's own booking named by ``arg``, with its advisor and offer.

    BookingNotFound otherwise: a forged id and someone else's look exactly like a missing one.
    """
    booking_id = booking_id_of(arg)
    booking = (
        await ctx.uow.session.scalar(
            select(Booking)
            .where(Booking.id == booking_id)
            .options(selectinload(Booking.advisor), selectinload(Booking.offer))
            .execution_options(populate_existing=True)
        )
        if booking_id
        else None
    )
    if booking is None or booking.client_id != ctx.client.id:
        raise scheduling.BookingNotFound()
    return booking


def ends_at(booking: Booking) -> datetime:
    """When the booked service ends: the session's end, or a messaging package's last day."""
    if booking.ends_at is not None:
        return booking.ends_at
    return booking.created_at + timedelta(days=booking.offer.days or 0)


def has_started(booking: Booking, now: datetime) -> bool:
    return booking.starts_at is None or booking.starts_at <= now


def is_upcoming(booking: Booking, now: datetime) -> bool:
    """Booked (or being paid for) and not over yet."""
    live = booking.booking_status is BookingStatus.CONFIRMED or scheduling.hold_is_live(
        booking, now
    )
    return live and ends_at(booking) > now


async def listed_bookings(ctx: Context) -> tuple[list[Booking], list[Booking]]:
    """(upcoming soonest first, recent latest first): what "My bookings" shows."""
    found = await ctx.uow.session.scalars(
        select(Booking)
        .where(Booking.client_id == ctx.client.id)
        .where(Booking.status != BookingStatus.EXPIRED.value)
        .options(selectinload(Booking.advisor), selectinload(Booking.offer))
        .order_by(Booking.id.desc())
        .limit(200)
    )
    upcoming: list[Booking] = []
    recent: list[Booking] = []
    for booking in found:
        if booking.booking_status is BookingStatus.HELD and not scheduling.hold_is_live(
            booking, ctx.now
        ):
            continue  # a lapsed hold is not a booking the client has
        if is_upcoming(booking, ctx.now):
            upcoming.append(booking)
        elif (booking.starts_at or booking.created_at) >= ctx.now - RECENT:
            recent.append(booking)
    upcoming.sort(key=lambda b: (b.starts_at or b.created_at, b.id))
    recent.sort(key=lambda b: (b.starts_at or b.created_at, b.id), reverse=True)
    return upcoming[:LISTED], recent[:LISTED]


def status_words(booking: Booking, now: datetime) -> str:
    """Where a booking stands, in the client's words."""
    status = booking.booking_status
    if status is BookingStatus.HELD:
        return "waiting for payment"
    if status is BookingStatus.CONFIRMED:
        if ends_at(booking) <= now:
            return "done"
        if booking.starts_at is None:
            return "active"  # a messaging package runs from payment to its last day
        return "on now" if booking.starts_at <= now else "booked"
    return {
        BookingStatus.COMPLETED: "done",
        BookingStatus.CANCELLED: "cancelled",
        BookingStatus.REFUNDED: "refunded",
        BookingStatus.EXPIRED: "expired",
    }[status]


def when_text(ctx: Context, booking: Booking) -> str:
    """The session's start in the client's zone, e.g. "Tue 24 Nov, 10:00"; a package's days."""
    if booking.starts_at is None:
        start = scheduling.format_day(booking.created_at.date(), ctx.settings.locale)
        return f"from {start}"
    return scheduling.format_slot(booking.starts_at, ctx.client.timezone, ctx.settings.locale)


def what_text(booking: Booking) -> str:
    """ "60-minute live session with Ana Ruiz"."""
    return f"{booking.offer.name} with {booking.advisor.display_name}"


async def is_reviewed(ctx: Context, booking: Booking) -> bool:
    found = await ctx.uow.session.scalar(select(Review.id).where(Review.booking_id == booking.id))
    return found is not None


async def refund_outstanding(ctx: Context, booking: Booking) -> bool:
    """A paid booking cancelled in time whose refund has not gone through yet (Stripe was
    busy when it was cancelled): the client can ask for it again."""
    if booking.booking_status is not BookingStatus.CANCELLED:
        return False
    refunded = exists(
        select(Refund.id)
        .where(Refund.purchase_id == Purchase.id)
        .where(Refund.status == RefundStatus.SUCCEEDED.value)
    )
    found = await ctx.uow.session.scalar(
        select(Purchase.id)
        .where(Purchase.booking_id == booking.id)
        .where(Purchase.kind == PurchaseKind.BOOKING.value)
        .where(Purchase.status == PurchaseStatus.PAID.value)
        .where(~refunded)
    )
    return found is not None


def _rules(ctx: Context) -> scheduling.SchedulingRules:
    return scheduling.SchedulingRules.from_settings(ctx.settings)


async def ensure_changeable(ctx: Context, booking: Booking, *, reschedule: bool = False) -> None:
    """Nothing if the booking can still be rescheduled (``reschedule``) or cancelled free of
    charge; else scheduling's refusal in its own words (TooLateToChange, BookingClosed)."""
    if scheduling.can_change_free(booking, ctx.now, _rules(ctx)):
        return
    if reschedule and await scheduling.may_reschedule(ctx.uow, booking, ctx.now, _rules(ctx)):
        return  # the advisor did not turn up: a new time is offered at once
    if booking.starts_at is not None:
        # "Move" it to the time it already has: scheduling runs every check of a real change
        # and refuses in its own words. Nothing moves either way.
        await scheduling.reschedule_booking(
            ctx.uow,
            booking.id,
            client_id=ctx.client.id,
            starts_at=booking.starts_at,
            now=ctx.now,
            rules=_rules(ctx),
        )
    raise scheduling.TooLateToChange(PACKAGE_NOT_CANCELLABLE)


async def _tell_advisor(ctx: Context, booking: Booking, kind: str, text: str, key: str) -> None:
    """A Discord DM to the advisor, written in the same transaction as the change."""
    await outbox.enqueue(
        ctx.uow,
        audience=Audience.ADVISOR,
        kind=kind,
        advisor_id=booking.advisor_id,
        text=text,
        data={"booking_id": booking.id},
        dedupe_key=key,
        now=ctx.now,
    )


def _advisor_time(booking: Booking, when: datetime) -> str:
    """A time as the advisor reads it, in their own zone (UTC if theirs is unreadable)."""
    try:
        return scheduling.format_slot(when, booking.advisor.timezone)
    except PathwiseError:
        return scheduling.format_slot(when, "UTC") + " UTC"


def _back(ctx: Context) -> tuple[tuple[AnyButton, ...], ...]:
    return rows(ctx.button(BACK_TO_LIST, "back"), per_row=1)


# -- the steps --------------------------------------------------------------------------------


class BookingsStep:
    """The list: upcoming and recent bookings, each with a button to open it."""

    async def show(self, ctx: Context) -> list[Reply]:
        upcoming, recent = await listed_bookings(ctx)
        if not upcoming and not recent:
            return [
                Message(
                    "You have no bookings yet. Shall we find you an advisor?",
                    rows(
                        ctx.button("Find an advisor", "find"),
                        ctx.button("Back to the menu", "menu"),
                    ),
                )
            ]
        parts = [f"Your bookings (times in your time zone, {ctx.client.timezone}):"]
        for title, group in (("Upcoming", upcoming), ("Recent", recent)):
            if group:
                lines = [
                    f"• {when_text(ctx, b)} — {what_text(b)} ({status_words(b, ctx.now)})"
                    for b in group
                ]
                parts.append(title + ":\n" + "\n".join(lines))
        opens = [
            ctx.button(f"{when_text(ctx, b)} · {b.advisor.display_name}", "view", b.id)
            for b in (*upcoming, *recent)
        ]
        return [
            Message(
                "\n\n".join(parts) + "\n\nTap a booking to see it or change it.",
                (*rows(*opens, per_row=1), (ctx.button("Back to the menu", "menu"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "menu":
            return Transition(goto="home", data={})
        if press is not None and press.action == "find":
            return Transition(goto="topics", data={"topics": []})
        if press is not None and press.action == "view":
            try:
                booking = await own_booking(ctx, press.arg)
            except PathwiseError as error:
                return Transition(replies=[Message(str(error))], reshow=True)
            return Transition(goto="booking", data={"booking_id": booking.id})
        return Transition(replies=[Message("Please tap one of your bookings below.")], reshow=True)


class BookingStep:
    """One booking's card, with what the client can do with it now."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), _back(ctx))]
        now, settings = ctx.now, ctx.settings
        status = booking.booking_status
        lines = [
            what_text(booking),
            f"{when_text(ctx, booking)} (your time, {ctx.client.timezone})",
            f"Status: {status_words(booking, now)}",
        ]
        actions: list[AnyButton] = []
        ended = ends_at(booking) <= now
        if status is BookingStatus.HELD:
            lines.append("We're holding this time for you while you pay.")
            actions.append(ctx.button("Cancel booking", "cancel", booking.id))
        elif status is BookingStatus.CONFIRMED and not has_started(booking, now):
            if scheduling.can_change_free(booking, now, _rules(ctx)):
                assert booking.starts_at is not None
                deadline = booking.starts_at - timedelta(hours=settings.free_cancel_hours)
                until = scheduling.format_slot(deadline, ctx.client.timezone, settings.locale)
                lines.append(f"You can reschedule or cancel free of charge until {until}.")
            else:
                lines.append(
                    f"Free changes ended {settings.free_cancel_hours} hours before the start. "
                    "If the session doesn't help, you can ask for your money back after it."
                )
            actions.append(ctx.button("Reschedule", "reschedule", booking.id))
            actions.append(ctx.button("Cancel booking", "cancel", booking.id))
        elif status is BookingStatus.CONFIRMED and await scheduling.advisor_missed(
            ctx.uow, booking.id
        ):
            lines.append(
                "We're sorry your advisor didn't arrive. You can have the session price back "
                "in full, or choose a new time."
            )
            actions.append(ctx.button("Choose a new time", "reschedule", booking.id))
            actions.append(ctx.button("Ask for a refund", "refund", booking.id))
        elif status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
            if ended:
                lines.append(
                    "Not happy with it? Our money-back guarantee lets you ask for the session "
                    f"price back within {settings.guarantee_window_hours} hours after it ended."
                )
            actions.append(ctx.button("Ask for a refund", "refund", booking.id))
        elif status is BookingStatus.REFUNDED:
            lines.append("The session price was refunded to your card.")
        elif status is BookingStatus.CANCELLED and await refund_outstanding(ctx, booking):
            lines.append("Your refund hasn't gone through yet. Tap “Get my refund” to try again.")
            actions.append(ctx.button("Get my refund", "refundc", booking.id))
        rateable = status in (
            BookingStatus.CONFIRMED,
            BookingStatus.COMPLETED,
            BookingStatus.REFUNDED,
        )
        if rateable and ended and not await is_reviewed(ctx, booking):
            actions.append(ctx.button("Rate this session", "rate", booking.id))
        return [
            Message(
                "\n".join(lines),
                (*rows(*actions, per_row=2), (ctx.button(BACK_TO_LIST, "back"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None:
            return Transition(replies=[Message(TAP_HINT)], reshow=True)
        if press.action == "back":
            return Transition(goto="bookings", data={})
        if press.action not in ("reschedule", "cancel", "refund", "refundc", "rate"):
            return Transition(replies=[Message(TAP_HINT)], reshow=True)
        try:
            booking = await own_booking(ctx, press.arg)
            if press.action in ("reschedule", "cancel"):
                await ensure_changeable(ctx, booking, reschedule=press.action == "reschedule")
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))], reshow=True)
        data = {"booking_id": booking.id}
        if press.action == "reschedule":
            return Transition(goto="reschedule", data={**data, "slot_page": 0})
        if press.action == "cancel":
            return Transition(goto="cancel_booking", data=data)
        if press.action == "rate":
            try:
                await aftercare.rateable_booking(ctx.uow, ctx.client.id, booking.id, ctx.now)
                if await is_reviewed(ctx, booking):
                    raise aftercare.AlreadyRated()
            except PathwiseError as error:
                return Transition(replies=[Message(str(error))], reshow=True)
            return Transition(goto="rate", data=data)
        if press.action == "refundc":
            return await _refund_cancelled(ctx, booking)
        return await _preview_refund(ctx, booking)


async def _preview_refund(ctx: Context, booking: Booking) -> Transition:
    """Ask billing what a refund would give back; the preview step shows it."""
    billing = ctx.services["billing"]
    await ctx.uow.commit()  # billing opens its own transaction
    try:
        preview = await billing.preview_refund(booking.id, ctx.client.id)
    except PathwiseError as error:
        return Transition(replies=[Message(str(error))], reshow=True)
    return Transition(
        goto="refund",
        data={
            "booking_id": booking.id,
            # The words only, computed here: the preview step must not call billing while the
            # dialog's own transaction is writing.
            "preview": preview.describe(ctx.settings.locale, ctx.client.timezone),
            "amount": preview.amount.format(ctx.settings.locale),
        },
    )


async def _refund_cancelled(ctx: Context, booking: Booking) -> Transition:
    """Try again to refund a booking cancelled in time (Stripe was busy the first time)."""
    billing = ctx.services["billing"]
    await ctx.uow.commit()
    try:
        outcome = await billing.refund_cancelled_booking(booking.id, ctx.client.id)
    except PathwiseError as error:
        return Transition(replies=[Message(str(error))], reshow=True)
    amount = outcome.amount.format(ctx.settings.locale)
    return Transition(
        replies=[Message(f"Done: {amount} is on its way back to your card.")], reshow=True
    )


class RescheduleStep:
    """Pick a new time for a live session (free until the deadline); the old time is freed in
    the same step as the new one is taken."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), _back(ctx))]
        slots = await scheduling.available_slots(
            ctx.uow,
            booking.advisor_id,
            OfferKind(booking.offer.kind),
            ctx.now,
            rules=_rules(ctx),
        )
        page = int(ctx.data.get("slot_page", 0))
        shown = slots[page * SLOTS_PER_PAGE : (page + 1) * SLOTS_PER_PAGE]
        zone, locale = ctx.client.timezone, ctx.settings.locale
        back = ctx.button("Back", "back")
        if not shown:
            return [
                Message(
                    f"{booking.advisor.display_name} has no other free times in the next two "
                    "weeks. Your booking stays as it is.",
                    rows(back),
                )
            ]
        times = [ctx.button(s.label(zone, locale), "slot", s.key) for s in shown]
        more = (
            [ctx.button("Later times", "more")] if len(slots) > (page + 1) * SLOTS_PER_PAGE else []
        )
        return [
            Message(
                f"Pick a new time for your {what_text(booking)} (now {when_text(ctx, booking)}). "
                f"Times are in your time zone ({zone}).",
                (*rows(*times), *rows(*more, back)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None:
            return Transition(replies=[Message("Please tap one of the times below.")], reshow=True)
        if press.action == "back":
            return Transition(goto="booking", data={"booking_id": ctx.data.get("booking_id")})
        if press.action == "more":
            page = int(ctx.data.get("slot_page", 0)) + 1
            return Transition(data={**ctx.data, "slot_page": page}, reshow=True)
        if press.action != "slot":
            return Transition(replies=[Message("Please tap one of the times below.")], reshow=True)
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
            before = booking.starts_at
            await scheduling.reschedule_booking(
                ctx.uow,
                booking.id,
                client_id=ctx.client.id,
                starts_at=scheduling.slot_from_key(press.arg),
                now=ctx.now,
                rules=_rules(ctx),
            )
            moved = await own_booking(ctx, booking.id)  # re-read with its advisor and offer
        except scheduling.TooLateToChange as error:
            return Transition(goto="booking", replies=[Message(str(error))])
        except scheduling.BookingNotFound as error:
            return Transition(goto="bookings", data={}, replies=[Message(str(error))])
        except PathwiseError as error:
            # "Just taken": say so, and show the times that are free now.
            return Transition(replies=[Message(str(error))], reshow=True)
        assert moved.starts_at is not None
        if before is not None and before != moved.starts_at:
            await _tell_advisor(
                ctx,
                moved,
                "booking_moved",
                f"Your {moved.offer.name} on {_advisor_time(moved, before)} has moved to "
                f"{_advisor_time(moved, moved.starts_at)} (your time). The client rescheduled "
                "within the free-change period.",
                f"booking_moved:{moved.id}:{scheduling.slot_key(moved.starts_at)}",
            )
        return Transition(
            goto="booking",
            data={"booking_id": moved.id},
            replies=[
                Message(
                    f"Done. Your session with {moved.advisor.display_name} is now "
                    f"{when_text(ctx, moved)} (your time). The old time is free again."
                )
            ],
        )


class CancelStep:
    """Are you sure? Then cancel, and for a paid booking refund the session price (never the
    handling fee)."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), _back(ctx))]
        locale = ctx.settings.locale
        if booking.booking_status is BookingStatus.CONFIRMED:
            text = (
                f"Cancel your {what_text(booking)} on {when_text(ctx, booking)}? "
                f"The session price, {booking.price.format(locale)}, comes back to your card. "
                "The handling fee is not refundable."
            )
        else:
            text = (
                f"Cancel your {what_text(booking)} on {when_text(ctx, booking)}? "
                "Nothing has been paid, and I'll let the time go."
            )
        return [
            Message(
                text,
                rows(
                    ctx.button("Yes, cancel it", "yes", booking.id),
                    ctx.button("Keep it", "keep"),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "keep":
            return Transition(goto="booking", data={"booking_id": ctx.data.get("booking_id")})
        if press is None or press.action != "yes":
            return Transition(replies=[Message("Please tap “Yes, cancel it” or “Keep it”.")])
        try:
            booking = await own_booking(ctx, press.arg)
            was_paid = booking.booking_status is BookingStatus.CONFIRMED
            when = when_text(ctx, booking)
            await scheduling.cancel_booking(
                ctx.uow, booking.id, client_id=ctx.client.id, now=ctx.now, rules=_rules(ctx)
            )
            booking = await own_booking(ctx, booking.id)  # re-read with its advisor and offer
        except scheduling.TooLateToChange as error:
            return Transition(goto="booking", replies=[Message(str(error))])
        except PathwiseError as error:
            return Transition(goto="bookings", data={}, replies=[Message(str(error))])
        if not was_paid:
            return Transition(
                goto="bookings",
                data={},
                replies=[Message("Okay, I've cancelled it and let the time go.")],
            )
        if booking.starts_at is not None:
            await _tell_advisor(
                ctx,
                booking,
                "booking_cancelled",
                f"The client cancelled their {booking.offer.name} on "
                f"{_advisor_time(booking, booking.starts_at)} (your time), within the "
                "free-cancellation period. That time is free again.",
                f"booking_cancelled:{booking.id}",
            )
        billing = ctx.services["billing"]
        await ctx.uow.commit()  # the cancellation stands on its own; billing then refunds it
        try:
            outcome = await billing.refund_cancelled_booking(booking.id, ctx.client.id)
        except PathwiseError as error:
            return Transition(
                goto="booking",
                data={"booking_id": booking.id},
                replies=[
                    Message(
                        f"Your booking is cancelled, but the refund didn't go through yet: "
                        f"{error} Tap “Get my refund” to try again."
                    )
                ],
            )
        amount = outcome.amount.format(ctx.settings.locale)
        return Transition(
            goto="bookings",
            data={},
            replies=[
                Message(
                    f"Done: your {what_text(booking)} on {when} is cancelled. "
                    f"{amount} is on its way back to your card, and your credit note will "
                    "follow in this chat."
                )
            ],
        )


class RefundStep:
    """The money-back guarantee: the itemized preview, then the refund on confirmation."""

    async def show(self, ctx: Context) -> list[Reply]:
        amount = str(ctx.data.get("amount", ""))
        return [
            Message(
                "Here is what our money-back guarantee gives you:\n\n"
                f"{ctx.data.get('preview', '')}\n\nShall I go ahead?",
                rows(
                    ctx.button(f"Yes, refund {amount}", "confirm", ctx.data.get("booking_id", 0)),
                    ctx.button("Back", "back"),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "back":
            return Transition(goto="booking", data={"booking_id": ctx.data.get("booking_id")})
        if press is None or press.action != "confirm":
            return Transition(replies=[Message("Please tap “Yes, refund” or “Back”.")])
        try:
            booking = await own_booking(ctx, press.arg)
        except PathwiseError as error:
            return Transition(goto="bookings", data={}, replies=[Message(str(error))])
        billing = ctx.services["billing"]
        await ctx.uow.commit()  # billing opens its own transactions and calls Stripe
        try:
            outcome = await billing.request_refund(booking.id, ctx.client.id)
        except (RefundRefused, NotYourBooking) as error:
            # Refused for good (twice, too late, too early): say why, and show the booking.
            return Transition(
                goto="booking", data={"booking_id": booking.id}, replies=[Message(str(error))]
            )
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))])  # Stripe busy: the button still works
        amount = outcome.amount.format(ctx.settings.locale)
        return Transition(
            goto="booking",
            data={"booking_id": booking.id},
            replies=[
                Message(
                    f"Done: {amount} is on its way back to your card (usually 5–10 days). "
                    "Your credit note will follow in this chat."
                )
            ],
        )
