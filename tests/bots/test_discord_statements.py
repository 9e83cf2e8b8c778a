"""/statements for advisors, through discord.py's CommandTree on FakeDiscord: every payout with
the statement it came with, page by page; `month:YYYY-MM` attaches that month's PDF statement
(parsed back with pypdf and checked against the ledger): a paid booking with the platform's
commission and a refunded one; bad, future and empty months answered in words; Spanish.
And /earnings' PNG chart of the last 12 weeks' net earnings, decoded back to its pixels."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core import scheduling
from core.clock import ManualClock
from core.db import Database
from core.earnings_chart import BAR_COLOUR, chart_png, weekly_net
from core.ledger import Account
from core.models import Advisor
from core.models.billing import LedgerEntry, LedgerTransaction, Payout, Purchase
from devtools.discord_recorder import EPHEMERAL, GUILD_ID
from tests.support import png
from tests.support.billing import onboard, pdf_text, window_closes
from tests.support.discord_bot import (
    ADMIN_ROLE,
    STRANGER,
    Env,
    booked,
    options,
    running_env,
)
from tests.support.discord_bot import slash as run_slash
from tests.support.sessions import ADVISOR_DISCORD, Paid, paid_booking, session_settings

COMMISSION = 20  # percent of the service price


@pytest.fixture
async def env(db: Database, database_url: str, clock: ManualClock) -> AsyncIterator[Env]:
    """The usual Discord bot, under settings that take a 20% commission."""
    settings = session_settings(
        database_url,
        discord_guild_id=GUILD_ID,
        discord_admin_role_id=ADMIN_ROLE,
        commission_percent=COMMISSION,
    )
    async with running_env(db, settings, clock) as found:
        yield found


async def slash(env: Env, **values: str | int) -> list[tuple[str, int]]:
    return await run_slash(env, "statements", ADVISOR_DISCORD, options(**values) or None)


def attached(env: Env) -> list[tuple[str, bytes]]:
    return [file for call in env.fake.replies for file in call.files]


async def paid_and_refunded(env: Env) -> tuple[Paid, int]:
    """Two $60 sessions with Ana paid on 23 Nov 2026; the second one cancelled in time and its
    service price refunded; the advisor onboarded and the first one paid out once its
    money-back window closed. The refunded booking's id."""
    first = await booked(env)
    second = await paid_booking(
        env.db,
        env.settings,
        env.clock,
        world=first.world,
        billing=first.billing,
        starts_in=timedelta(days=3),
    )
    async with env.db.uow() as uow:
        await scheduling.cancel_booking(
            uow, second.booking_id, client_id=first.world.client_id, now=env.clock.now()
        )
        await uow.commit()
    refund = await first.billing.refund_cancelled_booking(second.booking_id, first.world.client_id)
    assert refund.amount.amount == 6000
    await onboard(first.billing, first.billing.gateway, first.world.advisor_id)
    env.clock.set(await window_closes(env.db, first.booking_id))
    run = await first.billing.release_due_payouts()
    assert len(run.paid) == 1
    return first, second.booking_id


async def ledger_of(env: Env, booking_id: int) -> tuple[int, int]:
    """(commission, advisor's net) the ledger holds for a booking's purchases: credits less
    debits, read straight from the entries."""
    async with env.db.uow() as uow:
        rows = await uow.session.execute(
            select(LedgerEntry.account, LedgerEntry.amount_minor)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(Purchase, Purchase.id == LedgerTransaction.purchase_id)
            .where(Purchase.booking_id == booking_id)
        )
        sums = {Account.COMMISSION.value: 0, Account.ADVISOR_PAYABLE.value: 0}
        for account, amount in rows:
            if account in sums:
                sums[account] -= amount
    return sums[Account.COMMISSION.value], sums[Account.ADVISOR_PAYABLE.value]


def dollars(minor: int) -> str:
    return f"${minor // 100:,}.{minor % 100:02d}"


async def test_statements_lists_each_payout_with_its_statement(env: Env) -> None:
    await paid_and_refunded(env)

    [(answer, flags)] = await slash(env)

    assert flags == EPHEMERAL
    async with env.db.uow() as uow:
        [payout] = list(await uow.session.scalars(select(Payout)))
    assert (payout.gross_minor, payout.commission_minor, payout.net_minor) == (6000, 1200, 4800)
    assert answer.startswith("1 payout so far, $48.00 in all. Page 1 of 1, newest first:\n\n")
    assert payout.paid_at is not None
    day = payout.paid_at.astimezone(ZoneInfo("Europe/Madrid"))  # Ana's zone
    assert f"Payout statement — {day.day} {day:%b %Y}\n" in answer
    assert "  60-minute live session with Ana Ruiz" in answer
    assert "Gross: $60.00\nCommission: $12.00\nNet paid to you: $48.00\n" in answer
    assert f"Stripe transfer: {payout.stripe_transfer_id}" in answer
    assert answer.endswith("A month's PDF statement: /statements month:YYYY-MM.")
    assert attached(env) == []

    [(refused, _)] = await slash(env, page=2)
    assert refused == "There is no page 2: your payouts fit on 1 page."


async def test_statements_pages_through_many_payouts(env: Env) -> None:
    first = await booked(env)
    await onboard(first.billing, first.billing.gateway, first.world.advisor_id)
    for day in range(6):  # six more sessions, paid out one after another
        paid = await paid_booking(
            env.db,
            env.settings,
            env.clock,
            world=first.world,
            billing=first.billing,
            starts_in=timedelta(days=3 + day),
        )
    env.clock.set(await window_closes(env.db, paid.booking_id))
    assert len((await first.billing.release_due_payouts()).paid) == 7

    [(page_one, _)] = await slash(env)
    [(page_two, _)] = await slash(env, page=2)

    assert page_one.startswith("7 payouts so far, $336.00 in all. Page 1 of 2, newest first:")
    assert page_one.count("Payout statement —") == 5
    assert page_one.endswith(
        "Older payouts: /statements page:2. A month's PDF statement: /statements month:YYYY-MM."
    )
    assert page_two.count("Payout statement —") == 2
    assert len(page_one) < 2000  # one Discord message
    transfers = re.findall(r"Stripe transfer: (\S+)", page_one + page_two)
    assert len(set(transfers)) == 7


async def test_no_payouts_yet_says_so(env: Env) -> None:
    await booked(env)
    [(answer, _)] = await slash(env)
    assert answer.startswith("No payouts yet.")


async def test_a_month_gives_a_pdf_with_each_booking_and_the_totals_as_the_ledger_has_them(
    env: Env,
) -> None:
    first, refunded_id = await paid_and_refunded(env)
    paid_id = first.booking_id

    [(answer, flags)] = await slash(env, month="2026-11")

    assert flags == EPHEMERAL
    assert answer == (
        "Your statement for November 2026 is attached: 2 bookings, gross $120.00, refunded "
        "$60.00, commission $12.00, net $48.00."
    )
    [(filename, pdf)] = attached(env)
    assert filename == "pathwise-statement-2026-11.pdf"
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Pathwise" in text and "Statement November 2026" in text
    assert "Ana Ruiz" in text and "Bookings paid in November 2026" in text
    # Each booking's row, checked against what the ledger holds for it.
    for booking_id, gross, refunded in ((paid_id, 6000, 0), (refunded_id, 6000, 6000)):
        commission, net = await ledger_of(env, booking_id)
        assert gross - refunded - commission == net
        row = re.search(rf"#{booking_id} 60-minute live session.*?(?=#\d+ |Totals)", text, re.S)
        assert row is not None, text
        amounts = re.findall(r"\$[\d,]+\.\d\d", row.group(0))
        assert amounts[-4:] == [
            dollars(gross),
            dollars(refunded),
            dollars(commission),
            dollars(net),
        ]
        assert "23 Nov 2026" in row.group(0)
    assert await ledger_of(env, paid_id) == (1200, 4800)  # 20% of $60; the rest is Ana's
    assert await ledger_of(env, refunded_id) == (0, 0)  # refunded: nothing kept by anyone
    totals = text[text.index("Totals") :]
    assert re.findall(r"\$[\d,]+\.\d\d", totals)[:4] == ["$120.00", "$60.00", "$12.00", "$48.00"]
    assert "$3.49" not in text  # the handling fee is the platform's, not on the statement


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("13/2026", "Write the month as year and month number, like 2026-11."),
        ("abc", "Write the month as year and month number, like 2026-11."),
        ("2026-13", "Write the month as year and month number, like 2026-11."),
        (
            "2026-12",
            "December 2026 hasn't started yet, so it has no statement. Try this month or an "
            "earlier one.",
        ),
        (
            "2026-10",
            "Nothing to show for October 2026: no session of yours was paid for that month.",
        ),
    ],
)
async def test_a_bad_future_or_empty_month_is_answered_in_words(
    env: Env, typed: str, answer: str
) -> None:
    await booked(env)
    replies = await slash(env, month=typed)
    assert replies == [(answer, EPHEMERAL)]
    assert attached(env) == []


async def test_the_statement_is_in_the_advisors_language_and_locale(env: Env) -> None:
    first, _ = await paid_and_refunded(env)
    async with env.db.uow() as uow:
        await uow.session.execute(
            update(Advisor).where(Advisor.id == first.world.advisor_id).values(locale="es_ES")
        )
        await uow.commit()

    [(answer, _)] = await slash(env, month="2026-11")

    assert answer.startswith("Tu extracto de noviembre de 2026 está adjunto: 2 reservas")
    assert "neto 48,00\xa0US$" in answer
    [(filename, pdf)] = attached(env)
    text = pdf_text(pdf)
    assert "Extracto noviembre de 2026" in text
    assert "Reserva Pagada el Bruto Reembolsado Comisión Neto" in text
    assert "23 de nov de 2026" in text
    assert "120,00" in text and "48,00" in text and "Totales" in text
    assert filename == "pathwise-extracto-2026-11.pdf"
    [(listing, _)] = await slash(env)
    assert listing.startswith("1 pago hasta ahora")
    [(earnings, _)] = await run_slash(env, "earnings", ADVISOR_DISCORD)
    assert earnings.endswith(
        "El gráfico adjunto muestra tus ganancias netas de cada una de las últimas 12 semanas."
    )


async def test_statements_are_for_advisors_only(env: Env) -> None:
    await booked(env)
    [(refused, flags)] = await run_slash(env, "statements", STRANGER, options(month="2026-11"))
    assert refused.startswith("These commands are for Pathwise advisors.")
    assert flags == EPHEMERAL
    assert attached(env) == []


# -- /earnings' chart -------------------------------------------------------------------------


def bar_runs(image: png.Png) -> list[tuple[int, int]]:
    """The x ranges where a bar (the chart's bar colour) stands, left to right."""
    colour = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    columns = [
        any(image.rows[y][x][:3] == colour for y in range(image.height)) for x in range(image.width)
    ]
    runs, start = [], None
    for x, filled in enumerate([*columns, False]):
        if filled and start is None:
            start = x
        elif not filled and start is not None:
            runs.append((start, x))
            start = None
    return runs


async def test_earnings_attaches_a_chart_of_the_last_12_weeks_net(env: Env) -> None:
    first, _ = await paid_and_refunded(env)

    [(answer, flags)] = await run_slash(env, "earnings", ADVISOR_DISCORD)

    assert flags == EPHEMERAL
    assert answer.startswith("Held (money-back window of 72 hours still open): $0.00\n")
    assert answer.endswith(
        "\n\nThe chart attached shows your net earnings in each of the last 12 weeks."
    )
    [(filename, data)] = attached(env)
    assert filename == "pathwise-earnings-12-weeks.png"
    assert png.size(data) == (800, 400)
    image = png.decode(data)
    assert (image.width, image.height) == (800, 400)
    # Only this week earned anything: $48.00 from the paid booking; the refunded one's share
    # came and went in the same week. One bar, the rightmost of the twelve.
    [(left, right)] = bar_runs(image)
    assert right > image.width * 0.8 and right - left > 10

    async with env.db.uow() as uow:
        weekly = await weekly_net(uow, first.world.advisor_id, "USD", env.clock.now())
    assert weekly.net_minor == (0,) * 11 + (4800,)
    assert weekly.weeks[-1] == date(2026, 11, 23) and weekly.weeks[0] == date(2026, 9, 7)
    _, net = await ledger_of(env, first.booking_id)
    assert sum(weekly.net_minor) == net == 4800


async def test_a_chart_with_a_bar_per_week_that_earned(env: Env) -> None:
    first = await booked(env)
    env.clock.advance(timedelta(weeks=3))
    await paid_booking(
        env.db,
        env.settings,
        env.clock,
        world=first.world,
        billing=first.billing,
        starts_in=timedelta(days=2),
    )
    async with env.db.uow() as uow:
        weekly = await weekly_net(uow, first.world.advisor_id, "USD", env.clock.now())
    assert weekly.net_minor == (0,) * 8 + (4800, 0, 0, 4800)
    image = png.decode(await chart_png(weekly))
    assert len(bar_runs(image)) == 2
