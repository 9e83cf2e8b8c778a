"""The ledger: append-only, double-entry records of every movement of money.

A ledger transaction is a set of entries, debit positive and credit negative, that sums to
zero in each currency. Nothing here updates or deletes a row (and the database refuses to:
migration 0003 puts triggers on both tables). Each transaction has a unique key
(``payment:<purchase id>``, ``refund:<refund id>``, ``payout:<payout id>``, ...) so the same
money can never be posted twice, however often a webhook is replayed.

Accounts (each per currency):

========================  ===============================================================
``cash``                  the platform's Stripe balance (an asset: debit when money comes in)
``platform_fees``         handling fees earned; only ever credited, as a fee is never refunded
``platform_commission``   the commission on service prices
``advisor_payable``       advisors' shares not yet paid out (per advisor)
``suspense``              money received that could not be matched to a sale (wrong amount,
                          paid after the hold ended, paid twice); an admin settles it
``manual_refunds``        refunds made outside Pathwise (Stripe dashboard), for an admin
``disputes``              money the card network took back while a dispute runs
``dispute_losses``        what the platform lost on disputes it lost (beyond the advisor's
                          share, which is not paid out)
``goodwill_refunds``      goodwill refunds the team gave that the platform bears
                          (see :mod:`core.payments.goodwill`)
========================  ===============================================================

:func:`check_ledger` verifies every invariant; ``pathwise ledger check`` runs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, insert, select

from core.db import UnitOfWork, insert_for
from core.models.billing import (
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    Receipt,
    ReceiptCounter,
    Refund,
    RefundKind,
    RefundStatus,
)
from core.money import Money


class Account(StrEnum):
    CASH = "cash"
    PLATFORM_FEES = "platform_fees"
    COMMISSION = "platform_commission"
    ADVISOR_PAYABLE = "advisor_payable"
    SUSPENSE = "suspense"
    MANUAL_REFUNDS = "manual_refunds"
    DISPUTES = "disputes"
    DISPUTE_LOSSES = "dispute_losses"
    GOODWILL = "goodwill_refunds"


class TransactionKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PAYOUT = "payout"
    SUSPENSE = "suspense"
    EXTERNAL_REFUND = "ext_refund"
    DISPUTE = "dispute"
    DISPUTE_REINSTATED = "dispute_back"
    DISPUTE_LOST = "dispute_lost"
    REVERSAL = "reversal"


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg: ``amount`` positive is a debit, negative a credit."""

    account: Account
    amount: Money
    advisor_id: int | None = None


class UnbalancedTransaction(ValueError):
    """Postings that do not sum to zero in every currency: a programming error."""


def check_balanced(postings: list[Posting]) -> None:
    """Raise UnbalancedTransaction unless the postings sum to zero in each currency."""
    sums: dict[str, int] = defaultdict(int)
    for posting in postings:
        sums[posting.amount.currency] += posting.amount.amount
        if posting.account is Account.ADVISOR_PAYABLE and posting.advisor_id is None:
            raise UnbalancedTransaction("an advisor_payable posting needs an advisor_id")
    unbalanced = {currency: total for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise UnbalancedTransaction(f"postings do not balance: {unbalanced}")
    if sum(1 for posting in postings if posting.amount.amount != 0) < 2:
        raise UnbalancedTransaction("a transaction needs at least two non-zero postings")


# -- the postings of each kind of movement (pure, so property tests can use them) ----------


def payment_postings(
    *,
    service: Money,
    fee: Money,
    commission: Money,
    tip: Money,
    advisor_id: int,
) -> list[Posting]:
    """Money in for a purchase: the fee and commission are the platform's, the rest the
    advisor's (held until the guarantee window passes)."""
    total = service + fee + tip
    return [
        Posting(Account.CASH, total),
        Posting(Account.PLATFORM_FEES, -fee),
        Posting(Account.COMMISSION, -commission),
        Posting(Account.ADVISOR_PAYABLE, -(service - commission + tip), advisor_id),
    ]


def refund_postings(*, refund: Money, commission_back: Money, advisor_id: int) -> list[Posting]:
    """Money back to a client under the guarantee: the advisor's share and the commission
    on the refunded service are undone; the handling fee is not touched."""
    return [
        Posting(Account.ADVISOR_PAYABLE, refund - commission_back, advisor_id),
        Posting(Account.COMMISSION, commission_back),
        Posting(Account.CASH, -refund),
    ]


def payout_postings(*, net: Money, advisor_id: int) -> list[Posting]:
    """An advisor's share transferred to their connected account."""
    return [
        Posting(Account.ADVISOR_PAYABLE, net, advisor_id),
        Posting(Account.CASH, -net),
    ]


def suspense_postings(*, received: Money) -> list[Posting]:
    """Money received that cannot be treated as a sale; held for an admin."""
    return [Posting(Account.CASH, received), Posting(Account.SUSPENSE, -received)]


def external_refund_postings(*, refunded: Money) -> list[Posting]:
    """A refund someone made outside Pathwise; an admin decides whose cost it is."""
    return [Posting(Account.MANUAL_REFUNDS, refunded), Posting(Account.CASH, -refunded)]


def dispute_postings(*, disputed: Money) -> list[Posting]:
    """A dispute: Stripe takes the disputed amount from the balance until it is decided."""
    return [Posting(Account.DISPUTES, disputed), Posting(Account.CASH, -disputed)]


def dispute_reinstated_postings(*, reinstated: Money) -> list[Posting]:
    """A dispute won: the card network gives the disputed amount back."""
    return [Posting(Account.CASH, reinstated), Posting(Account.DISPUTES, -reinstated)]


def dispute_lost_postings(*, lost: Money, forfeited_share: Money, advisor_id: int) -> list[Posting]:
    """A dispute lost: the disputed money is gone for good. The advisor's share of it, not yet
    paid out, is not paid (``forfeited_share``); the platform bears the rest."""
    return [
        Posting(Account.DISPUTES, -lost),
        Posting(Account.ADVISOR_PAYABLE, forfeited_share, advisor_id),
        Posting(Account.DISPUTE_LOSSES, lost - forfeited_share),
    ]


# Ledger key of a transfer reversal: ``transfer_reversal:<Stripe trr id>``, so reconciliation
# pairs it with the reversal Stripe lists under the transfer.
REVERSAL_KEY = "transfer_reversal:"


def reversal_postings(*, reversed_amount: Money) -> list[Posting]:
    """A transfer reversed after a lost dispute: the advisor's share comes back to the
    platform's balance and lowers the loss."""
    return [
        Posting(Account.CASH, reversed_amount),
        Posting(Account.DISPUTE_LOSSES, -reversed_amount),
    ]


# -- writing ------------------------------------------------------------------------------


async def post(
    uow: UnitOfWork,
    *,
    key: str,
    kind: TransactionKind,
    postings: list[Posting],
    now: datetime,
    purchase_id: int | None = None,
    refund_id: int | None = None,
    payout_id: int | None = None,
    memo: str = "",
) -> int | None:
    """Append a balanced transaction in the caller's unit of work; its id, or None if ``key``
    was posted before (the unique key decides: a concurrent poster of the same key waits for
    the first to commit, then posts nothing)."""
    check_balanced(postings)
    transaction_id = (
        await uow.session.execute(
            insert_for(uow)(LedgerTransaction)
            .values(
                key=key,
                kind=kind.value,
                purchase_id=purchase_id,
                refund_id=refund_id,
                payout_id=payout_id,
                memo=memo[:200],
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(LedgerTransaction.id)
        )
    ).scalar_one_or_none()
    if transaction_id is None:
        return None
    # Every row names every column and NULLs are sent as such (render_nulls), so all the
    # rows go as one statement rather than one per set of columns.
    entries = [
        {
            "transaction_id": transaction_id,
            "account": posting.account.value,
            "advisor_id": posting.advisor_id,
            "amount_minor": posting.amount.amount,
            "currency": posting.amount.currency,
        }
        for posting in postings
        if posting.amount.amount != 0
    ]
    if entries:  # an executemany: nothing reads them back here
        await uow.session.execute(
            insert(LedgerEntry).execution_options(render_nulls=True), entries
        )
    return int(transaction_id)


async def balance(
    uow: UnitOfWork, account: Account, currency: str, *, advisor_id: int | None = None
) -> Money:
    """The sum of an account's entries (debit positive) in one currency."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.account == account.value, LedgerEntry.currency == currency
    )
    if advisor_id is not None:
        query = query.where(LedgerEntry.advisor_id == advisor_id)
    return Money(int(await uow.session.scalar(query) or 0), currency)


# -- checking -----------------------------------------------------------------------------


@dataclass
class LedgerReport:
    """What ``ledger check`` found: counts, and one line per violated invariant."""

    transactions: int = 0
    entries: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class _Books:
    """Every money record, read once, with the lookups the rules share."""

    transactions: dict[int, LedgerTransaction]
    entries: list[LedgerEntry]
    purchases: dict[int, Purchase]
    refunds: dict[int, Refund]
    payouts: dict[int, Payout]
    receipts: list[Receipt]
    counters: dict[tuple[str, int], int]
    by_transaction: dict[int, list[LedgerEntry]]
    by_key: dict[str, LedgerTransaction]

    def legs_of(self, key: str, account: Account) -> int:
        """The sum of one account's legs in the transaction with this key (0 if none)."""
        transaction = self.by_key.get(key)
        if transaction is None:
            return 0
        return sum(
            leg.amount_minor
            for leg in self.by_transaction.get(transaction.id, [])
            if leg.account == account.value
        )


async def _read_books(uow: UnitOfWork) -> _Books:
    session = uow.session
    transactions = {t.id: t for t in await session.scalars(select(LedgerTransaction))}
    entries = list(await session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))
    by_transaction: dict[int, list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        by_transaction[entry.transaction_id].append(entry)
    return _Books(
        transactions=transactions,
        entries=entries,
        purchases={p.id: p for p in await session.scalars(select(Purchase))},
        refunds={r.id: r for r in await session.scalars(select(Refund))},
        payouts={p.id: p for p in await session.scalars(select(Payout))},
        receipts=list(await session.scalars(select(Receipt))),
        counters={
            (c.kind, c.year): c.last_sequence
            for c in await session.scalars(select(ReceiptCounter))
        },
        by_transaction=by_transaction,
        by_key={t.key: t for t in transactions.values()},
    )


def _transactions_balance(books: _Books) -> Iterator[str]:
    """1. Every transaction balances in each currency and has two legs at least."""
    for transaction in books.transactions.values():
        legs = books.by_transaction.get(transaction.id, [])
        if len(legs) < 2:
            yield f"transaction {transaction.key} has {len(legs)} entries; needs 2+"
        sums: dict[str, int] = defaultdict(int)
        for leg in legs:
            sums[leg.currency] += leg.amount_minor
        for currency, left in sorted(sums.items()):
            if left != 0:
                yield (
                    f"transaction {transaction.key} does not balance in {currency}: "
                    f"{left:+d} left over"
                )
    accounts = {a.value for a in Account}
    for entry in books.entries:
        if entry.transaction_id not in books.transactions:
            yield f"entry {entry.id} belongs to no transaction"
        if entry.account not in accounts:
            yield f"entry {entry.id} is on unknown account {entry.account!r}"
        if entry.account == Account.ADVISOR_PAYABLE and entry.advisor_id is None:
            yield f"entry {entry.id} on advisor_payable names no advisor"


def _fee_never_refunded(books: _Books) -> Iterator[str]:
    """2. The handling fee is never refunded: platform_fees is only ever credited."""
    for entry in books.entries:
        if entry.account == Account.PLATFORM_FEES and entry.amount_minor > 0:
            transaction = books.transactions.get(entry.transaction_id)
            key = transaction.key if transaction is not None else "?"
            yield f"handling fee debited (refunded) in transaction {key}"


def _paid_purchase_posted(books: _Books, purchase: Purchase, key: str) -> Iterator[str]:
    received = books.legs_of(key, Account.CASH)
    if received != purchase.total_minor:
        yield (
            f"purchase {purchase.id}: ledger received {received}, purchase total is "
            f"{purchase.total_minor} {purchase.currency}"
        )
    fee = -books.legs_of(key, Account.PLATFORM_FEES)
    if fee != purchase.fee_minor:
        yield f"purchase {purchase.id}: ledger fee {fee}, purchase fee {purchase.fee_minor}"


def _purchases_posted(books: _Books) -> Iterator[str]:
    """3. Each paid purchase is posted once, for what it cost; tips carry no fee."""
    for purchase in books.purchases.values():
        key = f"payment:{purchase.id}"
        posted = key in books.by_key
        if purchase.status == PurchaseStatus.PAID:
            if not posted:
                yield f"paid purchase {purchase.id} has no payment in the ledger"
                continue
            yield from _paid_purchase_posted(books, purchase, key)
        elif posted:
            yield f"purchase {purchase.id} is {purchase.status} but has a payment in the ledger"
        if purchase.kind == PurchaseKind.TIP:
            if purchase.fee_minor != 0 or (
                posted and books.legs_of(key, Account.PLATFORM_FEES) != 0
            ):
                yield f"tip purchase {purchase.id} carries a handling fee"
        if purchase.total_minor != purchase.service_minor + purchase.fee_minor + purchase.tip_minor:
            yield f"purchase {purchase.id}: lines do not add up to its total"


def _refund_posted(books: _Books, refund: Refund) -> Iterator[str]:
    if refund.kind in (RefundKind.GUARANTEE, RefundKind.GOODWILL):
        posted_key = f"refund:{refund.id}"
    else:
        posted_key = f"ext_refund:{refund.id}"
    if refund.status == RefundStatus.SUCCEEDED:
        if posted_key not in books.by_key:
            yield f"succeeded refund {refund.id} is not in the ledger"
        elif -books.legs_of(posted_key, Account.CASH) != refund.amount_minor:
            yield (
                f"refund {refund.id}: ledger paid back {-books.legs_of(posted_key, Account.CASH)}, "
                f"refund is {refund.amount_minor}"
            )
    elif posted_key in books.by_key:
        yield f"refund {refund.id} is {refund.status} but is in the ledger"


def _refunds_posted(books: _Books) -> Iterator[str]:
    """4. Refunds: never more than the service paid; each succeeded one posted for its amount."""
    refunded_service: dict[int, int] = defaultdict(int)
    refunded_total: dict[int, int] = defaultdict(int)
    for refund in books.refunds.values():
        if refund.status == RefundStatus.SUCCEEDED:
            refunded_total[refund.purchase_id] += refund.amount_minor
            if refund.kind in (RefundKind.GUARANTEE, RefundKind.GOODWILL):
                refunded_service[refund.purchase_id] += refund.amount_minor
        yield from _refund_posted(books, refund)
    for purchase_id, amount in refunded_service.items():
        purchase = books.purchases.get(purchase_id)
        if purchase is not None and amount > purchase.service_minor:
            yield (
                f"purchase {purchase_id}: refunded {amount}, more than the service price "
                f"{purchase.service_minor}"
            )
    for purchase_id, amount in refunded_total.items():
        purchase = books.purchases.get(purchase_id)
        if purchase is not None and amount > purchase.total_minor:
            yield (
                f"purchase {purchase_id}: refunded {amount} in all, more than it cost "
                f"({purchase.total_minor})"
            )


def _payouts_posted(books: _Books) -> Iterator[str]:
    """5. Payouts: each paid payout posted for its net; none for unpaid ones."""
    for payout in books.payouts.values():
        key = f"payout:{payout.id}"
        if payout.status == PayoutStatus.PAID:
            if key not in books.by_key:
                yield f"paid payout {payout.id} is not in the ledger"
            elif -books.legs_of(key, Account.CASH) != payout.net_minor:
                yield f"payout {payout.id}: ledger amount differs from its net"
        elif key in books.by_key:
            yield f"payout {payout.id} is {payout.status} but is in the ledger"
        if payout.net_minor != payout.gross_minor - payout.commission_minor:
            yield f"payout {payout.id}: net is not gross minus commission"


def _never_overpaid(books: _Books) -> Iterator[str]:
    """6. No advisor is paid more than they earned; the platform never pays out more cash
    than it took in."""
    payable: dict[tuple[int | None, str], int] = defaultdict(int)
    cash: dict[str, int] = defaultdict(int)
    for entry in books.entries:
        if entry.account == Account.ADVISOR_PAYABLE:
            payable[(entry.advisor_id, entry.currency)] += entry.amount_minor
        if entry.account == Account.CASH:
            cash[entry.currency] += entry.amount_minor
        if entry.account == Account.DISPUTES:
            # Disputes can push a real balance below zero; leave them out of this check.
            cash[entry.currency] += entry.amount_minor
    for (advisor_id, currency), total in sorted(payable.items(), key=str):
        if total > 0:
            yield f"advisor {advisor_id} was paid {total} {currency} more than they earned"
    for currency, total in sorted(cash.items()):
        if total < 0:
            yield f"more cash paid out than taken in ({currency}): {total}"


def _numbers_without_gaps(books: _Books) -> Iterator[str]:
    """7a. Receipt numbers run 1, 2, 3... per kind and year with no gaps."""
    sequences: dict[tuple[str, int], list[int]] = defaultdict(list)
    for receipt in books.receipts:
        sequences[(receipt.kind, receipt.year)].append(receipt.sequence)
    for series in sorted(set(sequences) | set(books.counters)):
        numbers = sorted(sequences.get(series, []))
        expected = list(range(1, books.counters.get(series, 0) + 1))
        if numbers != expected:
            missing = sorted(set(expected) - set(numbers))
            extra = sorted(set(numbers) - set(expected))
            yield (
                f"{series[0]} numbers for {series[1]} have gaps or extras: "
                f"missing {missing[:10]}, unexpected {extra[:10]}"
            )


def _one_document_each(books: _Books) -> Iterator[str]:
    """7b. Every paid purchase has one receipt and every succeeded refund one credit note."""
    receipts_of: dict[int, int] = defaultdict(int)
    credit_notes_of: dict[int, int] = defaultdict(int)
    for receipt in books.receipts:
        if receipt.kind == "receipt":
            receipts_of[receipt.purchase_id] += 1
        elif receipt.refund_id is not None:
            credit_notes_of[receipt.refund_id] += 1
    for purchase in books.purchases.values():
        count = receipts_of.get(purchase.id, 0)
        if purchase.status == PurchaseStatus.PAID and count != 1:
            yield f"paid purchase {purchase.id} has {count} receipts; needs 1"
        elif purchase.status != PurchaseStatus.PAID and count:
            yield f"purchase {purchase.id} is {purchase.status} but has a receipt"
    for refund in books.refunds.values():
        if refund.status == RefundStatus.SUCCEEDED:
            count = credit_notes_of.get(refund.id, 0)
            if count != 1:
                yield f"refund {refund.id} has {count} credit notes; needs 1"


# The invariants, in the order their findings are reported.
_RULES: tuple[Callable[[_Books], Iterator[str]], ...] = (
    _transactions_balance,
    _fee_never_refunded,
    _purchases_posted,
    _refunds_posted,
    _payouts_posted,
    _never_overpaid,
    _numbers_without_gaps,
    _one_document_each,
)


async def check_ledger(uow: UnitOfWork) -> LedgerReport:
    """Verify every invariant of the money records; read-only."""
    books = await _read_books(uow)
    report = LedgerReport(transactions=len(books.transactions), entries=len(books.entries))
    for rule in _RULES:
        report.violations.extend(rule(books))
    return report
