"""Stripe webhook throughput: signed events handled per second by core, on SQLite and PostgreSQL.

``python -m bench.webhooks [N]`` prints a table; ``run(n)`` returns the numbers. Cases:

* ``construct_event`` — the floor: ``stripe.Webhook.construct_event`` alone (HMAC check and
  JSON parse), what any handler pays before touching a database;
* ``paid`` — ``checkout.session.completed`` for a new purchase: signature, event recorded once,
  booking confirmed through scheduling, ledger rows, receipt number and what it prints, outbox
  rows, one commit (the PDF is rendered later by its first reader, see ``bench.receipts``).
  This is the path that matters; ``sql_per_event`` counts its statements, commit included;
* ``duplicate`` — the same events again: answered from the unique event id;
* ``unhandled`` — an event type billing ignores: recorded and answered 200;
* on PostgreSQL also ``paid x8``: eight workers at once (``asyncio.gather``), as several web
  processes would.

Stripe itself is a fake here (no network), so the numbers are core's and the database's.
PostgreSQL is used only if named (``PATHWISE_BENCH_POSTGRES_URL``) and reachable;
each run makes and drops its own scratch database.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import stripe
from sqlalchemy import text
from sqlalchemy.engine import make_url

import bench
from bench.gateway import BenchGateway
from bench.telegram import StatementCounter
from core import migrations
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database, create_engine
from core.models import Advisor, Booking, BookingStatus, Client, Offer, SlotClaim
from core.models.billing import Purchase
from core.receipts import ReceiptFonts
from core.scheduling.times import grid_cells
from devtools.stripe_sandbox import sign_payload

SECRET = "whsec_bench_0123456789"  # bench.telegram uses the same
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WORKERS = 8


def _event(event_type: str, obj: dict[str, Any]) -> bytes:
    import json

    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()


def _signed(body: bytes) -> tuple[bytes, str]:
    return body, sign_payload(body, SECRET, int(time.time()))


def _figures(times: list[float], wall: float) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "per_second": len(times) / wall if wall else 0.0,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
    }


def bench_construct_event(n: int) -> dict[str, float]:
    """The floor: verifying and parsing a signed event, nothing else."""
    bodies = [_signed(_event("checkout.session.completed", {"id": f"cs_{i}"})) for i in range(n)]
    times = []
    began = time.perf_counter()
    for body, header in bodies:
        start = time.perf_counter()
        stripe.Webhook.construct_event(body, header, SECRET)
        times.append(time.perf_counter() - start)
    return _figures(times, time.perf_counter() - began)


async def _seed(db: Database, billing: Billing, n: int) -> list[int]:
    """n held bookings with open checkouts; returns their purchase ids."""
    now = START
    async with db.uow() as uow:
        client = Client(display_name="Ada Lovelace", timezone="Europe/Madrid", created_at=now)
        advisor = Advisor(
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            display_name="Ana Ruiz",
            bio="",
            timezone="UTC",
            approved=True,
            created_at=now,
        )
        uow.session.add_all([client, advisor])
        await uow.session.flush()
        offer = Offer(advisor_id=advisor.id, kind="live60", price_minor=6000, currency="USD")
        uow.session.add(offer)
        await uow.session.flush()
        bookings = []
        for i in range(n):
            starts = now + timedelta(days=1, hours=2 * i)
            booking = Booking(
                client_id=client.id,
                advisor_id=advisor.id,
                offer_id=offer.id,
                status=BookingStatus.HELD.value,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=60),
                hold_expires_at=now + timedelta(minutes=30),
                price_minor=6000,
                currency="USD",
                created_at=now,
                updated_at=now,
            )
            uow.session.add(booking)
            bookings.append(booking)
        await uow.session.flush()
        # Each hold sits on its calendar cells, as scheduling.hold_slot leaves it.
        buffer = timedelta(minutes=billing.settings.buffer_minutes)
        for booking in bookings:
            assert booking.starts_at is not None and booking.ends_at is not None
            length = booking.ends_at - booking.starts_at
            cells = grid_cells(booking.starts_at, length + buffer)
            uow.session.add_all(
                SlotClaim(
                    advisor_id=advisor.id,
                    slot_start=cell,
                    booking_id=booking.id,
                    expires_at=booking.hold_expires_at,
                )
                for cell in cells
            )
        await uow.session.flush()
        client_id, booking_ids = client.id, [b.id for b in bookings]
        await uow.commit()
    return [(await billing.start_checkout(b, client_id)).purchase_id for b in booking_ids]


async def _paid_bodies(db: Database, purchase_ids: list[int]) -> list[tuple[bytes, str]]:
    bodies = []
    async with db.uow() as uow:
        for purchase_id in purchase_ids:
            purchase = await uow.session.get(Purchase, purchase_id)
            assert purchase is not None
            session = {
                "id": purchase.checkout_session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "amount_total": purchase.total_minor,
                "currency": "usd",
                "metadata": {"purchase_id": str(purchase.id)},
                "payment_intent": f"pi_bench_{purchase.id}",
            }
            bodies.append(_signed(_event("checkout.session.completed", session)))
    return bodies


async def _timed(
    handle: Callable[[bytes, str], Awaitable[Any]],
    bodies: list[tuple[bytes, str]],
    workers: int = 1,
) -> dict[str, float]:
    """Handle every body, ``workers`` at a time; the figures."""
    times: list[float] = []

    async def one(body: bytes, header: str) -> None:
        start = time.perf_counter()
        status, message = await handle(body, header)
        if status != 200:
            raise RuntimeError(f"webhook answered {status}: {message}")
        times.append(time.perf_counter() - start)

    began = time.perf_counter()
    for index in range(0, len(bodies), workers):
        await asyncio.gather(*(one(b, h) for b, h in bodies[index : index + workers]))
    return _figures(times, time.perf_counter() - began)


async def bench_database(
    url: str, n: int, fonts: ReceiptFonts, *, parallel: bool
) -> dict[str, Any]:
    """The webhook cases on one migrated, empty database."""
    db = Database(url)
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=url, stripe_webhook_secret=SECRET
        )
        billing = Billing(db, BenchGateway(), settings, ManualClock(START), fonts=fonts)
        results: dict[str, Any] = {}
        bodies = await _paid_bodies(db, await _seed(db, billing, n))
        statements = StatementCounter(db)
        results["paid"] = await _timed(billing.handle_webhook, bodies)
        statements.stop()
        results["paid"]["sql_per_event"] = statements.count / n
        results["duplicate"] = await _timed(billing.handle_webhook, bodies)
        unhandled = [_signed(_event("customer.created", {"id": f"cus_{i}"})) for i in range(n)]
        results["unhandled"] = await _timed(billing.handle_webhook, unhandled)
        if parallel:
            bodies = await _paid_bodies(db, await _seed(db, billing, n))
            results[f"paid x{WORKERS}"] = await _timed(billing.handle_webhook, bodies, WORKERS)
        return results
    finally:
        await db.dispose()


async def _postgres_scratch(admin_url: str) -> str | None:
    """A fresh database next to ``admin_url``'s, or None if PostgreSQL is not reachable."""
    name = f"pathwise_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception):  # unreachable, refused, no rights: skip PostgreSQL
        return None
    finally:
        await admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _drop(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _run(n: int, postgres_url: str | None) -> dict[str, dict[str, float]]:
    fonts = ReceiptFonts()
    results: dict[str, dict[str, float]] = {
        "construct_event (floor)": bench_construct_event(n * 10)
    }
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        await migrations.upgrade_async(url)
        for case, row in (await bench_database(url, n, fonts, parallel=False)).items():
            results[f"sqlite: {case}"] = row
    if postgres_url:
        scratch = await _postgres_scratch(postgres_url)
        if scratch is not None:
            try:
                await migrations.upgrade_async(scratch)
                for case, row in (await bench_database(scratch, n, fonts, parallel=True)).items():
                    results[f"postgresql: {case}"] = row
            finally:
                await _drop(postgres_url, scratch)
    return results


def run(n: int = 200, postgres_url: str | None = None) -> dict[str, dict[str, float]]:
    """Events per second, median and p95 milliseconds per case (``n`` events each)."""
    return asyncio.run(_run(n, postgres_url or bench.postgres_url()))


def main(argv: list[str]) -> None:
    """Print the table; the first argument is N (default 200)."""
    n = int(argv[0]) if argv else 200
    results = run(n)
    print(f"Stripe webhooks, {n} events per case (Stripe faked)")
    print(f"{'case':<32} {'events/s':>9} {'median ms':>10} {'p95 ms':>8}")
    for case, row in results.items():
        print(
            f"{case:<32} {row['per_second']:>9.0f} {row['median_ms']:>10.2f} {row['p95_ms']:>8.2f}"
        )
    if not any(case.startswith("postgresql") for case in results):
        print(f"(no PostgreSQL: set {bench.POSTGRES_URL_VAR} to include it)")


if __name__ == "__main__":
    main(sys.argv[1:])
