"""The daily reconciliation: once per UTC day whatever the number of workers or restarts,
the team told on the admin channel when the ledger and Stripe differ, and through
``bots/run.py``'s worker."""



from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from sqlalchemy import select

from bots.run import running
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.models import OutboxMessage, ReconcileRun
from core.payments.reconcile import StripeRecordsReader, run_daily
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import SECRET
from tests.support.stripe_stand_in import StandInParts

# Every test starts from a paid, refunded and paid-out history at the stand-in.
pytestmark = pytest.mark.usefixtures("stripe_history")


@pytest.fixture
def reader(stand_in_sdk: stripe.StripeClient) -> StripeRecordsReader:
    return StripeRecordsReader(stand_in_sdk)


async def _alerts(db: Database) -> list[OutboxMessage]:
    async with db.uow() as uow:
        return list(
            await uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "reconcile_differences")
                .order_by(OutboxMessage.id)
            )
        )


def _stray_transfer(sandbox: StripeSandbox, amount: int) -> None:
    """A transfer made at Stripe that Pathwise never hears of."""
    sandbox.auto_deliver = False
    sandbox.add_balance(amount)
    [account] = sandbox.state.objects["account"]
    client = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url})
    client.v1.transfers.create({"amount": amount, "currency": "usd", "destination": account})


async def test_two_workers_reconcile_once_a_day_and_alert_the_team(
    db: Database, stand_in: StandInParts, reader: StripeRecordsReader, clock: ManualClock
) -> None:
    _, sandbox, _ = stand_in
    await asyncio.to_thread(_stray_transfer, sandbox, 900)
    now = clock.now()

    first, second = await asyncio.gather(run_daily(db, reader, now), run_daily(db, reader, now))

    reports = [r for r in (first, second) if r is not None]
    assert len(reports) == 1 and len(reports[0].differences) == 1
    [alert] = await _alerts(db)
    assert alert.audience == "admin"
    text = alert.payload["text"]
    assert text.startswith("Reconciliation with Stripe found 1 difference(s):\n- transfer tr_")
    assert "missing in Pathwise: Stripe has $9.00" in text
    assert text.endswith("Run `pathwise reconcile` for the full list.")
    # A restart later the same day runs nothing again.
    assert await run_daily(db, reader, now + timedelta(hours=5)) is None
    # The next day runs again (and says so again, once).
    tomorrow = now + timedelta(days=1)
    again = await run_daily(db, reader, tomorrow)
    assert again is not None and len(again.differences) == 1
    assert len(await _alerts(db)) == 2
    async with db.uow() as uow:
        runs = list(await uow.session.scalars(select(ReconcileRun).order_by(ReconcileRun.day)))
    assert [(r.day, r.status, r.differences) for r in runs] == [
        (now.date().isoformat(), "done", 1),
        (tomorrow.date().isoformat(), "done", 1),
    ]


async def test_a_clean_day_tells_nobody_and_a_run_cut_short_is_taken_over(
    db: Database, reader: StripeRecordsReader, clock: ManualClock
) -> None:
    now = clock.now()
    day = now.astimezone(UTC).date().isoformat()
    async with db.uow() as uow:  # a worker claimed today, then died
        uow.session.add(ReconcileRun(day=day, status="running", started_at=now))
        await uow.commit()

    assert await run_daily(db, reader, now + timedelta(minutes=10)) is None  # may still run
    report = await run_daily(db, reader, now + timedelta(hours=2))

    assert report is not None and report.ok
    assert await _alerts(db) == []
    async with db.uow() as uow:
        run = await uow.session.get(ReconcileRun, day)
        assert run is not None and (run.status, run.differences) == ("done", 0)


async def test_pathwise_runs_it_from_the_worker(
    db: Database, database_url: str, stand_in: StandInParts, clock: ManualClock
) -> None:
    _, sandbox, _ = stand_in
    await asyncio.to_thread(_stray_transfer, sandbox, 1100)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        stripe_secret_key=sandbox.api_key,
        stripe_webhook_secret=SECRET,
        stripe_api_base=sandbox.url,
    )
    async with running(settings, {"worker"}, clock=clock, worker_interval=0.05) as runtime:
        assert runtime.worker is not None
        for _ in range(200):
            if runtime.worker.ticks >= 3:
                break
            await asyncio.sleep(0.05)
    [alert] = await _alerts(db)
    assert "missing in Pathwise: Stripe has $11.00" in alert.payload["text"]
    assert (
        datetime.fromisoformat((await _run_days(db))[0]).date()
        == clock.now().astimezone(UTC).date()
    )


async def _run_days(db: Database) -> list[str]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(ReconcileRun.day)))
