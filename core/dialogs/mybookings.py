"""My bookings: the client's upcoming and recent bookings and one booking's card, with what
the client can do with it now (the changes themselves: ``core.dialogs.booking_changes``).

Every press names a booking in its button, and every press re-reads that booking as the
client's own before acting: a forged id, a mistyped one and someone else's all get the same
"we couldn't find that booking among yours". The rules themselves (free changes until 24 h
before, what a refund returns) live in scheduling and billing; this module only asks them.
Billing opens its own transactions, so its calls run after the dialog's is committed
(``Transition.after_commit``; on SQLite an uncommitted write here would block billing's).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from core import scheduling
from core.dialogs import aftercare
from core.dialogs.engine import AfterCommit, Context, Transition, pressed, rows
from core.dialogs.steps import StepName
from core.errors import PathwiseError
from core.models import Booking, BookingStatus, Review
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus, Refund, RefundStatus
from core.parsing import parse_id
from core.payments.guarantee import guarantee_window, refundable_left
from core.replies import AnyButton, Input, Message, Reply
from core.texts import Text
from core.texts import chat as tc
from core.texts import mybookings as t

RECENT = timedelta(days=60)  # ended, cancelled or refunded bookings stay listed this long
LISTED = 6  # at most this many upcoming, and as many recent
STATUS_WORDS: dict[BookingStatus, Text] = {
    BookingStatus.COMPLETED: t.DONE,
    BookingStatus.CANCELLED: t.CANCELLED,
    BookingStatus.REFUNDED: t.REFUNDED,
    BookingStatus.EXPIRED: t.EXPIRED,
}


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
        return t.WAITING()
    if status is BookingStatus.CONFIRMED:
        if ends_at(booking) <= now:
            return t.DONE()
        if booking.starts_at is None:
            return t.ACTIVE()  # a messaging package runs from payment to its last day
        return t.ON_NOW() if booking.starts_at <= now else t.BOOKED()
    return STATUS_WORDS[status]()


def when_text(ctx: Context, booking: Booking) -> str:
    """The session's start in the client's zone, e.g. "Tue 24 Nov, 10:00"; a package's days."""
    if booking.starts_at is None:
        zone, locale = ctx.client.timezone, ctx.locale
        start = scheduling.format_day(scheduling.local_day(booking.created_at, zone), locale)
        end = scheduling.format_day(scheduling.local_day(ends_at(booking), zone), locale)
        return t.FROM_DAY(day=start, end=end)
    return scheduling.format_slot(booking.starts_at, ctx.client.timezone, ctx.locale)


def what_text(booking: Booking) -> str:
    """ "60-minute live session with Ana Ruiz"."""
    return t.WHAT(offer=booking.offer.name, advisor=booking.advisor.display_name)


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


def rules(ctx: Context) -> scheduling.SchedulingRules:
    return scheduling.SchedulingRules.from_settings(ctx.settings)


async def ensure_changeable(ctx: Context, booking: Booking, *, reschedule: bool = False) -> None:
    """Nothing if the booking can still be rescheduled (``reschedule``) or cancelled free of
    charge; else scheduling's refusal in its own words (TooLateToChange, BookingClosed)."""
    if scheduling.can_change_free(booking, ctx.now, rules(ctx)):
        return
    if reschedule and await scheduling.may_reschedule(ctx.uow, booking, ctx.now, rules(ctx)):
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
            rules=rules(ctx),
        )
    raise scheduling.TooLateToChange(t.PACKAGE_NOT_CANCELLABLE())


def back(ctx: Context) -> tuple[tuple[AnyButton, ...], ...]:
    return rows(ctx.button(t.BACK_TO_LIST(), "back"), per_row=1)


def tap_hint() -> Transition:
    return Transition(replies=[Message(tc.TAP_AN_OPTION())], reshow=True)


# -- the list and the card --------------------------------------------------------------------


class BookingsStep:
    """The list: upcoming and recent bookings, each with a button to open it."""

    async def show(self, ctx: Context) -> list[Reply]:
        upcoming, recent = await listed_bookings(ctx)
        if not upcoming and not recent:
            return [
                Message(
                    t.NONE_YET(),
                    rows(
                        ctx.button(tc.FIND_AN_ADVISOR(), "find"),
                        ctx.button(tc.BACK_TO_MENU(), "menu"),
                    ),
                )
            ]
        parts = [t.LIST_INTRO(zone=ctx.client.timezone)]
        for title, group in ((t.UPCOMING, upcoming), (t.RECENT, recent)):
            if group:
                lines = [
                    t.LIST_LINE(
                        when=when_text(ctx, b), what=what_text(b), status=status_words(b, ctx.now)
                    )
                    for b in group
                ]
                parts.append(title(lines="\n".join(lines)))
        opens = [
            ctx.button(t.OPEN(when=when_text(ctx, b), advisor=b.advisor.display_name), "view", b.id)
            for b in (*upcoming, *recent)
        ]
        return [
            Message(
                t.LIST_END(groups="\n\n".join(parts)),
                (*rows(*opens, per_row=1), (ctx.button(tc.BACK_TO_MENU(), "menu"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "menu":
            return Transition(goto=StepName.HOME, data={})
        if press is not None and press.action == "find":
            return Transition(goto=StepName.TOPICS, data={"topics": []})
        if press is not None and press.action == "view":
            try:
                booking = await own_booking(ctx, press.arg)
            except PathwiseError as error:
                return Transition(replies=[Message(str(error))], reshow=True)
            return Transition(goto=StepName.BOOKING, data={"booking_id": booking.id})
        return Transition(replies=[Message(t.TAP_A_BOOKING())], reshow=True)


async def _card(ctx: Context, booking: Booking) -> tuple[list[str], list[AnyButton]]:
    """The card's lines after its heading, and its actions, by where the booking stands. A
    button is offered only when its action can be done now; otherwise a line says the rule
    and when it ends."""
    now, settings, status = ctx.now, ctx.settings, booking.booking_status
    lines: list[str] = []
    actions: list[AnyButton] = []
    if status is BookingStatus.HELD:
        if scheduling.hold_is_live(booking, now):
            lines.append(t.HOLDING())
            actions.append(ctx.button(t.PAY_NOW(), "pay", booking.id))
            actions.append(ctx.button(t.CANCEL_BOOKING(), "cancel", booking.id))
    elif status is BookingStatus.CONFIRMED and not has_started(booking, now):
        if scheduling.can_change_free(booking, now, rules(ctx)):
            assert booking.starts_at is not None
            deadline = booking.starts_at - timedelta(hours=settings.free_cancel_hours)
            until = scheduling.format_slot(deadline, ctx.client.timezone, ctx.locale)
            lines.append(t.FREE_UNTIL(until=until))
            actions.append(ctx.button(t.RESCHEDULE(), "reschedule", booking.id))
            actions.append(ctx.button(t.CANCEL_BOOKING(), "cancel", booking.id))
        else:
            lines.append(t.FREE_ENDED(hours=settings.free_cancel_hours))
    elif status is BookingStatus.CONFIRMED and await scheduling.advisor_missed(ctx.uow, booking.id):
        lines.append(t.ADVISOR_MISSED())
        actions.append(ctx.button(t.NEW_TIME(), "reschedule", booking.id))
        actions.append(ctx.button(t.ASK_REFUND(), "refund", booking.id))
    elif status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        line, may_ask = await _guarantee_line(ctx, booking)
        lines.extend([line] if line else [])
        if may_ask:
            actions.append(ctx.button(t.ASK_REFUND(), "refund", booking.id))
    elif status is BookingStatus.REFUNDED:
        lines.append(t.WAS_REFUNDED())
    elif status is BookingStatus.CANCELLED and await refund_outstanding(ctx, booking):
        lines.append(t.REFUND_PENDING())
        actions.append(ctx.button(t.GET_REFUND(), "refundc", booking.id))
    rateable = status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.REFUNDED)
    if rateable and ends_at(booking) <= now and not await is_reviewed(ctx, booking):
        actions.append(ctx.button(t.RATE(), "rate", booking.id))
    over = (rateable and ends_at(booking) <= now) or status is BookingStatus.CANCELLED
    if over and booking.advisor.active and booking.advisor.approved:
        name = booking.advisor.display_name
        actions.append(ctx.button(t.BOOK_AGAIN(advisor=name), "again", booking.id))
    return lines, actions


async def _guarantee_line(ctx: Context, booking: Booking) -> tuple[str, bool]:
    """What the card says of the money-back guarantee, and whether a refund may be asked now:
    from the end of the session (or a package's last day) until its window closes."""
    purchase = await ctx.uow.session.scalar(
        select(Purchase)
        .where(
            Purchase.booking_id == booking.id,
            Purchase.kind == PurchaseKind.BOOKING.value,
            Purchase.status == PurchaseStatus.PAID.value,
        )
        .options(selectinload(Purchase.refunds))
    )
    if purchase is None or refundable_left(purchase) == 0:
        return "", False
    opens, closes = guarantee_window(booking, purchase, ctx.settings)
    zone, locale = ctx.client.timezone, ctx.locale
    if ctx.now < opens:
        return t.GUARANTEE_OPENS(
            opens=scheduling.format_slot(opens, zone, locale),
            closes=scheduling.format_slot(closes, zone, locale),
        ), False
    if ctx.now > closes:
        return t.GUARANTEE_ENDED(closes=scheduling.format_slot(closes, zone, locale)), False
    return t.GUARANTEE(hours=ctx.settings.guarantee_window_hours), True


class BookingStep:
    """One booking's card, with what the client can do with it now."""

    async def show(self, ctx: Context) -> list[Reply]:
        try:
            booking = await own_booking(ctx, ctx.data.get("booking_id"))
        except PathwiseError as error:
            return [Message(str(error), back(ctx))]
        lines, actions = await _card(ctx, booking)
        heading = [
            what_text(booking),
            t.CARD_WHEN(when=when_text(ctx, booking), zone=ctx.client.timezone),
            t.CARD_STATUS(status=status_words(booking, ctx.now)),
        ]
        return [
            Message(
                "\n".join([*heading, *lines]),
                (*rows(*actions, per_row=2), (ctx.button(t.BACK_TO_LIST(), "back"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None:
            return tap_hint()
        if press.action == "back":
            return Transition(goto=StepName.BOOKINGS, data={})
        if press.action not in (
            "pay",
            "reschedule",
            "cancel",
            "refund",
            "refundc",
            "rate",
            "again",
        ):
            return tap_hint()
        try:
            booking = await own_booking(ctx, press.arg)
            if press.action == "pay" and not scheduling.hold_is_live(booking, ctx.now):
                raise scheduling.BookingClosed(t.HOLD_GONE())
            if press.action in ("reschedule", "cancel"):
                await ensure_changeable(ctx, booking, reschedule=press.action == "reschedule")
            if press.action == "rate":
                await aftercare.rateable_booking(ctx.uow, ctx.client.id, booking.id, ctx.now)
                if await is_reviewed(ctx, booking):
                    raise aftercare.AlreadyRated()
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))], reshow=True)
        data = {"booking_id": booking.id}
        if press.action == "again":  # the advisor's card, their offers and free times
            return Transition(goto=StepName.PROFILE, data={"advisor_id": booking.advisor_id})
        if press.action == "pay":  # the summary again, its Pay button; Cancel comes back here
            return Transition(goto=StepName.SUMMARY, data={**data, "from": "bookings"})
        if press.action == "reschedule":
            return Transition(goto=StepName.RESCHEDULE, data={**data, "slot_page": 0})
        if press.action == "cancel":
            return Transition(goto=StepName.CANCEL_BOOKING, data=data)
        if press.action == "rate":
            return Transition(goto=StepName.RATE, data=data)
        ctx.services.need_billing()
        if press.action == "refundc":
            return Transition(after_commit=_refund_cancelled(booking.id))
        return Transition(after_commit=_preview_refund(booking.id))


def _preview_refund(booking_id: int) -> AfterCommit:
    """Ask billing what a refund would give back (in its own transaction); the preview step
    shows it."""

    async def preview(ctx: Context) -> Transition:
        billing = ctx.services.need_billing()
        try:
            preview = await billing.preview_refund(booking_id, ctx.client.id)
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))], reshow=True)
        return Transition(
            goto=StepName.REFUND,
            data={
                "booking_id": booking_id,
                # The words only, computed here: the preview step must not call billing while
                # the dialog's own transaction is writing.
                "preview": preview.describe(ctx.locale, ctx.client.timezone),
                "amount": preview.amount.format(ctx.locale),
            },
        )

    return preview


def _refund_cancelled(booking_id: int) -> AfterCommit:
    """Try again to refund a booking cancelled in time (Stripe was busy the first time)."""

    async def refund(ctx: Context) -> Transition:
        billing = ctx.services.need_billing()
        try:
            outcome = await billing.refund_cancelled_booking(booking_id, ctx.client.id)
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))], reshow=True)
        amount = outcome.amount.format(ctx.locale)
        return Transition(replies=[Message(t.ON_ITS_WAY(amount=amount))], reshow=True)

    return refund
