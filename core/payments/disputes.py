"""Bank disputes, in whatever order Stripe's news comes: the ledger and the advisor's payout
end where the dispute's latest status says; the team, the client and the advisor are told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import ledger, outbox
from core.config import Settings
from core.db import UnitOfWork
from core.ledger import TransactionKind
from core.models.billing import (
    DisputeStatus,
    PayoutState,
    Purchase,
    PurchaseStatus,
    RefundKind,
    RefundStatus,
)
from core.models.bookings import Booking
from core.models.outbox import Audience
from core.money import Money
from core.payments.deps import BillingDeps
from core.payments.locks import people_of
from core.payments.notices import booking_when
from core.payments.refund_events import find_payment, not_a_sale
from core.payments.stripe_parse import MalformedEvent, Prefetched, object_id, positive_amount
from core.texts import billing as t
from core.texts import disputes as dt


def _checked(dispute: dict[str, Any]) -> tuple[str, str, Money]:
    """(id, status, disputed amount) of a dispute as Stripe sends it; MalformedEvent if not."""
    dispute_id = object_id(dispute.get("id"))
    amount = positive_amount(dispute.get("amount"))
    currency = dispute.get("currency")
    status = dispute.get("status", "needs_response")  # absent: taken as open
    if dispute_id is None or not isinstance(status, str):
        raise MalformedEvent("a dispute without an id or status")
    if amount is None:
        raise MalformedEvent("a dispute without a positive amount")
    if not isinstance(currency, str) or len(currency) != 3:
        raise MalformedEvent("a dispute without a currency")
    return dispute_id, status, Money(amount, currency.upper())


async def on_dispute_event(
    deps: BillingDeps, uow: UnitOfWork, dispute: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    """Any news of a dispute (created, funds withdrawn or reinstated, closed), in any
    order: the ledger and the payout end where the dispute's latest status says."""
    dispute_id, status, disputed = _checked(dispute)
    purchase, booking = await find_payment(uow, dispute, pre)
    inquiry = status.startswith("warning_")
    if not inquiry:
        # The disputed amount leaves the platform's balance at once.
        await ledger.post(
            uow,
            key=f"dispute:{dispute_id}",
            kind=TransactionKind.DISPUTE,
            postings=ledger.dispute_postings(disputed=disputed),
            now=now,
            purchase_id=purchase.id if purchase else None,
            memo=str(dispute.get("reason") or "")[:200],
        )
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        if not inquiry and status == "won":
            await _won_ledger(uow, dispute_id, disputed, purchase, now)
        return await not_a_sale(deps.settings, uow, t.A_DISPUTE, dispute, purchase, now)
    settings = deps.settings
    opened = await _opened(settings, uow, purchase, booking, dispute, disputed, now)
    if status in ("won", "warning_closed"):
        return await _won(
            settings, uow, purchase, booking, dispute_id, disputed, now, reinstate=not inquiry
        )
    if status == "lost":
        return await _lost(settings, uow, purchase, booking, dispute_id, disputed, now)
    return opened


def _hold_payout(purchase: Purchase, now: datetime) -> None:
    """Mark the purchase disputed and hold its payout."""
    if purchase.disputed_at is None:
        purchase.disputed_at = now
        purchase.updated_at = now
    if purchase.dispute_status is None:
        purchase.dispute_status = DisputeStatus.OPEN.value
    if purchase.dispute_status == DisputeStatus.OPEN:
        if purchase.payout_state == PayoutState.HELD:
            purchase.payout_state = PayoutState.ON_HOLD.value


def _payout_note(purchase: Purchase) -> str:
    """The admin's note on a disputed purchase's payout."""
    if purchase.payout_state in (PayoutState.ON_HOLD, PayoutState.HELD):
        return dt.PAYOUT_ON_HOLD()
    if purchase.payout_state == PayoutState.PAID_OUT:
        return dt.PAYOUT_ALREADY_MADE(payout_id=purchase.payout_id)
    return dt.PAYOUT_STATE(state=purchase.payout_state)


async def _opened(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    dispute: dict[str, Any],
    disputed: Money,
    now: datetime,
) -> str:
    """First news of a dispute: the payout held, an admin, the client and advisor told."""
    dispute_id = str(dispute.get("id"))
    _hold_payout(purchase, now)

    def for_the_team(locale: str) -> str:
        return dt.OPENED_ADMIN(
            dispute_id=dispute_id,
            purchase_id=purchase.id,
            booking_id=purchase.booking_id,
            total=purchase.total.format(locale),
            reason=dispute.get("reason"),
            payout_note=_payout_note(purchase),
        )

    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="dispute",
        text=for_the_team,
        language=settings.team_locale,
        dedupe_key=f"dispute:{dispute_id}",
        now=now,
    )
    client, advisor = await people_of(uow, purchase)
    ids = {"purchase_id": purchase.id, "booking_id": purchase.booking_id}
    if client is not None:
        zone = client.timezone

        def for_the_client(locale: str) -> str:
            return dt.OPENED_CLIENT(
                amount=disputed.format(locale),
                description=purchase.description,
                when=booking_when(booking, zone, locale),
            )

        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="dispute",
            client_id=client.id,
            text=for_the_client,
            data=ids,
            dedupe_key=f"dispute_client:{dispute_id}",
            now=now,
        )

    def for_the_advisor(locale: str) -> str:
        return dt.OPENED_ADVISOR(
            amount=disputed.format(locale),
            description=purchase.description,
            when=booking_when(booking, advisor.timezone, locale),
        )

    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="dispute",
        advisor_id=advisor.id,
        text=for_the_advisor,
        data=ids,
        dedupe_key=f"dispute_advisor:{dispute_id}",
        now=now,
    )
    return "dispute recorded; payout held"


async def _won_ledger(
    uow: UnitOfWork, dispute_id: str, disputed: Money, purchase: Purchase | None, now: datetime
) -> None:
    await ledger.post(
        uow,
        key=f"dispute_back:{dispute_id}",
        kind=TransactionKind.DISPUTE_REINSTATED,
        postings=ledger.dispute_reinstated_postings(reinstated=disputed),
        now=now,
        purchase_id=purchase.id if purchase else None,
        memo="dispute won: funds reinstated",
    )


async def _won(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    dispute_id: str,
    disputed: Money,
    now: datetime,
    *,
    reinstate: bool = True,
) -> str:
    """Won: the money is back, and the payout goes out on its normal date."""
    if purchase.dispute_status == DisputeStatus.LOST:
        return "ignored: dispute already lost"
    if reinstate:
        await _won_ledger(uow, dispute_id, disputed, purchase, now)
    if purchase.dispute_status == DisputeStatus.WON:
        return "dispute won"
    purchase.dispute_status = DisputeStatus.WON.value
    purchase.updated_at = now
    other_hold = any(
        r.kind == RefundKind.EXTERNAL and r.status != RefundStatus.FAILED for r in purchase.refunds
    )
    if purchase.payout_state == PayoutState.ON_HOLD and not other_hold:
        purchase.payout_state = PayoutState.HELD.value
    await _closed_messages(settings, uow, purchase, booking, dispute_id, disputed, True, now)
    return "dispute won; payout released"


def _forfeit_share(purchase: Purchase, disputed: Money) -> Money:
    """The advisor's share the lost dispute takes (none if it was paid out: it is reversed)."""
    share = Money(0, purchase.currency)
    if purchase.payout_state in (PayoutState.HELD, PayoutState.ON_HOLD):
        refunded = sum(
            r.amount_minor
            for r in purchase.refunds
            if r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.SUCCEEDED
        )
        owed = max(0, purchase.advisor_share.amount - refunded)
        share = Money(min(owed, disputed.amount), purchase.currency)
        purchase.payout_state = PayoutState.NOTHING_DUE.value
    elif purchase.payout_state == PayoutState.PAID_OUT:
        purchase.payout_state = PayoutState.REVERSAL_DUE.value
    return share


async def _lost(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    dispute_id: str,
    disputed: Money,
    now: datetime,
) -> str:
    """Lost: the loss is in the ledger; the advisor's share is not paid, or, if it was,
    the transfer is reversed (by the next payout run, outside this transaction)."""
    if purchase.dispute_status == DisputeStatus.LOST:
        return "dispute lost"
    if purchase.dispute_status == DisputeStatus.WON:
        return "ignored: dispute already won"
    purchase.dispute_status = DisputeStatus.LOST.value
    purchase.updated_at = now
    share = _forfeit_share(purchase, disputed)
    await ledger.post(
        uow,
        key=f"dispute_lost:{dispute_id}",
        kind=TransactionKind.DISPUTE_LOST,
        postings=ledger.dispute_lost_postings(
            lost=disputed, forfeited_share=share, advisor_id=purchase.advisor_id
        ),
        now=now,
        purchase_id=purchase.id,
        memo="dispute lost",
    )
    await _closed_messages(settings, uow, purchase, booking, dispute_id, disputed, False, now)
    return "dispute lost; advisor share not paid"


def _closed_texts(
    purchase: Purchase, dispute_id: str, amount: str, when: str, won: bool
) -> tuple[str, str]:
    """(the admin's, the advisor's) news of a closed dispute."""
    admin_params = {"dispute_id": dispute_id, "purchase_id": purchase.id, "amount": amount}
    advisor_params = {"amount": amount, "description": purchase.description, "when": when}
    if won:
        return dt.WON_ADMIN(**admin_params), dt.WON_ADVISOR(**advisor_params)
    admin_params["booking_id"] = purchase.booking_id
    if purchase.payout_state == PayoutState.REVERSAL_DUE:
        return (
            dt.LOST_ADMIN_REVERSING(**admin_params),
            dt.LOST_ADVISOR_REVERSING(**advisor_params),
        )
    return dt.LOST_ADMIN(**admin_params), dt.LOST_ADVISOR(**advisor_params)


async def _closed_messages(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    dispute_id: str,
    disputed: Money,
    won: bool,
    now: datetime,
) -> None:
    _client, advisor = await people_of(uow, purchase)

    def closed(locale: str) -> tuple[str, str]:
        amount = disputed.format(locale)
        when = booking_when(booking, advisor.timezone, locale)
        return _closed_texts(purchase, dispute_id, amount, when, won)

    def for_the_team(locale: str) -> str:
        return closed(locale)[0]

    def for_the_advisor(locale: str) -> str:
        return closed(locale)[1]

    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="dispute_closed",
        text=for_the_team,
        language=settings.team_locale,
        dedupe_key=f"dispute_closed:{dispute_id}",
        now=now,
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="dispute_closed",
        advisor_id=advisor.id,
        text=for_the_advisor,
        data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
        dedupe_key=f"dispute_closed_advisor:{dispute_id}",
        now=now,
    )
