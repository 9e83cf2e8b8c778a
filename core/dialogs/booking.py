"""From a chosen advisor to a chosen offer: the profile card and the offer buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import scheduling, sharing
from core.dialogs import profile_card
from core.dialogs.engine import Context, Transition, committed, pressed, rows, typed
from core.dialogs.steps import StepName
from core.errors import PathwiseError
from core.matching import TimePreference, Weights
from core.models import Advisor, Booking, BookingStatus, Offer
from core.names import advisor_facing_name, pseudonym_for, receipt_name
from core.parsing import parse_id
from core.payments.times import local_time
from core.replies import Image, Input, LinkButton, Message, Reply
from core.taxonomy import OfferKind
from core.texts import booking as t
from core.texts import chat as tc
from core.texts import profile_card as tp


async def bookable_advisor(ctx: Context, advisor_id: int) -> Advisor | None:
    """The advisor with their offers, if they are active and approved."""
    return await ctx.uow.session.scalar(
        select(Advisor)
        .where(Advisor.id == advisor_id, Advisor.active.is_(True), Advisor.approved.is_(True))
        .options(selectinload(Advisor.offers))
    )


async def advisor_id_by_slug(ctx: Context, slug: str) -> int | None:
    """The id of a bookable advisor from a shareable link's slug."""
    return await ctx.uow.session.scalar(
        select(Advisor.id).where(
            Advisor.slug == slug, Advisor.active.is_(True), Advisor.approved.is_(True)
        )
    )


def offer_label(offer: Offer, locale: str) -> str:
    return t.OFFER(name=offer.name.capitalize(), price=offer.price.format(locale))


class ProfileStep:
    """An advisor's card: photo, who they are, what they sell."""

    async def show(self, ctx: Context) -> list[Reply]:
        advisor = await bookable_advisor(ctx, int(ctx.data.get("advisor_id", 0)))
        if advisor is None:
            return [Message(t.NOT_BOOKABLE(), rows(ctx.button(tc.BACK_TO_MENU(), "menu")))]
        locale = ctx.locale
        facts = await profile_card.profile_facts(ctx.uow, advisor.id)
        card = profile_card.card_text(
            advisor, facts, profile_card.client_locale(ctx.client.locale, locale)
        )
        offers = [
            ctx.button(offer_label(o, locale), "offer", o.id) for o in advisor.offers if o.active
        ]
        share = ctx.button(tp.SHARE(), "share")
        back = [ctx.button(t.BACK_TO_MATCHES(), "back")] if ctx.data.get("suggested") else []
        replies: list[Reply] = []
        if advisor.photo_url:
            replies.append(Image(advisor.photo_url, advisor.display_name))
        replies.append(Message(card, (*rows(*offers, per_row=1), *rows(share, *back, per_row=1))))
        return replies

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        advisor = await bookable_advisor(ctx, int(ctx.data.get("advisor_id", 0)))
        if advisor is None:
            return Transition(goto=StepName.HOME, data={}, replies=[Message(t.NOT_BOOKABLE())])
        if press is not None and press.action == "menu":
            return Transition(goto=StepName.HOME, data={})
        if press is not None and press.action == "back" and ctx.data.get("suggested"):
            return Transition(goto=StepName.RESULTS)
        if press is not None and press.action == "share":
            # The card stays as it is, its buttons still live, with the link below it.
            shared = sharing.share_of(ctx.settings, advisor)
            link = Message(tp.SHARE_LINK(name=shared.name, url=shared.url))
            return Transition(replies=[link], buttons_again=False)  # a message to forward
        offer_id = parse_id(press.arg) if press is not None else None
        if press is not None and press.action == "offer" and offer_id is not None:
            offer = next((o for o in advisor.offers if o.id == offer_id and o.active), None)
            if offer is None:
                return Transition(replies=[Message(tc.OPTION_EXPIRED())], reshow=True)
            data = {**ctx.data, "offer_id": offer.id, "slot_page": 0}
            if offer.kind != OfferKind.MESSAGING:
                return Transition(goto=StepName.SLOT, data=data)
            try:
                booking = await scheduling.hold_package(
                    ctx.uow,
                    client_id=ctx.client.id,
                    offer_id=offer.id,
                    now=ctx.now,
                    rules=_rules(ctx),
                )
            except PathwiseError as error:
                return Transition(replies=[Message(str(error))], reshow=True)
            # The hold is a fact of its own: committed before the summary prices it.
            return committed(
                Transition(goto=StepName.SUMMARY, data={**data, "booking_id": booking.id})
            )
        return Transition(replies=[Message(tc.TAP_AN_OPTION())], reshow=True)


SLOTS_PER_PAGE = 8


class SlotStep:
    """A live session's time: the advisor's free times in the client's zone, then a hold."""

    async def show(self, ctx: Context) -> list[Reply]:
        offer = await ctx.uow.session.get(Offer, int(ctx.data.get("offer_id", 0)))
        if offer is None:
            return [Message(t.NOT_BOOKABLE(), rows(ctx.button(tc.BACK_TO_MENU(), "menu")))]
        rules = _rules(ctx)
        slots = await scheduling.available_slots(
            ctx.uow, offer.advisor_id, OfferKind(offer.kind), ctx.now, rules=rules
        )
        preference = _preference(ctx)
        slots, note = _preferred_first(slots, preference, ctx.client.timezone, rules.horizon_days)
        page = int(ctx.data.get("slot_page", 0))
        shown = slots[page * SLOTS_PER_PAGE : (page + 1) * SLOTS_PER_PAGE]
        if not shown:
            return [
                Message(
                    t.NO_FREE_TIMES(days=rules.horizon_days),
                    rows(ctx.button(tc.BACK_TO_MENU(), "menu")),
                )
            ]
        zone, locale = ctx.client.timezone, ctx.locale
        buttons = [ctx.button(s.label(zone, locale), "slot", s.key) for s in shown]
        later = len(slots) > (page + 1) * SLOTS_PER_PAGE
        more = [ctx.button(tc.LATER_TIMES(), "more")] if later else []
        question = t.WHEN(offer=offer.name, zone=zone)
        return [
            Message(
                f"{question}\n{note}" if note else question,
                (*rows(*buttons), *rows(*more, ctx.button(tc.BACK(), "back"))),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None:
            return Transition(replies=[Message(tc.TAP_A_TIME())], reshow=True)
        if press.action == "menu":
            return Transition(goto=StepName.HOME, data={})
        if press.action == "back":
            return Transition(goto=StepName.PROFILE, data={**ctx.data, "slot_page": 0})
        if press.action == "more":
            page = int(ctx.data.get("slot_page", 0)) + 1
            return Transition(data={**ctx.data, "slot_page": page}, reshow=True)
        if press.action != "slot":
            return Transition(replies=[Message(tc.TAP_A_TIME())], reshow=True)
        try:
            starts_at = scheduling.slot_from_key(press.arg)
            booking = await scheduling.hold_slot(
                ctx.uow,
                client_id=ctx.client.id,
                offer_id=int(ctx.data["offer_id"]),
                starts_at=starts_at,
                now=ctx.now,
                rules=_rules(ctx),
            )
        except PathwiseError as error:
            # "Just taken": say so, and show the times that are free now.
            return Transition(replies=[Message(str(error))], reshow=True)
        # The hold is a fact of its own: keep it even if what follows fails.
        return committed(
            Transition(goto=StepName.SUMMARY, data={**ctx.data, "booking_id": booking.id})
        )


def _preference(ctx: Context) -> TimePreference:
    try:
        return TimePreference(ctx.data.get("when", "any"))
    except ValueError:
        return TimePreference.ANY


def _preferred_first(
    slots: list[scheduling.Slot], preference: TimePreference, zone: str, days: int
) -> tuple[list[scheduling.Slot], str]:
    """The slots with those that suit the client's "when" (evenings, weekends, in their own
    zone) first, each group in time order; and a line saying so, or that none suits."""
    if preference not in (TimePreference.EVENINGS, TimePreference.WEEKENDS):
        return slots, ""
    tz = ZoneInfo(zone)
    opens, closes = Weights().evening_hours
    hours = {"opens": f"{opens:02d}:00", "closes": f"{closes:02d}:00"}

    def suits(slot: scheduling.Slot) -> bool:
        local = slot.starts_at.astimezone(tz)
        if preference is TimePreference.WEEKENDS:
            return local.weekday() >= 5
        return opens <= local.hour < closes

    fitting = [s for s in slots if suits(s)]
    others = [s for s in slots if not suits(s)]
    evenings = preference is TimePreference.EVENINGS
    if not fitting:
        note = t.NO_EVENINGS(days=days, **hours) if evenings else t.NO_WEEKENDS(days=days)
        return slots, note
    return fitting + others, t.EVENINGS_FIRST(**hours) if evenings else t.WEEKENDS_FIRST()


class SummaryStep:
    """The itemized price, in plain words, before paying."""

    async def show(self, ctx: Context) -> list[Reply]:
        billing = ctx.services.need_billing()
        try:
            quote = await billing.quote_booking(int(ctx.data["booking_id"]), ctx.client.id)
        except PathwiseError as error:
            return [Message(str(error), rows(ctx.button(tc.BACK_TO_MENU(), "menu")))]
        shown = advisor_facing_name(ctx.client)
        alias = pseudonym_for(ctx.client.id)
        booking = await ctx.uow.session.get(
            Booking,
            int(ctx.data["booking_id"]),
            options=[selectinload(Booking.offer), selectinload(Booking.advisor)],
        )
        assert booking is not None  # the quote has just found it
        text = t.SUMMARY(
            quote=quote.describe(ctx.locale),
            terms="\n".join(_terms(ctx, booking)),
            shown=shown,
            receipt_name=receipt_name(ctx.client),
        )
        if shown == alias:
            switch = ctx.button(t.AS_FIRST(name=ctx.client.display_name), "as_first")
        else:
            switch = ctx.button(t.AS_ALIAS(alias=alias), "as_alias")
        pay = ctx.button(t.PAY(total=quote.total.format(ctx.locale)), "pay")
        rename = ctx.button(t.RENAME(), "receipt_name")
        cancel = ctx.button(t.CANCEL(), "menu")
        return [Message(text, rows(pay, switch, rename, cancel, per_row=1))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "menu":
            return await _back_from_summary(ctx)
        if press is not None and press.action == "receipt_name":
            return Transition(goto=StepName.RECEIPT_NAME)
        if press is not None and press.action in ("as_alias", "as_first"):
            # The name advisors will see: the client's choice, before paying.
            alias = pseudonym_for(ctx.client.id)
            ctx.client.advisor_name = (
                alias if press.action == "as_alias" else ctx.client.display_name
            )
            return Transition(reshow=True)
        if press is None or press.action != "pay":
            return Transition(replies=[Message(t.PAY_HINT())], reshow=True)
        if ctx.client.advisor_name is None:  # paying with the name the summary showed
            ctx.client.advisor_name = ctx.client.display_name
        if ctx.client.billing_name is None:  # confirmed by paying, as the summary said
            ctx.client.billing_name = receipt_name(ctx.client)
        booking = await ctx.uow.session.get(Booking, int(ctx.data["booking_id"]))
        if booking is not None and booking.client_id == ctx.client.id:
            shared = ctx.data.get("share_description") and ctx.data.get("description")
            booking.client_note = str(shared) if shared else None
        return _checkout(ctx)


RECEIPT_NAME_MAX = 80


def _terms(ctx: Context, booking: Booking) -> list[str]:
    """Every term of the booking in plain words, one sentence each, before the Pay button."""
    settings, zone = ctx.settings, ctx.client.timezone
    locale, advisor = ctx.locale, booking.advisor.display_name

    def when(moment: datetime) -> str:  # as the quote's line above reads: one format here
        return local_time(moment, zone, ctx.client.locale)

    terms = [t.TERM_FEE()]
    if booking.starts_at is not None and booking.ends_at is not None:
        minutes = (booking.ends_at - booking.starts_at) // timedelta(minutes=1)
        start, end = when(booking.starts_at), scheduling.format_clock(booking.ends_at, zone, locale)
        terms.append(t.TERM_LIVE(minutes=minutes, advisor=advisor, start=start, end=end))
    else:
        last = ctx.now + timedelta(days=booking.offer.days or 0)
        end = when(last)
        days = booking.offer.days or 0
        terms.append(t.TERM_MESSAGING(days=days, advisor=advisor, end=end))
    terms.append(t.TERM_JOIN(code_minutes=settings.link_code_ttl_minutes))
    if booking.starts_at is not None:
        hours = settings.free_cancel_hours
        deadline = booking.starts_at - timedelta(hours=hours)
        if deadline > ctx.now:
            terms.append(t.TERM_CHANGES_LIVE(until=when(deadline), hours=hours))
        else:
            terms.append(t.TERM_CHANGES_TOO_SOON(hours=hours))
        terms.append(t.TERM_GUARANTEE(hours=settings.guarantee_window_hours))
        terms.append(t.TERM_HOLD_LIVE(minutes=settings.slot_hold_minutes))
    else:
        terms.append(t.TERM_CHANGES_MESSAGING())
        terms.append(t.TERM_GUARANTEE(hours=settings.guarantee_window_hours))
        terms.append(t.TERM_HOLD_MESSAGING(minutes=settings.slot_hold_minutes))
    return terms


class ReceiptNameStep:
    """The name receipts carry, typed by the client (their full name, or a company's)."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                t.RECEIPT_NAME(limit=RECEIPT_NAME_MAX),
                rows(ctx.button(t.KEEP_NAME(name=receipt_name(ctx.client)), "keep")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "keep":
            return Transition(goto=StepName.SUMMARY)
        text = typed(event)
        name = " ".join(text.split()) if text else ""
        if not name or len(name) > RECEIPT_NAME_MAX or not name.isprintable():
            return Transition(
                replies=[Message(t.RECEIPT_NAME_HINT(limit=RECEIPT_NAME_MAX))],
                reshow=True,
            )
        ctx.client.billing_name = name
        return Transition(goto=StepName.SUMMARY)


class PayStep:
    """The Stripe Checkout link; the webhook confirms the payment, not this chat."""

    async def show(self, ctx: Context) -> list[Reply]:
        url = str(ctx.data.get("checkout_url", ""))
        return [
            Message(
                t.CHECKOUT(),
                (
                    (LinkButton(t.PAY_WITH_STRIPE(), url),),
                    (ctx.button(t.NEW_LINK(), "pay"),),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "pay":
            return _checkout(ctx)
        booking = await _flow_booking(ctx)
        if booking is not None and booking.booking_status is BookingStatus.CONFIRMED:
            # Paid meanwhile (the webhook confirmed it): the chat goes on from the menu.
            return Transition(goto=StepName.HOME, data={}, replies=[Message(t.PAID_GO_ON())])
        if booking is None or not scheduling.hold_is_live(booking, ctx.now):
            return Transition(goto=StepName.HOME, data={}, replies=[Message(t.LINK_RAN_OUT())])
        return Transition(replies=[Message(t.USE_PAY_BUTTON())], reshow=True)


def _checkout(ctx: Context) -> Transition:
    """Open (or reuse) the booking's Stripe Checkout, once the dialog's transaction is
    committed: billing opens its own transactions and calls Stripe."""
    ctx.services.need_billing()
    return Transition(after_commit=_open_checkout)


async def _open_checkout(ctx: Context) -> Transition:
    billing = ctx.services.need_billing()
    try:
        checkout = await billing.start_checkout(int(ctx.data["booking_id"]), ctx.client.id)
    except PathwiseError as error:
        return Transition(replies=[Message(str(error))])
    return Transition(
        goto=StepName.PAY,
        data={**ctx.data, "checkout_url": checkout.url, "purchase_id": checkout.purchase_id},
    )


async def _back_from_summary(ctx: Context) -> Transition:
    """Cancel at the summary: the held time goes back and the client is one step back, at the
    times (or the advisor's offers, for a package), or at their bookings if they came from
    there; never back through every question."""
    booking = await _flow_booking(ctx)
    await release_held(ctx)
    let_go: list[Reply] = [Message(t.LET_GO())]
    data = {k: v for k, v in ctx.data.items() if k not in ("booking_id", "from")}
    if ctx.data.get("from") == "bookings" or booking is None or "offer_id" not in data:
        return Transition(goto=StepName.BOOKINGS, data={}, replies=let_go)
    if booking.starts_at is None:
        return Transition(goto=StepName.PROFILE, data=data, replies=[Message(t.LET_GO_PACKAGE())])
    return Transition(goto=StepName.SLOT, data={**data, "slot_page": 0}, replies=let_go)


async def _flow_booking(ctx: Context) -> Booking | None:
    """The client's own booking this flow is holding or paying for, if any."""
    booking_id = parse_id(str(ctx.data.get("booking_id", "")))
    booking = await ctx.uow.session.get(Booking, booking_id) if booking_id else None
    return booking if booking is not None and booking.client_id == ctx.client.id else None


async def release_held(ctx: Context) -> bool:
    """Give back the held time the flow is paying for, if the client still holds it; whether
    there was one. A payment that comes in after all confirms it if the time is still free
    (billing's rule for a lapsed hold)."""
    booking = await _flow_booking(ctx)
    if booking is None or not scheduling.hold_is_live(booking, ctx.now):
        return False
    try:
        await scheduling.release_hold(ctx.uow, booking.id, ctx.now)
    except PathwiseError:
        return False  # already expired or paid: nothing to give back
    return True


def _rules(ctx: Context) -> scheduling.SchedulingRules:
    return scheduling.SchedulingRules.from_settings(ctx.settings)
