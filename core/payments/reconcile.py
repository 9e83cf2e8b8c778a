"""Reconciliation: does the ledger say what Stripe says?

Each money movement Pathwise posts names a Stripe object: a payment (or money held in
suspense) its PaymentIntent's charge, a refund its Stripe refund, a payout its transfer, a
dispute its dispute. :func:`reconcile` reads both sides, pairs them by those ids, and lists
every difference: an object at Stripe the ledger does not have ("missing in Pathwise"), a
ledger movement Stripe does not have ("missing at Stripe"), or a pair whose amount or currency
differs. ``pathwise reconcile`` prints them; the worker runs :func:`run_daily` once a day and
tells the team when there are any.

Stripe is read through :class:`StripeRecords` (a port, like :mod:`core.payments.gateway`);
:class:`StripeRecordsReader` implements it with the real SDK's list APIs, following every
page with ``auto_paging_iter``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

import stripe
from sqlalchemy import select, update

from core import outbox
from core.db import Database, UnitOfWork, insert_for
from core.ledger import REVERSAL_KEY, Account, TransactionKind
from core.models.billing import LedgerEntry, LedgerTransaction, Payout, Purchase, Refund
from core.models.reconcile import ReconcileRun
from core.money import Money
from core.outbox import Audience
from core.payments.gateway import PaymentProviderError, PaymentsUnavailable
from core.texts import reconcile as t

log = logging.getLogger(__name__)

# Objects made a little before ``since`` on one side may be posted a little after it on the
# other (a webhook retried, a payout run late): both sides are read this much further back,
# and only differences on or after ``since`` are reported.
MARGIN = timedelta(days=1)
# The daily run looks this far back; ``pathwise reconcile`` without --since reads everything.
DAILY_LOOKBACK = timedelta(days=30)
# A daily run claimed this long ago and never finished (the worker died) may be taken over.
STALE_RUN = timedelta(hours=1)


class RecordKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    DISPUTE = "dispute"
    TRANSFER = "transfer"
    REVERSAL = "transfer reversal"


class Problem(StrEnum):
    MISSING_IN_PATHWISE = "missing in Pathwise"
    MISSING_AT_STRIPE = "missing at Stripe"
    AMOUNT_DIFFERS = "amount differs"
    CURRENCY_DIFFERS = "currency differs"


@dataclass(frozen=True, slots=True)
class StripeRecord:
    """One object at Stripe that moved money. ``key`` is what Pathwise knows it by (the
    PaymentIntent for a charge, else the object's own id); ``parent`` the payment or transfer
    it belongs to."""

    kind: RecordKind
    id: str
    amount: Money
    created: datetime
    parent: str | None = None

    @property
    def key(self) -> str:
        return self.parent if self.kind is RecordKind.CHARGE and self.parent else self.id


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One movement in the ledger that Stripe should also have."""

    kind: RecordKind
    key: str | None  # the Stripe id (PaymentIntent for a charge); None if never learnt
    amount: Money
    created: datetime
    what: str  # "purchase #12", "refund #3", "payout #5"
    parent: str | None = None  # a refund's PaymentIntent


@dataclass(frozen=True, slots=True)
class Difference:
    kind: RecordKind
    problem: Problem
    stripe_id: str | None
    pathwise: LedgerRecord | None
    stripe: StripeRecord | None

    def describe(self, locale: str = "en_US") -> str:
        """One line for the team: which object, what is wrong, both sides' amounts."""
        stripe_id = self.stripe_id or t.NO_STRIPE_ID()
        if self.pathwise is not None:
            name = t.OBJECT_WITH_WHAT(kind=self.kind, stripe_id=stripe_id, what=self.pathwise.what)
        else:
            name = t.OBJECT(kind=self.kind, stripe_id=stripe_id)
        ours = self.pathwise.amount.format(locale) if self.pathwise else None
        theirs = self.stripe.amount.format(locale) if self.stripe else None
        if self.problem is Problem.MISSING_IN_PATHWISE:
            detail = t.MISSING_IN_PATHWISE(theirs=theirs)
        elif self.problem is Problem.MISSING_AT_STRIPE:
            detail = t.MISSING_AT_STRIPE(ours=ours)
        else:
            detail = t.AMOUNTS_DIFFER(ours=ours, theirs=theirs)
        return t.DIFFERENCE(name=name, problem=self.problem.value, detail=detail)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    differences: list[Difference]
    compared: dict[RecordKind, int]  # Stripe objects read, per kind
    since: datetime | None

    @property
    def ok(self) -> bool:
        return not self.differences


# -- the port ---------------------------------------------------------------------------------


class StripeRecords(Protocol):
    """What reconciliation needs from Stripe: every money-moving object since a moment."""

    def records(self, since: datetime | None) -> AsyncIterator[StripeRecord]: ...


def _stamp(unix: Any) -> datetime:
    return datetime.fromtimestamp(int(unix or 0), UTC)


def _id_of(value: Any) -> str | None:
    """An id whether Stripe sent it bare or expanded."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    found = getattr(value, "id", None)
    return str(found) if found else None


class StripeRecordsReader:
    """:class:`StripeRecords` over the real SDK's list endpoints (``created[gte]``, 100 a
    page, every page through ``auto_paging_iter``)."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def records(self, since: datetime | None) -> AsyncIterator[StripeRecord]:
        params: dict[str, Any] = {"limit": 100}
        if since is not None:
            params["created"] = {"gte": int(since.timestamp())}
        v1 = self._client.v1
        try:
            async for charge in (await v1.charges.list_async(params)).auto_paging_iter():  # type: ignore[arg-type]
                if charge.status != "succeeded":
                    continue  # failed or pending: no money moved
                yield StripeRecord(
                    RecordKind.CHARGE,
                    charge.id,
                    Money(int(charge.amount), str(charge.currency).upper()),
                    _stamp(charge.created),
                    _id_of(charge.payment_intent),
                )
            async for refund in (await v1.refunds.list_async(params)).auto_paging_iter():  # type: ignore[arg-type]
                if refund.status != "succeeded":
                    continue  # pending, failed or canceled: not (yet) money back
                yield StripeRecord(
                    RecordKind.REFUND,
                    refund.id,
                    Money(int(refund.amount), str(refund.currency).upper()),
                    _stamp(refund.created),
                    _id_of(refund.payment_intent),
                )
            async for dispute in (await v1.disputes.list_async(params)).auto_paging_iter():  # type: ignore[arg-type]
                yield StripeRecord(
                    RecordKind.DISPUTE,
                    dispute.id,
                    Money(int(dispute.amount), str(dispute.currency).upper()),
                    _stamp(dispute.created),
                    _id_of(dispute.payment_intent),
                )
            reversed_ids = []
            async for made in (await v1.transfers.list_async(params)).auto_paging_iter():  # type: ignore[arg-type]
                yield StripeRecord(
                    RecordKind.TRANSFER,
                    made.id,
                    Money(int(made.amount), str(made.currency).upper()),
                    _stamp(made.created),
                )
                if int(made.amount_reversed or 0) > 0:
                    reversed_ids.append(made.id)
            for transfer_id in reversed_ids:
                page = await v1.transfers.reversals.list_async(transfer_id, {"limit": 100})
                async for reversal in page.auto_paging_iter():
                    yield StripeRecord(
                        RecordKind.REVERSAL,
                        reversal.id,
                        Money(int(reversal.amount), str(reversal.currency).upper()),
                        _stamp(reversal.created),
                        transfer_id,
                    )
        except (stripe.RateLimitError, stripe.APIConnectionError, stripe.APIError) as error:
            raise PaymentsUnavailable() from error
        except stripe.StripeError as error:
            log.error("Stripe refused a reconciliation list: %s", type(error).__name__)
            raise PaymentProviderError(code=error.code) from error


# -- the ledger's side ----------------------------------------------------------------------


async def _cash_moved(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, int]]:
    """Each transaction's cash legs, summed per currency."""
    cash: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for chunk in range(0, len(ids), 500):
        for entry in await uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.transaction_id.in_(ids[chunk : chunk + 500]))
            .where(LedgerEntry.account == Account.CASH.value)
        ):
            cash[entry.transaction_id][entry.currency] += entry.amount_minor
    return cash


async def _stripe_ids(
    uow: UnitOfWork, transactions: list[LedgerTransaction]
) -> tuple[dict[int, str | None], dict[int, str | None], dict[int, str | None]]:
    """The Stripe ids the transactions' rows carry: (PaymentIntent by purchase, refund by
    refund, transfer by payout)."""
    purchase_ids = {t.purchase_id for t in transactions if t.purchase_id is not None}
    intents = {
        p.id: p.payment_intent_id
        for p in await uow.session.execute(
            select(Purchase.id, Purchase.payment_intent_id).where(Purchase.id.in_(purchase_ids))
        )
    }
    refund_ids = {t.refund_id for t in transactions if t.refund_id is not None}
    refunds = {
        r.id: r.stripe_refund_id
        for r in await uow.session.execute(
            select(Refund.id, Refund.stripe_refund_id).where(Refund.id.in_(refund_ids))
        )
    }
    payout_ids = {t.payout_id for t in transactions if t.payout_id is not None}
    transfers = {
        p.id: p.stripe_transfer_id
        for p in await uow.session.execute(
            select(Payout.id, Payout.stripe_transfer_id).where(Payout.id.in_(payout_ids))
        )
    }
    return intents, refunds, transfers


async def ledger_records(uow: UnitOfWork, since: datetime | None) -> list[LedgerRecord]:
    """Every movement of cash in the ledger, named by the Stripe object it should match."""
    query = select(LedgerTransaction)
    if since is not None:
        query = query.where(LedgerTransaction.created_at >= since)
    transactions = list(await uow.session.scalars(query.order_by(LedgerTransaction.id)))
    if not transactions:
        return []
    cash = await _cash_moved(uow, [t.id for t in transactions])
    intents, refunds, transfers = await _stripe_ids(uow, transactions)
    # A payment (and any money of the same PaymentIntent held in suspense) is one charge.
    charges: dict[tuple[str | None, int | None], dict[str, int]] = {}
    first_seen: dict[tuple[str | None, int | None], datetime] = {}
    result: list[LedgerRecord] = []
    for transaction in transactions:
        moved = {currency: amount for currency, amount in cash[transaction.id].items() if amount}
        if not moved:
            continue
        kind = transaction.kind
        if kind in (TransactionKind.PAYMENT, TransactionKind.SUSPENSE):
            intent = intents.get(transaction.purchase_id or -1)
            if kind == TransactionKind.SUSPENSE and transaction.key.startswith("suspense:"):
                intent = transaction.key.removeprefix("suspense:")
            group = (intent, transaction.purchase_id if intent is None else None)
            sums = charges.setdefault(group, defaultdict(int))
            for currency, amount in moved.items():
                sums[currency] += amount
            first_seen.setdefault(group, transaction.created_at)
            continue
        what, record_kind, key = _describe(transaction, refunds, transfers)
        if record_kind is None:
            continue
        for currency, amount in moved.items():
            result.append(
                LedgerRecord(
                    record_kind,
                    key,
                    Money(abs(amount), currency),
                    transaction.created_at,
                    what,
                    intents.get(transaction.purchase_id or -1),
                )
            )
    for (intent, purchase_id), sums in charges.items():
        for currency, amount in sums.items():
            owner = purchase_id or next((p for p, i in intents.items() if i == intent), None)
            result.append(
                LedgerRecord(
                    RecordKind.CHARGE,
                    intent,
                    Money(amount, currency),
                    first_seen[(intent, purchase_id)],
                    f"purchase #{owner}",
                )
            )
    return result


def _describe(
    transaction: LedgerTransaction,
    refunds: dict[int, str | None],
    transfers: dict[int, str | None],
) -> tuple[str, RecordKind | None, str | None]:
    """What a non-payment ledger transaction is at Stripe: (label, kind, Stripe id)."""
    kind = transaction.kind
    if kind in (TransactionKind.REFUND, TransactionKind.EXTERNAL_REFUND):
        refund_id = transaction.refund_id
        return f"refund #{refund_id}", RecordKind.REFUND, refunds.get(refund_id or -1)
    if kind == TransactionKind.PAYOUT:
        payout_id = transaction.payout_id
        return f"payout #{payout_id}", RecordKind.TRANSFER, transfers.get(payout_id or -1)
    if transaction.key.startswith("dispute:"):
        return "dispute", RecordKind.DISPUTE, transaction.key.removeprefix("dispute:")
    if transaction.key.startswith(REVERSAL_KEY):
        return "reversal", RecordKind.REVERSAL, transaction.key.removeprefix(REVERSAL_KEY)
    return transaction.key, None, None  # other movements (dispute outcomes) have no object


# -- pairing ----------------------------------------------------------------------------------


def compare(
    ours: list[LedgerRecord], theirs: list[StripeRecord], since: datetime | None = None
) -> list[Difference]:
    """Pair the two sides by Stripe id; list what is on one side only or differs."""
    differences: list[Difference] = []
    by_key: dict[tuple[RecordKind, str], list[StripeRecord]] = defaultdict(list)
    for record in theirs:
        by_key[(record.kind, record.key)].append(record)
    unnamed: list[LedgerRecord] = []
    for mine in ours:
        if mine.key is None:
            unnamed.append(mine)
            continue
        matches = by_key.get((mine.kind, mine.key))
        if not matches:
            if since is None or mine.created >= since:
                differences.append(
                    Difference(mine.kind, Problem.MISSING_AT_STRIPE, mine.key, mine, None)
                )
            continue
        match = next((m for m in matches if m.amount.currency == mine.amount.currency), None)
        if match is None:
            match = matches[0]
            differences.append(
                Difference(mine.kind, Problem.CURRENCY_DIFFERS, match.id, mine, match)
            )
        elif match.amount != mine.amount:
            differences.append(Difference(mine.kind, Problem.AMOUNT_DIFFERS, match.id, mine, match))
        matches.remove(match)
    # A refund the ledger holds without its Stripe id (made outside Pathwise, several at
    # once) pairs with an unmatched Stripe refund of the same payment and amount.
    for mine in unnamed:
        pool = by_key.items()
        found = next(
            (
                (key, record)
                for key, records in pool
                for record in records
                if key[0] is mine.kind
                and record.parent == mine.parent
                and record.amount == mine.amount
            ),
            None,
        )
        if found is None:
            if since is None or mine.created >= since:
                differences.append(
                    Difference(mine.kind, Problem.MISSING_AT_STRIPE, None, mine, None)
                )
            continue
        by_key[found[0]].remove(found[1])
    for records in by_key.values():
        for record in records:
            if since is None or record.created >= since:
                differences.append(
                    Difference(record.kind, Problem.MISSING_IN_PATHWISE, record.id, None, record)
                )
    order = list(RecordKind)
    differences.sort(key=lambda d: (order.index(d.kind), d.stripe_id or ""))
    return differences


async def reconcile(
    db: Database, stripe_records: StripeRecords, since: datetime | None = None
) -> ReconcileReport:
    """Compare the ledger with Stripe (everything, or what happened on or after ``since``)."""
    read_from = since - MARGIN if since is not None else None
    theirs = [record async for record in stripe_records.records(read_from)]
    async with db.uow() as uow:
        ours = await ledger_records(uow, read_from)
    compared: dict[RecordKind, int] = {kind: 0 for kind in RecordKind}
    for record in theirs:
        compared[record.kind] += 1
    return ReconcileReport(compare(ours, theirs, since), compared, since)


# -- the daily run ----------------------------------------------------------------------------


async def _claim_day(db: Database, day: str, now: datetime) -> bool:
    """Whether this worker runs today's reconciliation: the first to insert the day's row,
    or the one that takes over a run that started long ago and never finished."""
    async with db.uow() as uow:
        inserted = (
            await uow.session.execute(
                insert_for(uow)(ReconcileRun)
                .values(day=day, status="running", started_at=now)
                .on_conflict_do_nothing(index_elements=["day"])
                .returning(ReconcileRun.day)
            )
        ).scalar_one_or_none()
        if inserted is None:
            taken = await uow.session.execute(
                update(ReconcileRun)
                .where(ReconcileRun.day == day)
                .where(ReconcileRun.status == "running")
                .where(ReconcileRun.started_at < now - STALE_RUN)
                .values(started_at=now)
            )
            inserted = day if getattr(taken, "rowcount", 0) == 1 else None
        await uow.commit()
    return inserted is not None


def alert_text(report: ReconcileReport, locale: str = "en_US", limit: int = 10) -> str:
    """The team's message: how many differences, the first few, and where to see them all."""
    lines = [t.ALERT_TITLE(differences=len(report.differences))]
    lines += [t.ALERT_LINE(difference=d.describe(locale)) for d in report.differences[:limit]]
    if len(report.differences) > limit:
        lines.append(t.ALERT_MORE(more=len(report.differences) - limit))
    lines.append(t.ALERT_FULL_LIST())
    return "\n".join(lines)


async def run_daily(
    db: Database, stripe_records: StripeRecords, now: datetime, *, language: str = "en_US"
) -> ReconcileReport | None:
    """Once per UTC day (the first tick that claims the day): reconcile the last
    :data:`DAILY_LOOKBACK` and alert the admin channel (in ``language``: the settings'
    ``team_locale``) if anything differs. None when another worker (or an earlier tick) has
    the day."""
    day = now.astimezone(UTC).date().isoformat()
    if not await _claim_day(db, day, now):
        return None
    report = await reconcile(db, stripe_records, now - DAILY_LOOKBACK)
    async with db.uow() as uow:
        if not report.ok:
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="reconcile_differences",
                text=partial(alert_text, report),
                language=language,
                dedupe_key=f"reconcile:{day}",
                now=now,
            )
        run = await uow.session.get(ReconcileRun, day)
        assert run is not None
        run.status = "done"
        run.differences = len(report.differences)
        run.finished_at = now
        await uow.commit()
    log.info("reconcile.daily", extra={"day": day, "differences": len(report.differences)})
    return report


def daily_job(
    db: Database,
    stripe_records: StripeRecords,
    now: Callable[[], datetime],
    *,
    language: str = "en_US",
) -> Callable[[], Awaitable[ReconcileReport | None]]:
    """The worker's job: :func:`run_daily` with the clock's time."""

    async def job() -> ReconcileReport | None:
        return await run_daily(db, stripe_records, now(), language=language)

    return job
