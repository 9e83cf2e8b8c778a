"""Changing a booking from its card: a new time, a cancellation (refunding a paid one) and
the money-back refund with its itemized preview. The advisor is told of every change in the
same transaction as the change; billing's refunds run once that is committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core import outbox, scheduling
from core.billing import NotYourBooking, RefundRefused
from core.dialogs.engine import AfterCommit, Context, Transition, pressed, rows
from core.dialogs.mybookings import back, own_booking, rules, what_text, when_text
from core.dialogs.steps import StepName
from core.errors import PathwiseError
from core.models import Booking, BookingStatus
from core.models.outbox import Audience
from core.replies import Input, Message, Reply
from core.taxonomy import OfferKind
from core.texts import chat as tc
from core.texts import mybookings as t

SLOTS_PER_PAGE = 8


async def _tell_advisor(
    ctx: Context, booking: Booking, kind: str, text: Callable[[str], str], key: str
) -> None:
    """A message to the advisor, written in the same transaction as the change, in the
    advisor's language (``text`` of their locale), not the client's who made it."""
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


def _advisor_time(booking: Booking, when: datetime, locale: str) -> str:
    """A time as the advisor reads it, in their own zone (UTC if theirs is unreadable)."""
    try:
        return scheduling.format_slot(when, booking.advisor.timezone, locale)
    except PathwiseError:
        return t.ADVISOR_TIME_UTC(time=scheduling.format_slot(when, "UTC", locale))


def _to_booking(ctx: Context) -> Transition:
    return Transition(goto=StepName.BOOKING, data={"booking_id": ctx.data.get("booking_id")})


class RescheduleStep:
    """Pick a new time for a live session (free until the deadline); the old time is freed in
    the same step as the new one is taken."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), back(ctx))]
        free = await scheduling.available_slots(
            ctx.uow,
            booking.advisor_id,
            OfferKind(booking.offer.kind),
            ctx.now,
            rules=rules(ctx),
        )
        missed = await scheduling.advisor_missed(ctx.uow, booking.id)
        slots = scheduling.reschedule_times(free, ctx.now, rules(ctx), missed=missed)
        page = int(ctx.data.get("slot_page", 0))
        shown = slots[page * SLOTS_PER_PAGE : (page + 1) * SLOTS_PER_PAGE]
        zone, locale = ctx.client.timezone, ctx.locale
        back_button = ctx.button(tc.BACK(), "back")
        if not shown:
            text = t.NO_OTHER_TIMES(advisor=booking.advisor.display_name)
            return [Message(text, rows(back_button))]
        times = [ctx.button(s.label(zone, locale), "slot", s.key) for s in shown]
        later = len(slots) > (page + 1) * SLOTS_PER_PAGE
        more = [ctx.button(tc.LATER_TIMES(), "more")] if later else []
        text = t.PICK_NEW_TIME(what=what_text(booking), when=when_text(ctx, booking), zone=zone)
        if not missed:
            text += "\n" + t.NEW_TIMES_KEEP_THE_RULE(hours=ctx.settings.free_cancel_hours)
        return [Message(text, (*rows(*times), *rows(*more, back_button)))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None or press.action not in ("back", "more", "slot"):
            return Transition(replies=[Message(tc.TAP_A_TIME())], reshow=True)
        if press.action == "back":
            return _to_booking(ctx)
        if press.action == "more":
            page = int(ctx.data.get("slot_page", 0)) + 1
            return Transition(data={**ctx.data, "slot_page": page}, reshow=True)
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
            before = booking.starts_at
            await scheduling.reschedule_booking(
                ctx.uow,
                booking.id,
                client_id=ctx.client.id,
                starts_at=scheduling.slot_from_key(press.arg),
                now=ctx.now,
                rules=rules(ctx),
            )
            moved = await own_booking(ctx, booking.id)  # re-read with its advisor and offer
        except scheduling.TooLateToChange as error:
            return Transition(goto=StepName.BOOKING, replies=[Message(str(error))])
        except scheduling.BookingNotFound as error:
            return Transition(goto=StepName.BOOKINGS, data={}, replies=[Message(str(error))])
        except PathwiseError as error:
            # "Just taken": say so, and show the times that are free now.
            return Transition(replies=[Message(str(error))], reshow=True)
        assert moved.starts_at is not None
        if before is not None and before != moved.starts_at:
            after = moved.starts_at

            def moved_text(locale: str) -> str:
                return t.ADVISOR_MOVED(
                    offer=moved.offer.name,
                    before=_advisor_time(moved, before, locale),
                    after=_advisor_time(moved, after, locale),
                )

            await _tell_advisor(
                ctx,
                moved,
                "booking_moved",
                moved_text,
                f"booking_moved:{moved.id}:{scheduling.slot_key(moved.starts_at)}",
            )
        done = t.MOVED(advisor=moved.advisor.display_name, when=when_text(ctx, moved))
        return Transition(
            goto=StepName.BOOKING, data={"booking_id": moved.id}, replies=[Message(done)]
        )


class CancelStep:
    """Are you sure? Then cancel, and for a paid booking refund the session price (never the
    handling fee)."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), back(ctx))]
        what, when = what_text(booking), when_text(ctx, booking)
        if booking.booking_status is BookingStatus.CONFIRMED:
            price = booking.price.format(ctx.locale)
            text = t.CANCEL_PAID(what=what, when=when, price=price)
        else:
            text = t.CANCEL_UNPAID(what=what, when=when)
        yes = ctx.button(t.YES_CANCEL(), "yes", booking.id)
        return [Message(text, rows(yes, ctx.button(t.KEEP_IT(), "keep")))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "keep":
            return _to_booking(ctx)
        if press is None or press.action != "yes":
            return Transition(replies=[Message(t.CANCEL_HINT())])
        try:
            booking = await own_booking(ctx, press.arg)
            was_paid = booking.booking_status is BookingStatus.CONFIRMED
            when = when_text(ctx, booking)
            await scheduling.cancel_booking(
                ctx.uow, booking.id, client_id=ctx.client.id, now=ctx.now, rules=rules(ctx)
            )
            booking = await own_booking(ctx, booking.id)  # re-read with its advisor and offer
        except scheduling.TooLateToChange as error:
            return Transition(goto=StepName.BOOKING, replies=[Message(str(error))])
        except PathwiseError as error:
            return Transition(goto=StepName.BOOKINGS, data={}, replies=[Message(str(error))])
        if not was_paid:
            return Transition(goto=StepName.BOOKINGS, data={}, replies=[Message(t.LET_GO())])
        if booking.starts_at is not None:
            starts = booking.starts_at

            def cancelled_text(locale: str) -> str:
                return t.ADVISOR_CANCELLED(
                    offer=booking.offer.name, when=_advisor_time(booking, starts, locale)
                )

            await _tell_advisor(
                ctx,
                booking,
                "booking_cancelled",
                cancelled_text,
                f"booking_cancelled:{booking.id}",
            )
        ctx.services.need_billing()
        # The cancellation stands on its own (committed); billing then refunds it.
        return Transition(after_commit=_refund_cancellation(booking.id, what_text(booking), when))


def _refund_cancellation(booking_id: int, what: str, when: str) -> AfterCommit:
    """Refund the session price of a booking just cancelled in time."""

    async def refund(ctx: Context) -> Transition:
        billing = ctx.services.need_billing()
        try:
            outcome = await billing.refund_cancelled_booking(booking_id, ctx.client.id)
        except PathwiseError as error:
            return Transition(
                goto=StepName.BOOKING,
                data={"booking_id": booking_id},
                replies=[Message(t.REFUND_NOT_YET(error=str(error)))],
            )
        amount = outcome.amount.format(ctx.locale)
        done = t.CANCELLED_REFUNDED(what=what, when=when, amount=amount)
        return Transition(goto=StepName.BOOKINGS, data={}, replies=[Message(done)])

    return refund


class RefundStep:
    """The money-back guarantee: the itemized preview, then the refund on confirmation."""

    async def show(self, ctx: Context) -> list[Reply]:
        amount = str(ctx.data.get("amount", ""))
        yes = ctx.button(t.YES_REFUND(amount=amount), "confirm", ctx.data.get("booking_id", 0))
        return [
            Message(
                t.REFUND_PREVIEW(preview=ctx.data.get("preview", "")),
                rows(yes, ctx.button(tc.BACK(), "back")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "back":
            return _to_booking(ctx)
        if press is None or press.action != "confirm":
            return Transition(replies=[Message(t.REFUND_HINT())])
        try:
            booking = await own_booking(ctx, press.arg)
        except PathwiseError as error:
            return Transition(goto=StepName.BOOKINGS, data={}, replies=[Message(str(error))])
        ctx.services.need_billing()
        # Billing opens its own transactions and calls Stripe.
        return Transition(after_commit=_request_refund(booking.id))


def _request_refund(booking_id: int) -> AfterCommit:
    """The money-back refund itself."""

    async def refund(ctx: Context) -> Transition:
        billing = ctx.services.need_billing()
        try:
            outcome = await billing.request_refund(booking_id, ctx.client.id)
        except (RefundRefused, NotYourBooking) as error:
            # Refused for good (twice, too late, too early): say why, and show the booking.
            return Transition(
                goto=StepName.BOOKING,
                data={"booking_id": booking_id},
                replies=[Message(str(error))],
            )
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))])  # Stripe busy: the button still works
        amount = outcome.amount.format(ctx.locale)
        return Transition(
            goto=StepName.BOOKING,
            data={"booking_id": booking_id},
            replies=[Message(t.REFUNDED_DONE(amount=amount))],
        )

    return refund
