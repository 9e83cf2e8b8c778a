"""What the client and the advisor are told of a payment and of a refund, each in their own
language and locale (the texts below take the recipient's locale; ``outbox.enqueue`` calls
them in its language)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from core import outbox
from core.calendar_invite import filename as calendar_filename
from core.config import Settings
from core.db import UnitOfWork
from core.models.accounts import Advisor, Client, Offer
from core.models.billing import (
    AdvisorPayoutAccount,
    Purchase,
    PurchaseKind,
    Receipt,
    Refund,
    RefundKind,
)
from core.models.bookings import Booking
from core.models.outbox import Audience
from core.names import advisor_facing_name
from core.outbox import DocumentRef
from core.payments.deps import client_locale
from core.payments.times import local_time
from core.texts import billing as t
from core.texts import calendar as tcal
from core.texts import refunds as rt

# Why a refund was made, as stored on it and printed on its credit note: the wording of its
# messages follows it.
REASON_GUARANTEE = "Money-back guarantee"
REASON_CANCELLED = "Booking cancelled"
REASON_NO_SHOW = "Advisor did not attend"
REASON_EXTERNAL = "refunded outside Pathwise"


def booking_when(booking: Booking | None, timezone: str | None, locale: str = "en_US") -> str:
    """ " on <date of the booking>" in a person's zone and locale, or nothing if it has no
    date."""
    if booking is None or booking.starts_at is None:
        return ""
    return rt.ON_DATE(when=local_time(booking.starts_at, timezone, locale))


def _ids(purchase: Purchase) -> dict[str, object]:
    return {"purchase_id": purchase.id, "booking_id": purchase.booking_id}


async def has_payout_account(uow: UnitOfWork, advisor_id: int) -> bool:
    account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
    return account is not None and account.payouts_enabled


async def notify_paid(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    receipt: Receipt,
    people: tuple[Client | None, Advisor],
    offer: Offer | None,
    now: datetime,
) -> None:
    """The client's receipt and next steps, and the advisor's payment notification
    (``offer``: what the booking was for, read while it was loaded; None for a tip)."""
    client, advisor = people
    if client is not None:

        def receipt_ready(locale: str) -> str:
            return t.RECEIPT_READY(number=receipt.number, total=purchase.total.format(locale))

        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="receipt",
            client_id=client.id,
            text=receipt_ready,
            document=DocumentRef("receipt", receipt.id, receipt.filename),
            data=_ids(purchase),
            dedupe_key=f"receipt:{receipt.id}",
            now=now,
        )
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="next_steps" if purchase.kind == PurchaseKind.BOOKING else "tip_thanks",
            client_id=client.id,
            text=partial(client_next_steps, settings, purchase, booking, client, advisor),
            data=_ids(purchase),
            dedupe_key=f"paid_client:{purchase.id}",
            now=now,
        )
        if (
            purchase.kind == PurchaseKind.BOOKING
            and booking is not None
            and booking.starts_at is not None
        ):
            await outbox.enqueue(  # the session for the client's own calendar app
                uow,
                audience=Audience.CLIENT,
                kind="calendar",
                client_id=client.id,
                text=outbox.words(tcal.READY),
                document=DocumentRef(
                    "calendar",
                    booking.id,
                    calendar_filename(booking, client_locale(client, settings)),
                ),
                data=_ids(purchase),
                dedupe_key=f"calendar:{purchase.id}",
                now=now,
            )
    payouts_ready = await has_payout_account(uow, advisor.id)

    def paid(locale: str) -> str:
        text = advisor_paid_text(settings, purchase, booking, offer, client, advisor, locale)
        return text if payouts_ready else text + t.SET_UP_PAYOUTS()

    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="payment_received",
        advisor_id=advisor.id,
        text=paid,
        data=_ids(purchase),
        dedupe_key=f"paid_advisor:{purchase.id}",
        now=now,
    )


def advisor_paid_text(
    settings: Settings,
    purchase: Purchase,
    booking: Booking | None,
    offer: Offer | None,
    client: Client | None,
    advisor: Advisor,
    locale: str,
) -> str:
    """The advisor's news of a paid booking (with what the client chose to share) or tip,
    amounts and dates in ``locale``."""
    share = purchase.advisor_share.format(locale)
    hours = settings.guarantee_window_hours
    who = advisor_facing_name(client) if client is not None else t.A_CLIENT()
    if purchase.kind != PurchaseKind.BOOKING:
        amount = purchase.tip.format(locale)
        return t.TIP_RECEIVED(who=who, amount=amount, share=share, hours=hours)
    bought = offer.name if offer is not None else purchase.description  # in this language
    if booking is not None and booking.starts_at:
        when = local_time(booking.starts_at, advisor.timezone, locale)
        text = t.BOOKING_PAID_ON(offer=bought, who=who, when=when, share=share, hours=hours)
    else:
        text = t.BOOKING_PAID(offer=bought, who=who, share=share, hours=hours)
    if booking is not None and booking.client_note:
        text += t.SHARED_NOTE(who=who, note=booking.client_note)
    return text


def client_next_steps(
    settings: Settings,
    purchase: Purchase,
    booking: Booking | None,
    client: Client,
    advisor: Advisor,
    locale: str,
) -> str:
    """The client's confirmation: what was bought, when, how to join, and the guarantee,
    amounts and dates in ``locale``."""
    if purchase.kind == PurchaseKind.TIP:
        return t.TIP_THANKS(amount=purchase.tip.format(locale), advisor=advisor.display_name)
    hours = settings.guarantee_window_hours
    guarantee = (
        t.GUARANTEE_WITH_FEE(hours=hours, fee=purchase.fee.format(locale))
        if purchase.fee_minor
        else t.GUARANTEE(hours=hours)
    )
    if booking is not None and booking.starts_at is not None:
        return t.BOOKED(
            description=purchase.description,
            when=local_time(booking.starts_at, client.timezone, locale),
            minutes=settings.channel_open_minutes_before,
            guarantee=guarantee,
        )
    return t.ALL_SET(description=purchase.description, guarantee=guarantee)


async def notify_refunded(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    receipt: Receipt,
    people: tuple[Client | None, Advisor],
    now: datetime,
) -> None:
    """The client's credit note and the advisor's notice of a refund."""
    client, advisor = people
    if client is not None:
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="credit_note",
            client_id=client.id,
            text=partial(
                refund_text_for_client, settings, purchase, booking, refund, receipt, client
            ),
            document=DocumentRef("receipt", receipt.id, receipt.filename),
            data=_ids(purchase),
            dedupe_key=f"credit_note:{receipt.id}",
            now=now,
        )
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="refund_notice",
        advisor_id=advisor.id,
        text=partial(refund_text_for_advisor, settings, purchase, booking, refund, client, advisor),
        data=_ids(purchase),
        dedupe_key=f"refund_notice:{refund.id}",
        now=now,
    )


def refund_text_for_client(
    settings: Settings,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    receipt: Receipt,
    client: Client,
    locale: str,
) -> str:
    """What the client is told of a refund: why, how much, for which booking, in ``locale``."""
    params = {
        "amount": refund.amount.format(locale),
        "when": booking_when(booking, client.timezone, locale),
        "number": receipt.number,
    }
    if refund.reason == REASON_CANCELLED:
        text = rt.CLIENT_CANCELLED(**params)
    elif refund.reason == REASON_NO_SHOW:
        text = rt.CLIENT_NO_SHOW(**params)
    elif refund.reason == REASON_GUARANTEE:
        text = rt.CLIENT_GUARANTEE(**params)
    elif refund.kind == RefundKind.EXTERNAL:
        text = rt.CLIENT_EXTERNAL(**params)
    else:
        text = rt.CLIENT_OTHER(**params)
    if purchase.fee_minor and refund.kind != RefundKind.EXTERNAL:
        text += rt.FEE_KEPT(fee=purchase.fee.format(locale))
    return text


def refund_text_for_advisor(
    settings: Settings,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    client: Client | None,
    advisor: Advisor,
    locale: str,
) -> str:
    """What the advisor is told of a refund: why, how much, for which booking, in
    ``locale``."""
    params = {
        "amount": refund.amount.format(locale),
        "when": booking_when(booking, advisor.timezone, locale),
        "description": purchase.description,
    }
    who = advisor_facing_name(client) if client is not None else t.THE_CLIENT()
    if refund.reason == REASON_CANCELLED:
        return rt.ADVISOR_CANCELLED(who=who, **params)
    if refund.reason == REASON_NO_SHOW:
        return rt.ADVISOR_NO_SHOW(**params)
    if refund.reason == REASON_GUARANTEE:
        return rt.ADVISOR_GUARANTEE(who=who, **params)
    if refund.kind == RefundKind.EXTERNAL:
        return rt.ADVISOR_EXTERNAL(**params)
    return rt.ADVISOR_OTHER(reason=refund.reason, **params)
