"""Reconciliation: the ledger is compared with what the Stripe stand-in holds, read through
the real SDK's paged list APIs. A clean history shows no difference; each kind of drift made
at "Stripe" (or in the ledger's links to it) is reported, and `pathwise reconcile` exits 1."""


from __future__ import annotations

import asyncio
from datetime import timedelta

import stripe
from click.testing import CliRunner
from sqlalchemy import select

from bots.cli import cli
from core.clock import ManualClock
from core.db import Database
from core.models.billing import Payout, Purchase, Refund
from core.payments.reconcile import Problem, RecordKind, StripeRecordsReader, reconcile
from tests.support.billing import ledger_violations
from tests.support.stripe_stand_in import History

USD = "USD"


async def _report(db: Database, sdk: stripe.StripeClient, since=None):  # type: ignore[no-untyped-def]
    return await reconcile(db, StripeRecordsReader(sdk), since)


async def test_a_clean_history_has_no_differences_and_ledger_check_agrees(
    db: Database, stripe_history: History, stand_in_sdk: stripe.StripeClient
) -> None:
    report = await _report(db, stand_in_sdk)

    assert report.differences == []
    assert report.compared[RecordKind.CHARGE] == 3
    assert report.compared[RecordKind.REFUND] == 1
    assert report.compared[RecordKind.TRANSFER] == 2
    assert await ledger_violations(db) == []


async def test_every_kind_of_drift_is_reported(
    db: Database, stripe_history: History, stand_in_sdk: stripe.StripeClient, clock: ManualClock
) -> None:
    sandbox, sdk = stripe_history.sandbox, stand_in_sdk
    first, second, tip = stripe_history.purchases
    account_id = stripe_history.account_id
    async with db.uow() as uow:
        purchases = {
            p.id: p for p in await uow.session.scalars(select(Purchase).order_by(Purchase.id))
        }
        [refund] = list(await uow.session.scalars(select(Refund)))
        payouts = list(await uow.session.scalars(select(Payout).order_by(Payout.id)))
    charge_of = {
        pid: str(sandbox.state.objects["payment_intent"][p.payment_intent_id]["latest_charge"])
        for pid, p in purchases.items()
        if p.payment_intent_id
    }

    # What happens at Stripe from here on reaches Pathwise by no webhook.
    sandbox.auto_deliver = False
    # 1. A charge Pathwise doesn't know: a payment made on a Checkout Session of its own.
    stray = await sdk.v1.checkout.sessions.create_async(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 2500,
                        "product_data": {"name": "Something else"},
                    },
                }
            ],
            "success_url": "https://p.test/ok",
            "cancel_url": "https://p.test/no",
            "expires_at": int((clock.now() + timedelta(hours=1)).timestamp()),
        }
    )
    await sandbox.pay(stray.id)
    stray_charge = str(
        sandbox.state.objects["payment_intent"][
            sandbox.state.objects["checkout.session"][stray.id]["payment_intent"]
        ]["latest_charge"]
    )
    # 2. A refund made at Stripe only (the Dashboard), on the second session.
    dashboard = await sdk.v1.refunds.create_async({"charge": charge_of[second], "amount": 700})
    # 3. A refund in the ledger that Stripe does not have.
    del sandbox.state.objects["refund"][refund.stripe_refund_id]
    # 4. An amount that differs, and 5. a currency that differs.
    sandbox.state.objects["charge"][charge_of[second]]["amount"] = 6000
    sandbox.state.objects["charge"][charge_of[tip]]["currency"] = "eur"
    # 6. A payout's transfer Stripe does not have, and a transfer made at Stripe only.
    [tip_payout, session_payout] = sorted(payouts, key=lambda p: p.net_minor)
    del sandbox.state.objects["transfer"][tip_payout.stripe_transfer_id]
    sandbox.add_balance(10_000)
    extra = await sdk.v1.transfers.create_async(
        {"amount": 1200, "currency": "usd", "destination": account_id}
    )
    # 7. A reversal of the session's transfer, which Pathwise never made.
    reversal = await sdk.v1.transfers.reversals.create_async(
        str(session_payout.stripe_transfer_id), {"amount": 1000}
    )

    report = await _report(db, sdk)
    found = {(d.kind, d.problem, d.stripe_id) for d in report.differences}
    assert found == {
        (RecordKind.CHARGE, Problem.MISSING_IN_PATHWISE, stray_charge),
        (RecordKind.CHARGE, Problem.AMOUNT_DIFFERS, charge_of[second]),
        (RecordKind.CHARGE, Problem.CURRENCY_DIFFERS, charge_of[tip]),
        (RecordKind.REFUND, Problem.MISSING_IN_PATHWISE, dashboard.id),
        (RecordKind.REFUND, Problem.MISSING_AT_STRIPE, refund.stripe_refund_id),
        (RecordKind.TRANSFER, Problem.MISSING_AT_STRIPE, tip_payout.stripe_transfer_id),
        (RecordKind.TRANSFER, Problem.MISSING_IN_PATHWISE, extra.id),
        (RecordKind.REVERSAL, Problem.MISSING_IN_PATHWISE, reversal.id),
    }
    lines = {d.describe() for d in report.differences}
    assert (
        f"charge {charge_of[second]} (purchase #{second}): amount differs: "
        "the ledger has $63.49, Stripe has $60.00"
    ) in lines
    assert (
        f"charge {charge_of[tip]} (purchase #{tip}): currency differs: "
        "the ledger has $5.00, Stripe has €5.00"
    ) in lines
    assert (
        f"refund {refund.stripe_refund_id} (refund #{refund.id}): missing at Stripe: "
        "the ledger has $60.00, Stripe has nothing"
    ) in lines
    assert (
        f"transfer {extra.id}: missing in Pathwise: Stripe has $12.00, the ledger has nothing"
    ) in lines
    assert f"transfer reversal {reversal.id}: missing in Pathwise: Stripe has $10.00" in "\n".join(
        lines
    )
    assert f"charge {stray_charge}: missing in Pathwise: Stripe has $25.00" in "\n".join(lines)
    assert first in purchases  # the refunded session's charge itself still matches


async def test_a_dispute_is_compared_and_since_leaves_older_drift_out(
    db: Database, stripe_history: History, stand_in_sdk: stripe.StripeClient, clock: ManualClock
) -> None:
    sandbox, sdk = stripe_history.sandbox, stand_in_sdk
    second = stripe_history.purchases[1]
    async with db.uow() as uow:
        purchase = await uow.session.get(Purchase, second)
        assert purchase is not None and purchase.payment_intent_id
    charge = str(
        sandbox.state.objects["payment_intent"][purchase.payment_intent_id]["latest_charge"]
    )
    await sandbox.dispute(charge)  # delivered: the ledger records it
    assert (await _report(db, sdk)).differences == []

    [dispute] = sandbox.state.objects["dispute"].values()
    dispute["amount"] = 100
    [difference] = (await _report(db, sdk)).differences
    assert (difference.kind, difference.problem) == (RecordKind.DISPUTE, Problem.AMOUNT_DIFFERS)

    clock.advance(timedelta(days=3))
    sandbox.auto_deliver = False
    sandbox.add_balance(10_000)
    made = await sdk.v1.transfers.create_async(
        {
            "amount": 300,
            "currency": "usd",
            "destination": next(iter(sandbox.state.objects["account"])),
        }
    )
    later = (await _report(db, sdk, clock.now() - timedelta(days=1))).differences
    assert [(d.kind, d.problem, d.stripe_id) for d in later] == [
        (RecordKind.TRANSFER, Problem.MISSING_IN_PATHWISE, made.id)
    ]


async def test_pathwise_reconcile_prints_each_difference_and_exits_1(
    database_url: str, stripe_history: History
) -> None:
    sandbox = stripe_history.sandbox
    env = {
        "PATHWISE_DATABASE_URL": database_url,
        "PATHWISE_STRIPE_SECRET_KEY": sandbox.api_key,
        "PATHWISE_STRIPE_API_BASE": sandbox.url,
    }
    runner = CliRunner()

    clean = await asyncio.to_thread(runner.invoke, cli, ["reconcile"], env=env)
    assert clean.exit_code == 0, clean.output
    assert clean.output.startswith("No differences: the ledger matches Stripe (3 charge(s)")

    sandbox.auto_deliver = False
    sandbox.add_balance(1000)
    made = await asyncio.to_thread(
        lambda: stripe.StripeClient(
            sandbox.api_key, base_addresses={"api": sandbox.url}
        ).v1.transfers.create(
            {
                "amount": 400,
                "currency": "usd",
                "destination": next(iter(sandbox.state.objects["account"])),
            }
        )
    )
    drift = await asyncio.to_thread(runner.invoke, cli, ["reconcile"], env=env)
    assert drift.exit_code == 1
    assert drift.output.splitlines() == [
        f"transfer {made.id}: missing in Pathwise: Stripe has $4.00, the ledger has nothing",
        "1 difference(s) between the ledger and Stripe.",
    ]

    since = await asyncio.to_thread(
        runner.invoke, cli, ["reconcile", "--since", "2030-01-01"], env=env
    )
    assert since.exit_code == 0
    assert "No differences: the ledger matches Stripe since 2030-01-01" in since.output

    bad = await asyncio.to_thread(
        runner.invoke, cli, ["reconcile", "--since", "yesterday"], env=env
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "'yesterday' does not match the format '%Y-%m-%d'" in bad.output
