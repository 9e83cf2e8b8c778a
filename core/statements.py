"""Advisors' statements: every payout with the statement they were sent when it was paid,
and a monthly statement of the bookings paid that month (gross, refunded, commission, net,
per booking, with totals) as a PDF.

A month's amounts come from the ledger, as of now: the commission and the advisor's share
each purchase posted (``core.ledger.payment_postings``), less what its refunds took back,
so a refund, a goodwill refund or a lost dispute shows as it was booked. Gross is what the
client paid for the service and tips (never the handling fee); refunded is what went back.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from sqlalchemy import func, select

from core import i18n
from core.config import Settings
from core.db import UnitOfWork
from core.errors import NotFound, ValidationFailed
from core.ledger import Account
from core.models.accounts import Advisor
from core.models.billing import (
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    Refund,
    RefundStatus,
)
from core.money import Money
from core.payments.payouts import statement
from core.payments.times import local_date, zone
from core.receipts import ReceiptFonts
from core.receipts.statement import (
    StatementData,
    StatementRow,
    StatementTotals,
    render_statement,
)
from core.texts import advisors as ta
from core.texts import statements as t

PAGE_SIZE = 5  # payout statements per /statements page: five fit in one Discord message
_MONTH = re.compile(r"\s*(\d{4})-(\d{1,2})\s*")


# -- every payout -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayoutStatements:
    """One page of an advisor's payouts, newest first, each as its statement."""

    statements: tuple[str, ...]
    count: int  # payouts in all
    total: str  # paid out in all, per currency, in the advisor's locale ("$48.00")
    page: int
    pages: int


async def _advisor(uow: UnitOfWork, advisor_id: int) -> Advisor:
    advisor = await uow.session.get(Advisor, advisor_id)
    if advisor is None:
        raise NotFound(ta.ADVISOR_NOT_FOUND())
    return advisor


async def payout_statements(uow: UnitOfWork, advisor_id: int, page: int = 1) -> PayoutStatements:
    """The advisor's paid payouts, ``PAGE_SIZE`` a page, each with its statement in the
    advisor's locale, dated in their zone."""
    advisor = await _advisor(uow, advisor_id)
    paid = (Payout.advisor_id == advisor_id, Payout.status == PayoutStatus.PAID.value)
    sums = list(
        await uow.session.execute(
            select(Payout.currency, func.count(), func.sum(Payout.net_minor))
            .where(*paid)
            .group_by(Payout.currency)
            .order_by(Payout.currency)
        )
    )
    count = sum(int(n) for _, n, _ in sums)
    pages = max(1, -(-count // PAGE_SIZE))
    if page < 1 or page > pages:
        raise ValidationFailed(t.NO_SUCH_PAGE(page=page, count=pages))
    rows = list(
        await uow.session.scalars(
            select(Payout)
            .where(*paid)
            .order_by(Payout.paid_at.desc(), Payout.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    members: dict[int, list[Purchase]] = defaultdict(list)
    for purchase in await uow.session.scalars(
        select(Purchase).where(Purchase.payout_id.in_([p.id for p in rows])).order_by(Purchase.id)
    ):
        assert purchase.payout_id is not None
        members[purchase.payout_id].append(purchase)
    statements = tuple(
        statement(
            payout,
            members[payout.id],
            payout.stripe_transfer_id or "",
            payout.paid_at or payout.created_at,
            advisor.locale,
            timezone=advisor.timezone,
        )
        for payout in rows
    )
    total = ", ".join(
        Money(int(net or 0), currency).format(advisor.locale) for currency, _, net in sums
    )
    return PayoutStatements(statements, count, total, page, pages)


# -- a month ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def label(self, locale: str) -> str:
        """ "November 2026" ("noviembre de 2026"), in ``locale``."""
        with i18n.speaking(locale):
            pattern = t.MONTH_FORMAT()
        first = date(self.year, self.month, 1)
        return str(format_date(first, pattern, locale=i18n.babel_locale(locale)))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)


def parse_month(text: str, today: date, locale: str) -> Month:
    """``YYYY-MM`` as a month that has started by ``today``; refused with words otherwise."""
    matched = _MONTH.fullmatch(text)
    example = Month(today.year, today.month).key
    if matched is None or not 1 <= int(matched.group(2)) <= 12:
        raise ValidationFailed(t.BAD_MONTH(example=example))
    month = Month(int(matched.group(1)), int(matched.group(2)))
    if (month.year, month.month) > (today.year, today.month):
        raise ValidationFailed(t.FUTURE_MONTH(month=month.label(locale)))
    if month.year < 2000:
        raise ValidationFailed(t.BAD_MONTH(example=example))
    return month


@dataclass(frozen=True, slots=True)
class MonthlyStatement:
    """A month's statement: what it prints, and the advisor's month as words."""

    data: StatementData
    month: Month

    @property
    def filename(self) -> str:
        with i18n.speaking(self.data.locale):
            return t.FILENAME(month=self.month.key)


def _in_month(moment: datetime, month: Month, timezone: str) -> bool:
    local = moment.astimezone(zone(timezone))
    return (local.year, local.month) == (month.year, month.month)


async def _ledger_sums(uow: UnitOfWork, purchase_ids: list[int]) -> dict[tuple[int, str], int]:
    """Per purchase and account (commission, the advisor's payable), the ledger's credits
    less debits on the purchase's transactions (payments, refunds, disputes)."""
    found: dict[tuple[int, str], int] = defaultdict(int)
    rows = await uow.session.execute(
        select(LedgerTransaction.purchase_id, LedgerEntry.account, LedgerEntry.amount_minor)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.purchase_id.in_(purchase_ids))
        .where(LedgerEntry.account.in_([Account.COMMISSION.value, Account.ADVISOR_PAYABLE.value]))
    )
    for purchase_id, account, amount in rows:
        assert purchase_id is not None
        found[(purchase_id, account)] -= amount  # credits are negative
    return found


@dataclass(frozen=True, slots=True)
class MonthAsked:
    """The month an advisor asked for, and its statement (None: nothing was paid in it)."""

    month: Month
    label: str  # the month in the advisor's language
    statement: MonthlyStatement | None


async def month_statement(
    uow: UnitOfWork, settings: Settings, advisor_id: int, text: str, now: datetime
) -> MonthAsked:
    """/statements month:TEXT: the month read (YYYY-MM, started by now in the advisor's zone)
    and its statement; a bad or future month is refused with words."""
    advisor = await _advisor(uow, advisor_id)
    today = now.astimezone(zone(advisor.timezone)).date()
    month = parse_month(text, today, advisor.locale)
    found = await monthly_statement(uow, settings, advisor, month, now)
    return MonthAsked(month, month.label(advisor.locale), found)


async def monthly_statement(
    uow: UnitOfWork, settings: Settings, advisor: Advisor, month: Month, now: datetime
) -> MonthlyStatement | None:
    """The advisor's bookings paid in ``month`` (in their zone), per booking, as of ``now``;
    None if there were none."""
    advisor_id = advisor.id
    purchases = [
        p
        for p in await uow.session.scalars(
            select(Purchase)
            .where(Purchase.advisor_id == advisor_id)
            .where(Purchase.status == PurchaseStatus.PAID.value)
            .where(Purchase.paid_at.is_not(None))
            .order_by(Purchase.paid_at, Purchase.id)
        )
        if p.paid_at is not None
    ]
    # A booking is listed in the month its own payment was made; its tips go with it.
    booked = {
        p.booking_id: p
        for p in purchases
        if p.kind == PurchaseKind.BOOKING and p.booking_id is not None and p.paid_at
    }
    chosen = {
        booking_id
        for booking_id, p in booked.items()
        if p.paid_at and _in_month(p.paid_at, month, advisor.timezone)
    }
    groups: dict[int, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        key = purchase.booking_id
        if key in chosen:
            groups[key].append(purchase)
        elif (
            key not in booked
            and purchase.paid_at
            and _in_month(purchase.paid_at, month, advisor.timezone)
        ):
            groups[-purchase.id].append(purchase)  # a tip whose booking was paid elsewhere
    if not groups:
        return None
    ids = [p.id for members in groups.values() for p in members]
    sums = await _ledger_sums(uow, ids)
    refunded: dict[int, int] = defaultdict(int)
    for purchase_id, amount in await uow.session.execute(
        select(Refund.purchase_id, Refund.amount_minor)
        .where(Refund.purchase_id.in_(ids))
        .where(Refund.status == RefundStatus.SUCCEEDED.value)
    ):
        refunded[purchase_id] += amount
    rows = []
    for key, members in groups.items():
        main = booked.get(key, members[0])
        assert main.paid_at is not None
        rows.append(
            StatementRow(
                booking_id=main.booking_id or 0,
                description=main.description,
                paid_on=local_date(main.paid_at, advisor.timezone, advisor.locale),
                currency=main.currency,
                gross_minor=sum(p.service_minor + p.tip_minor for p in members),
                refunded_minor=sum(refunded[p.id] for p in members),
                commission_minor=sum(sums[(p.id, Account.COMMISSION.value)] for p in members),
                net_minor=sum(sums[(p.id, Account.ADVISOR_PAYABLE.value)] for p in members),
            )
        )
    rows.sort(key=lambda r: (r.currency, r.booking_id))
    totals = []
    for currency in sorted({r.currency for r in rows}):
        mine = [r for r in rows if r.currency == currency]
        totals.append(
            StatementTotals(
                currency=currency,
                gross_minor=sum(r.gross_minor for r in mine),
                refunded_minor=sum(r.refunded_minor for r in mine),
                commission_minor=sum(r.commission_minor for r in mine),
                net_minor=sum(r.net_minor for r in mine),
            )
        )
    data = StatementData(
        platform_name=settings.platform_name,
        advisor_name=advisor.display_name,
        month=month.label(advisor.locale),
        month_key=month.key,
        issued_on=local_date(now, advisor.timezone, advisor.locale),
        issued_at=now,
        timezone=advisor.timezone,
        locale=advisor.locale,
        rows=tuple(rows),
        totals=tuple(totals),
    )
    return MonthlyStatement(data, month)


async def statement_pdf(statement_: MonthlyStatement, fonts: ReceiptFonts | None) -> bytes:
    """The statement's PDF, made in a worker thread so the bot keeps answering meanwhile."""
    return await asyncio.to_thread(render_statement, statement_.data, fonts)
