"""Payouts: advisors' shares transferred (Stripe Connect) once the guarantee window has
passed without a refund; reversals after a lost dispute; the advisor's statement.

Idempotent and safe for two workers at once: purchases are claimed into a payout under row
locks (``SKIP LOCKED`` on PostgreSQL), each transfer carries the payout's idempotency key,
and a payout is marked paid only by the worker that holds its lock.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select, update

from core import ledger, outbox
from core.config import Settings
from core.db import Database, UnitOfWork
from core.errors import PathwiseError
from core.ledger import TransactionKind
from core.models.billing import (
    AdvisorPayoutAccount,
    DisputeStatus,
    Payout,
    PayoutState,
    PayoutStatus,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    Refund,
    RefundStatus,
)
from core.models.bookings import Booking, BookingStatus
from core.models.outbox import Audience
from core.money import Money
from core.payments import LOGGER
from core.payments.gateway import (
    PaymentGateway,
    PaymentProviderError,
    PaymentsUnavailable,
    TransferResult,
)
from core.payments.guarantee import release_times, unsettled_no_show
from core.payments.locks import lock_purchase, serialize_writers
from core.payments.times import local_date
from core.texts import payouts as pt

log = logging.getLogger(LOGGER)


@dataclass
class PayoutRun:
    """What one pass of :func:`release_due_payouts` did."""

    paid: list[int] = field(default_factory=list)  # payout ids transferred
    failed: list[int] = field(default_factory=list)  # refused by Stripe, admin alerted
    retry_later: list[int] = field(default_factory=list)  # Stripe unavailable
    waiting_for_onboarding: set[int] = field(default_factory=set)  # advisor ids
    no_show_refunds: list[int] = field(default_factory=list)  # booking ids refunded
    reversed: list[int] = field(default_factory=list)  # payout ids reversed (lost disputes)


async def release_due_payouts(
    db: Database, gateway: PaymentGateway, settings: Settings, now: datetime
) -> PayoutRun:
    """Transfer advisors' shares whose guarantee windows have passed without a refund.

    Advisors not yet onboarded keep accruing; their shares are paid by the first run after
    they are.
    """
    run = PayoutRun()
    await _claim_due_purchases(db, settings, now, run)
    async with db.uow() as uow:
        due_ids = list(
            await uow.session.scalars(
                select(Payout.id).where(Payout.status == PayoutStatus.DUE.value).order_by(Payout.id)
            )
        )
    for payout_id in due_ids:
        await _transfer_payout(db, gateway, settings, payout_id, now, run)
    await _reverse_lost_disputes(db, gateway, settings, now, run)
    return run


# -- reversals ------------------------------------------------------------------------------


async def _reverse_lost_disputes(
    db: Database, gateway: PaymentGateway, settings: Settings, now: datetime, run: PayoutRun
) -> None:
    """Take back the transfer of an advisor's share whose payment's dispute was lost after
    the payout (the dispute event cannot call Stripe inside its transaction)."""
    async with db.uow() as uow:
        due = list(
            await uow.session.execute(
                select(Purchase.id, Payout.id, Payout.stripe_transfer_id)
                .join(Payout, Payout.id == Purchase.payout_id)
                .where(Purchase.payout_state == PayoutState.REVERSAL_DUE.value)
                .where(Payout.status == PayoutStatus.PAID.value)
                .order_by(Purchase.id)
            )
        )
    for purchase_id, payout_id, transfer_id in due:
        if transfer_id is None:
            continue
        if await _reverse(db, gateway, settings, now, purchase_id, payout_id, transfer_id):
            run.reversed.append(payout_id)


async def _reverse(
    db: Database,
    gateway: PaymentGateway,
    settings: Settings,
    now: datetime,
    purchase_id: int,
    payout_id: int,
    transfer_id: str,
) -> bool:
    """Reverse one purchase's share of a transfer; False if not due or Stripe failed."""
    async with db.uow() as uow:
        purchase, _ = await lock_purchase(uow, purchase_id)
        if purchase is None or purchase.payout_state != PayoutState.REVERSAL_DUE:
            return False
        share = purchase.advisor_share
        try:
            reversal_id = await gateway.reverse_transfer(
                transfer_id=transfer_id,
                amount=share,
                idempotency_key=f"reversal-{purchase.idempotency_key}",
                metadata={"purchase_id": str(purchase.id), "payout_id": str(payout_id)},
            )
        except PathwiseError as error:
            log.warning(
                "reversal for purchase %s failed (%s); retried next run",
                purchase.id,
                type(error).__name__,
            )
            return False
        purchase.payout_state = PayoutState.REVERSED.value
        purchase.updated_at = now
        await ledger.post(
            uow,
            key=f"{ledger.REVERSAL_KEY}{reversal_id}",
            kind=TransactionKind.REVERSAL,
            postings=ledger.reversal_postings(reversed_amount=share),
            now=now,
            purchase_id=purchase.id,
            payout_id=payout_id,
            memo=f"transfer reversal {reversal_id} after a lost dispute",
        )
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="dispute_closed",
            text=partial(_reversed_text, transfer_id, share, reversal_id, purchase.id),
            language=settings.team_locale,
            dedupe_key=f"reversal:{purchase.id}",
            now=now,
        )
        await uow.commit()
    return True


# -- claiming what is due -------------------------------------------------------------------


async def _lock_due(uow: UnitOfWork, settings: Settings, now: datetime) -> list[Purchase]:
    """The held, paid purchases whose money is due now, row-locked (others' skipped)."""
    candidates = list(
        await uow.session.scalars(
            select(Purchase)
            .where(Purchase.payout_state == PayoutState.HELD.value)
            .where(Purchase.status == PurchaseStatus.PAID.value)
            .order_by(Purchase.id)
        )
    )
    due = [p.id for p, release in await release_times(uow, candidates, settings) if release <= now]
    if not due:
        return []
    return list(
        await uow.session.scalars(
            select(Purchase)
            .where(Purchase.id.in_(due))
            .where(Purchase.payout_state == PayoutState.HELD.value)
            .order_by(Purchase.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


@dataclass(frozen=True, slots=True)
class _Context:
    """What decides whether a due purchase is paid out now."""

    pending_refunds: set[int]
    accounts: dict[int, AdvisorPayoutAccount]
    bookings: dict[int, Booking]
    cancelled: set[int]


async def _context(uow: UnitOfWork, locked: list[Purchase]) -> _Context:
    pending_refunds = set(
        await uow.session.scalars(
            select(Refund.purchase_id)
            .where(Refund.purchase_id.in_([p.id for p in locked]))
            .where(Refund.status == RefundStatus.PENDING.value)
        )
    )
    accounts = {
        a.advisor_id: a
        for a in await uow.session.scalars(
            select(AdvisorPayoutAccount).where(
                AdvisorPayoutAccount.advisor_id.in_({p.advisor_id for p in locked})
            )
        )
    }
    bookings = {
        b.id: b
        for b in await uow.session.scalars(
            select(Booking).where(Booking.id.in_({p.booking_id for p in locked if p.booking_id}))
        )
    }
    cancelled = {b.id for b in bookings.values() if b.status == BookingStatus.CANCELLED.value}
    return _Context(pending_refunds, accounts, bookings, cancelled)


def _stays(purchase: Purchase, context: _Context) -> bool:
    """Whether the purchase's money stays with the platform, so it may be paid out."""
    if purchase.id in context.pending_refunds:
        return False  # a refund is being made: decide after Stripe answers
    if purchase.disputed_at is not None and purchase.dispute_status != DisputeStatus.WON:
        return False  # only money that stays is paid out
    if purchase.kind == PurchaseKind.BOOKING and unsettled_no_show(
        context.bookings.get(purchase.booking_id) if purchase.booking_id else None, purchase
    ):
        return False  # a no-show is refunded, never paid out
    if purchase.kind == PurchaseKind.BOOKING and purchase.booking_id in context.cancelled:
        return False  # cancelled: its refund is due, not a payout
    return True


def _new_payout(
    advisor_id: int,
    booking_id: int | None,
    currency: str,
    members: list[Purchase],
    account: AdvisorPayoutAccount,
    now: datetime,
) -> Payout:
    gross = sum(p.service_minor + p.tip_minor for p in members)
    commission = sum(p.commission_minor for p in members)
    return Payout(
        advisor_id=advisor_id,
        booking_id=booking_id,
        status=PayoutStatus.DUE.value,
        currency=currency,
        gross_minor=gross,
        commission_minor=commission,
        net_minor=gross - commission,
        destination_account=account.stripe_account_id,
        transfer_group=f"booking_{booking_id}" if booking_id else f"advisor_{advisor_id}",
        idempotency_key=f"payout-{uuid.uuid4().hex}",
        created_at=now,
    )


async def _claim_due_purchases(
    db: Database, settings: Settings, now: datetime, run: PayoutRun
) -> None:
    """Group purchases whose money is due into payouts, one per advisor and booking."""
    async with db.uow() as uow:
        await serialize_writers(uow)
        locked = await _lock_due(uow, settings, now)
        if not locked:
            return
        context = await _context(uow, locked)
        groups: dict[tuple[int, int | None, str], list[Purchase]] = defaultdict(list)
        for purchase in locked:
            if not _stays(purchase, context):
                continue
            account = context.accounts.get(purchase.advisor_id)
            if account is None or not account.payouts_enabled:
                run.waiting_for_onboarding.add(purchase.advisor_id)
                continue
            groups[(purchase.advisor_id, purchase.booking_id, purchase.currency)].append(purchase)
        for (advisor_id, booking_id, currency), members in groups.items():
            if sum(p.service_minor + p.tip_minor - p.commission_minor for p in members) <= 0:
                for purchase in members:
                    purchase.payout_state = PayoutState.NOTHING_DUE.value
                continue
            account = context.accounts[advisor_id]
            payout = _new_payout(advisor_id, booking_id, currency, members, account, now)
            uow.session.add(payout)
            await uow.session.flush()
            for purchase in members:
                purchase.payout_state = PayoutState.IN_PAYOUT.value
                purchase.payout_id = payout.id
                purchase.updated_at = now
        await uow.commit()


# -- transfers ------------------------------------------------------------------------------


async def _refused(
    uow: UnitOfWork,
    payout: Payout,
    error: PaymentProviderError,
    settings: Settings,
    now: datetime,
) -> None:
    """Stripe refused the transfer for good: its purchases on hold, an admin told."""
    payout.status = PayoutStatus.FAILED.value
    await uow.session.execute(
        update(Purchase)
        .where(Purchase.payout_id == payout.id)
        .values(payout_state=PayoutState.ON_HOLD.value, updated_at=now)
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="payout_failed",
        text=partial(_refused_text, payout, error.code),
        language=settings.team_locale,
        dedupe_key=f"payout_failed:{payout.id}",
        now=now,
    )
    await uow.commit()


async def _record_paid(
    uow: UnitOfWork, payout: Payout, made: TransferResult, now: datetime, settings: Settings
) -> bool:
    """Mark the payout paid, its purchases paid out, the ledger, the advisor's statement;
    False if another worker recorded the same transfer first."""
    # Marked paid only if still due: on SQLite (no row locks) a second worker can get this
    # far with the same transfer (same idempotency key); only one of them records it.
    marked = await uow.session.execute(
        update(Payout)
        .where(Payout.id == payout.id)
        .where(Payout.status == PayoutStatus.DUE.value)
        .values(status=PayoutStatus.PAID.value, stripe_transfer_id=made.id, paid_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(marked, "rowcount", 1) != 1:
        await uow.rollback()
        return False
    members = list(
        await uow.session.scalars(
            select(Purchase).where(Purchase.payout_id == payout.id).order_by(Purchase.id)
        )
    )
    for purchase in members:
        purchase.payout_state = PayoutState.PAID_OUT.value
        purchase.updated_at = now
    await ledger.post(
        uow,
        key=f"payout:{payout.id}",
        kind=TransactionKind.PAYOUT,
        postings=ledger.payout_postings(net=payout.net, advisor_id=payout.advisor_id),
        now=now,
        payout_id=payout.id,
        memo=f"transfer {made.id}",
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="payout_statement",
        advisor_id=payout.advisor_id,
        text=partial(statement, payout, members, made.id, now),
        data={"payout_id": payout.id, "booking_id": payout.booking_id},
        dedupe_key=f"payout_statement:{payout.id}",
        now=now,
    )
    await uow.commit()
    return True


async def _transfer_payout(
    db: Database,
    gateway: PaymentGateway,
    settings: Settings,
    payout_id: int,
    now: datetime,
    run: PayoutRun,
) -> None:
    """Make one payout's transfer while holding its row lock; then ledger and statement.

    SQLite gets no early write lock here (it would block every writer during the network
    call); there the conditional UPDATE in :func:`_record_paid` decides which of two workers
    records it.
    """
    async with db.uow() as uow:
        payout = await uow.session.scalar(
            select(Payout)
            .where(Payout.id == payout_id)
            .where(Payout.status == PayoutStatus.DUE.value)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if payout is None:
            return  # another worker has it, or it is done
        try:
            made = await gateway.create_transfer(
                amount=payout.net,
                destination=payout.destination_account,
                transfer_group=payout.transfer_group,
                idempotency_key=payout.idempotency_key,
                metadata={"payout_id": str(payout.id), "advisor_id": str(payout.advisor_id)},
            )
        except PaymentsUnavailable:
            run.retry_later.append(payout.id)
            return
        except PaymentProviderError as error:
            await _refused(uow, payout, error, settings, now)
            run.failed.append(payout.id)
            return
        if await _record_paid(uow, payout, made, now, settings):
            run.paid.append(payout.id)


def _reversed_text(
    transfer_id: str, share: Money, reversal_id: str, purchase_id: int, locale: str
) -> str:
    """The team's news of a transfer taken back after a lost dispute."""
    return pt.REVERSED(
        transfer_id=transfer_id,
        amount=share.format(locale),
        reversal_id=reversal_id,
        purchase_id=purchase_id,
    )


def _refused_text(payout: Payout, code: str | None, locale: str) -> str:
    """The team's news of a transfer Stripe refused for good."""
    return pt.PAYOUT_FAILED(
        payout_id=payout.id,
        amount=payout.net.format(locale),
        advisor_id=payout.advisor_id,
        code=code or pt.NO_CODE(),
    )


def statement(
    payout: Payout,
    members: list[Purchase],
    transfer_id: str,
    now: datetime,
    locale: str,
    *,
    timezone: str = "UTC",
) -> str:
    """The advisor's payout statement: what was earned, the commission, what was paid, in
    ``locale``, dated in ``timezone``."""

    def fmt(minor: int) -> str:
        return Money(minor, payout.currency).format(locale)

    date = local_date(now, timezone, locale)
    rows = [pt.STATEMENT_TITLE(date=date)]
    for purchase in members:
        if purchase.service_minor:
            amount = fmt(purchase.service_minor)
            rows.append(pt.STATEMENT_LINE(description=purchase.description, amount=amount))
        if purchase.tip_minor:
            amount = fmt(purchase.tip_minor)
            rows.append(pt.STATEMENT_LINE(description=purchase.description, amount=amount))
    rows += [
        pt.STATEMENT_GROSS(amount=fmt(payout.gross_minor)),
        pt.STATEMENT_COMMISSION(amount=fmt(payout.commission_minor)),
        pt.STATEMENT_NET(amount=fmt(payout.net_minor)),
        pt.STATEMENT_DATE(date=date),
        pt.STATEMENT_TRANSFER(transfer_id=transfer_id),
    ]
    return "\n".join(rows)
