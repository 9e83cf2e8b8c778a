"""Property tests: over random prices, fees, commissions and random sequences of purchases,
tips, refunds and payouts, the money rules always hold.

* the handling fee is never refunded;
* no refund exceeds what was paid for the service;
* tips never carry a fee, and all of a tip goes to the advisor;
* every ledger transaction balances, and ``ledger check`` finds nothing wrong.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core import ledger, scheduling
from core.billing import Billing, advisor_share, commission_on, quote_service, quote_tip
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.errors import PathwiseError
from core.ledger import Account, check_balanced
from core.models import Base, Booking
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
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import billing_settings, deliver, fonts, new_booking, pay, seed

USD = "USD"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

prices = st.integers(min_value=50, max_value=500_000)
fees = st.integers(min_value=0, max_value=2_000)
percents = st.integers(min_value=0, max_value=100)
tips = st.integers(min_value=100, max_value=50_000)


# -- the rules themselves, over many random amounts -------------------------------------------


@given(price=prices, fee=fees, percent=percents, tip_amounts=st.lists(tips, max_size=4))
def test_rules_hold_for_any_price_fee_commission_and_tips(
    price: int, fee: int, percent: int, tip_amounts: list[int]
) -> None:
    rules = Settings(_env_file=None, handling_fee_minor=fee, commission_percent=percent)  # type: ignore[call-arg]
    quote = quote_service(
        offer_name="60-minute live session",
        advisor_name="Ana",
        price=Money(price, USD),
        settings=rules,
    )
    commission = commission_on(quote.service, rules)
    assert quote.total == Money(price + fee, USD)
    assert Money(0, USD) <= commission <= quote.service
    tip_total = Money(sum(tip_amounts), USD)
    share = advisor_share(quote.service, commission, tip_total)
    assert share == quote.service - commission + tip_total

    legs = ledger.payment_postings(
        service=quote.service, fee=quote.fee, commission=commission, tip=Money(0, USD), advisor_id=1
    )
    check_balanced(legs)
    for amount in tip_amounts:
        tip_quote = quote_tip(advisor_name="Ana", amount=Money(amount, USD), settings=rules)
        assert tip_quote.fee == Money(0, USD) and tip_quote.total == Money(amount, USD)
        tip_legs = ledger.payment_postings(
            service=Money(0, USD),
            fee=tip_quote.fee,
            commission=Money(0, USD),
            tip=tip_quote.total,
            advisor_id=1,
        )
        check_balanced(tip_legs)
        assert [leg.amount for leg in tip_legs if leg.account is Account.ADVISOR_PAYABLE] == [
            -Money(amount, USD)
        ]
    refund_legs = ledger.refund_postings(
        refund=quote.service, commission_back=commission, advisor_id=1
    )
    check_balanced(refund_legs)
    assert Account.PLATFORM_FEES not in {leg.account for leg in refund_legs}


# -- random sequences through the real service and database -----------------------------------


@st.composite
def booking_plans(draw: st.DrawFn) -> dict[str, Any]:
    """What happens to one booking: paid or not, its tips, and how a refund is asked for."""
    return {
        "price": draw(prices),
        # Hypothesis favours the first choices, so the interesting ones come first.
        "paid": draw(st.sampled_from([True, True, True, False])),
        "replay": draw(st.booleans()),
        "tips": draw(st.lists(tips, max_size=2)),
        "late_tip": draw(st.one_of(st.none(), tips)),
        "refund": draw(
            st.sampled_from(["in_window", "cancel", "twice", "none", "before_end", "after_window"])
        ),
    }


async def _fresh_database(migrated_url: str, folder: Path) -> Database:
    """An empty migrated database for one example (hypothesis reuses the test's fixtures)."""
    if migrated_url.startswith("postgresql"):
        database = Database(migrated_url)
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return database
    copy = folder / f"{uuid.uuid4().hex}.sqlite3"
    shutil.copyfile(make_url(migrated_url).database or "", copy)
    return Database(f"sqlite+aiosqlite:///{copy}")


async def _run_plans(
    db: Database, rules: Settings, plans: list[dict[str, Any]], onboard: str
) -> None:
    clock = ManualClock(START)
    gateway = FakePaymentGateway()
    billing = Billing(db, gateway, rules, clock, fonts=fonts())
    world = await seed(db, clock.now(), client_name="Ada Lovelace")
    async with db.uow() as uow:
        first = await uow.session.get(Booking, world.booking_id)
        assert first is not None
        await uow.session.delete(first)
        await uow.commit()
    bookings = [
        await new_booking(
            db,
            world,
            clock.now(),
            starts_at=clock.now() + timedelta(days=index + 2),
            price_minor=plan["price"],
        )
        for index, plan in enumerate(plans)
    ]
    window = timedelta(hours=rules.guarantee_window_hours)

    async def attempt(action: Any) -> None:
        try:
            await action
        except PathwiseError:
            pass  # a refusal the user would be shown; the rules must hold all the same

    async def onboard_now() -> None:
        await billing.start_payout_onboarding(
            world.advisor_id, refresh_url="https://x.test/r", return_url="https://x.test/d"
        )
        for account_id in gateway.accounts:
            await deliver(
                billing,
                "account.updated",
                {"id": account_id, "payouts_enabled": True, "details_submitted": True},
            )

    async def buy(booking_id: int, tip: int | None = None) -> None:
        if tip is None:
            checkout = await billing.start_checkout(booking_id, world.client_id)
        else:
            checkout = await billing.start_tip_checkout(
                booking_id, world.client_id, Money(tip, USD)
            )
        await pay(billing, db, checkout.purchase_id)
        return None

    async def refund(booking_id: int) -> None:
        await billing.request_refund(booking_id, world.client_id)

    if onboard == "early":
        await onboard_now()
    for booking_id, plan in zip(bookings, plans, strict=True):
        if not plan["paid"]:
            continue
        checkout = await billing.start_checkout(booking_id, world.client_id)
        await pay(billing, db, checkout.purchase_id)
        if plan["replay"]:
            await pay(billing, db, checkout.purchase_id)  # Stripe says it again
        for amount in plan["tips"]:
            await attempt(buy(booking_id, amount))
        if plan["refund"] == "cancel":
            async with db.uow() as uow:
                await scheduling.cancel_booking(
                    uow, booking_id, client_id=world.client_id, now=clock.now()
                )
                await uow.commit()
            await attempt(billing.refund_cancelled_booking(booking_id, world.client_id))
        if plan["refund"] == "before_end":
            await attempt(refund(booking_id))

    last_end = START + timedelta(days=len(plans) + 2, hours=1)
    clock.set(last_end + timedelta(minutes=5))
    for booking_id, plan in zip(bookings, plans, strict=True):
        if plan["refund"] in ("in_window", "twice"):
            await attempt(refund(booking_id))
        if plan["refund"] == "twice":
            await attempt(refund(booking_id))
    await billing.release_due_payouts()  # some windows are still open

    clock.set(last_end + window + timedelta(hours=1))
    for booking_id, plan in zip(bookings, plans, strict=True):
        if plan["refund"] == "after_window":
            await attempt(refund(booking_id))
        if plan["late_tip"] is not None:
            await attempt(buy(booking_id, plan["late_tip"]))
    await billing.release_due_payouts()
    if onboard == "late":
        await onboard_now()
        await billing.release_due_payouts()
    await billing.release_due_payouts()  # idempotent: a second run pays nothing more
    await _assert_rules(db, gateway)


async def _assert_rules(db: Database, gateway: FakePaymentGateway) -> None:
    async with db.uow() as uow:
        report = await ledger.check_ledger(uow)
        purchases = list(await uow.session.scalars(select(Purchase)))
        refunds = list(await uow.session.scalars(select(Refund)))
        payouts = list(await uow.session.scalars(select(Payout)))
        fees = await ledger.balance(uow, Account.PLATFORM_FEES, USD)
        cash = await ledger.balance(uow, Account.CASH, USD)
        tip_fee_legs = await uow.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(Purchase, Purchase.id == LedgerTransaction.purchase_id)
            .where(Purchase.kind == PurchaseKind.TIP.value)
            .where(LedgerEntry.account == Account.PLATFORM_FEES.value)
        )
    assert report.violations == []
    paid = [p for p in purchases if p.status == PurchaseStatus.PAID]
    event(f"paid purchases: {min(len(paid), 3)}+")
    event(f"refunds: {min(len(refunds), 2)}+")
    event(f"payouts: {min(len(payouts), 2)}+")
    # The fee is never refunded: the platform keeps every paid purchase's fee.
    assert fees == Money(-sum(p.fee_minor for p in paid), USD)
    # No refund exceeds what was paid for the service, and a tip is never refunded.
    refunded: dict[int, int] = defaultdict(int)
    for refund in refunds:
        if refund.status == RefundStatus.SUCCEEDED:
            refunded[refund.purchase_id] += refund.amount_minor
    by_id = {p.id: p for p in purchases}
    for purchase_id, amount in refunded.items():
        assert amount <= by_id[purchase_id].service_minor
        assert by_id[purchase_id].kind == PurchaseKind.BOOKING
    assert sum(r.amount.amount for r in gateway.refunds.values()) == sum(refunded.values())
    # Tips never carry a fee.
    assert all(p.fee_minor == 0 for p in purchases if p.kind == PurchaseKind.TIP)
    assert tip_fee_legs == 0
    # Money in minus money out is what the ledger holds, and no payout is made twice.
    transferred = sum(made.amount.amount for made, _, _ in gateway.transfers.values())
    assert transferred == sum(p.net_minor for p in payouts if p.status == PayoutStatus.PAID)
    assert cash == Money(
        sum(p.total_minor for p in paid) - sum(refunded.values()) - transferred, USD
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=st.lists(booking_plans(), min_size=1, max_size=3),
    fee=fees,
    percent=percents,
    window=st.sampled_from([72, 24, 0]),
    onboard=st.sampled_from(["early", "late", "never"]),
)
def test_any_mix_of_purchases_tips_refunds_and_payouts_keeps_the_rules(
    migrated_url: str,
    tmp_path: Path,
    plans: list[dict[str, Any]],
    fee: int,
    percent: int,
    window: int,
    onboard: str,
) -> None:
    async def go() -> None:
        db = await _fresh_database(migrated_url, tmp_path)
        try:
            rules = billing_settings(
                db.url,
                handling_fee_minor=fee,
                commission_percent=percent,
                guarantee_window_hours=window,
            )
            await _run_plans(db, rules, plans, onboard)
        finally:
            await db.dispose()

    asyncio.run(go())
