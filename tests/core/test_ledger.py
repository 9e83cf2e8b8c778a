"""The ledger: balanced, append-only, and ``pathwise ledger check`` names every broken rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from bots.cli import cli
from core import ledger, migrations
from core.clock import ManualClock
from core.db import Database
from core.ledger import Account, Posting, TransactionKind, UnbalancedTransaction, check_balanced
from core.models.billing import LedgerEntry, LedgerTransaction, Purchase, ReceiptCounter
from core.money import Money
from tests.support.billing import (
    billing_settings,
    checkout_paid,
    ledger_violations,
    make_billing,
    seed,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
USD = "USD"


def test_postings_must_balance_in_every_currency() -> None:
    check_balanced(
        ledger.payment_postings(
            service=Money(6000, USD),
            fee=Money(349, USD),
            commission=Money(600, USD),
            tip=Money(0, USD),
            advisor_id=1,
        )
    )
    with pytest.raises(UnbalancedTransaction, match="do not balance"):
        check_balanced(
            [Posting(Account.CASH, Money(100, USD)), Posting(Account.SUSPENSE, Money(-99, USD))]
        )
    with pytest.raises(UnbalancedTransaction, match="do not balance"):
        check_balanced(
            [Posting(Account.CASH, Money(100, USD)), Posting(Account.SUSPENSE, Money(-100, "EUR"))]
        )
    with pytest.raises(UnbalancedTransaction, match="needs an advisor_id"):
        check_balanced(
            [Posting(Account.CASH, Money(1, USD)), Posting(Account.ADVISOR_PAYABLE, Money(-1, USD))]
        )
    with pytest.raises(UnbalancedTransaction, match="two non-zero"):
        check_balanced([Posting(Account.CASH, Money(0, USD))])


def test_a_refund_never_touches_the_fee_account() -> None:
    legs = ledger.refund_postings(
        refund=Money(6000, USD), commission_back=Money(600, USD), advisor_id=1
    )
    assert Account.PLATFORM_FEES not in {leg.account for leg in legs}
    check_balanced(legs)


async def test_posting_the_same_key_twice_posts_once(db: Database) -> None:
    legs = ledger.suspense_postings(received=Money(100, USD))
    async with db.uow() as uow:
        first = await ledger.post(
            uow, key="suspense:pi_1", kind=TransactionKind.SUSPENSE, postings=legs, now=NOW
        )
        second = await ledger.post(
            uow, key="suspense:pi_1", kind=TransactionKind.SUSPENSE, postings=legs, now=NOW
        )
        await uow.commit()
    assert first is not None and second is None
    async with db.uow() as uow:
        assert await ledger.balance(uow, Account.CASH, USD) == Money(100, USD)
        report = await ledger.check_ledger(uow)
    assert report.ok and (report.transactions, report.entries) == (1, 2)


async def test_the_database_refuses_to_change_or_delete_ledger_rows(db: Database) -> None:
    async with db.uow() as uow:
        await ledger.post(
            uow,
            key="suspense:pi_2",
            kind=TransactionKind.SUSPENSE,
            postings=ledger.suspense_postings(received=Money(100, USD)),
            now=NOW,
        )
        await uow.commit()
    for statement in (
        update(LedgerEntry).values(amount_minor=1),
        delete(LedgerEntry),
        update(LedgerTransaction).values(memo="edited"),
        delete(LedgerTransaction),
    ):
        async with db.uow() as uow:
            with pytest.raises(DBAPIError, match="append-only"):
                await uow.session.execute(statement)
    async with db.uow() as uow:
        assert await ledger.balance(uow, Account.CASH, USD) == Money(100, USD)


@pytest.mark.usefixtures("paid_purchase")
async def test_check_finds_an_unbalanced_transaction_and_a_refunded_fee(db: Database) -> None:
    assert await ledger_violations(db) == []
    async with db.uow() as uow:
        # Written around ledger.post(), as a buggy or malicious change would.
        result = await uow.session.execute(
            insert(LedgerTransaction)
            .values(key="refund:bogus", kind="refund", memo="", created_at=NOW)
            .returning(LedgerTransaction.id)
        )
        txn = result.scalar_one()
        await uow.session.execute(
            insert(LedgerEntry),
            [
                {
                    "transaction_id": txn,
                    "account": "platform_fees",
                    "amount_minor": 349,
                    "currency": USD,
                },
                {"transaction_id": txn, "account": "cash", "amount_minor": -340, "currency": USD},
            ],
        )
        await uow.commit()

    violations = await ledger_violations(db)

    assert "transaction refund:bogus does not balance in USD: +9 left over" in violations
    assert "handling fee debited (refunded) in transaction refund:bogus" in violations


async def test_check_finds_a_paid_purchase_without_money_and_a_gap_in_numbers(
    db: Database, paid_purchase: int
) -> None:
    purchase_id = paid_purchase
    async with db.uow() as uow:
        # A receipt number skipped, and a purchase marked paid behind the ledger's back.
        await uow.session.execute(
            update(ReceiptCounter).values(last_sequence=ReceiptCounter.last_sequence + 1)
        )
        purchase = await uow.session.get(Purchase, purchase_id)
        assert purchase is not None
        clone = Purchase(
            **{
                column.key: getattr(purchase, column.key)
                for column in Purchase.__table__.columns
                if column.key
                not in (
                    "id",
                    "purchase_key",
                    "idempotency_key",
                    "payment_intent_id",
                    "checkout_session_id",
                )
            },
            purchase_key="booking:clone",
            idempotency_key="clone",
        )
        uow.session.add(clone)
        await uow.commit()
        clone_id = clone.id

    violations = await ledger_violations(db)

    assert f"paid purchase {clone_id} has no payment in the ledger" in violations
    assert f"paid purchase {clone_id} has 0 receipts; needs 1" in violations
    assert any(
        v.startswith("receipt numbers for 2026 have gaps") and "missing [2]" in v
        for v in violations
    )


@pytest.mark.usefixtures("paid_purchase")
async def test_check_finds_an_advisor_paid_more_than_earned(db: Database) -> None:
    async with db.uow() as uow:
        advisor_id = await uow.session.scalar(select(Purchase.advisor_id))
        await ledger.post(
            uow,
            key="payout:999",
            kind=TransactionKind.PAYOUT,
            postings=ledger.payout_postings(net=Money(7000, USD), advisor_id=advisor_id or 0),
            now=NOW,
        )
        await uow.commit()

    violations = await ledger_violations(db)

    assert f"advisor {advisor_id} was paid 1000 USD more than they earned" in violations
    assert "more cash paid out than taken in (USD): -651" in violations


# -- the command line -------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[CliRunner, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.sqlite3'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", url)
    migrations.upgrade(url)
    return CliRunner(), url


def _seed_paid(url: str, *, break_it: bool) -> None:
    async def go() -> None:
        database = Database(url)
        try:
            world = await seed(database, NOW)
            billing, _ = make_billing(database, billing_settings(url), ManualClock(NOW))
            await checkout_paid(billing, database, world)
            if break_it:
                async with database.uow() as uow:
                    await uow.session.execute(update(ReceiptCounter).values(last_sequence=5))
                    await uow.commit()
        finally:
            await database.dispose()

    asyncio.run(go())


def test_ledger_check_passes_on_good_records(runner: tuple[CliRunner, str]) -> None:
    cli_runner, url = runner
    _seed_paid(url, break_it=False)

    result = cli_runner.invoke(cli, ["ledger", "check"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Ledger OK: 1 transactions, 3 entries balanced."


def test_ledger_check_exits_non_zero_naming_the_violation(runner: tuple[CliRunner, str]) -> None:
    cli_runner, url = runner
    _seed_paid(url, break_it=True)

    result = cli_runner.invoke(cli, ["ledger", "check"])

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == (
        "VIOLATION: receipt numbers for 2026 have gaps or extras: missing [2, 3, 4, 5], "
        "unexpected []"
    )
    assert lines[-1] == "Ledger check failed: 1 violation(s)."


def test_ledger_check_on_an_unmigrated_database_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    result = CliRunner().invoke(cli, ["ledger", "check"])
    assert result.exit_code == 1
    assert "Run `pathwise db upgrade` first." in result.output
    assert "Traceback" not in result.output
