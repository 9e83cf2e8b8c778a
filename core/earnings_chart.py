"""An advisor's net earnings over the last 12 weeks, and the PNG bar chart ``/earnings``
attaches (matplotlib, Agg backend: no display, one Figure per chart, so charts can be drawn
in worker threads at once).

A week's net is what the ledger credited to the advisor in it: their share of each payment
(service and tips, less the commission) less what refunds took back, on the day each was
booked; payouts move money already earned, so they are not counted. Weeks start on Monday in
the advisor's time zone; the last one is the current week.
"""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from babel.dates import format_date
from sqlalchemy import select

from core import i18n
from core.db import UnitOfWork
from core.errors import NotFound
from core.ledger import Account, TransactionKind
from core.models.accounts import Advisor
from core.models.billing import LedgerEntry, LedgerTransaction
from core.money import Money, minor_digits
from core.payments.times import zone
from core.texts import advisor_commands as t
from core.texts import advisors as ta

WEEKS: Final = 12
WIDTH_PX: Final = 800
HEIGHT_PX: Final = 400
_DPI: Final = 100
BAR_COLOUR: Final = "#2e7d6b"  # the bars; the test finds them by this colour
CHART_FILENAME: Final = "pathwise-earnings-12-weeks.png"


@dataclass(frozen=True, slots=True)
class WeeklyNet:
    """Net earnings per week, oldest first, in minor units of ``currency``."""

    weeks: tuple[date, ...]  # each week's Monday, in the advisor's zone
    net_minor: tuple[int, ...]
    currency: str
    locale: str


async def weekly_net(
    uow: UnitOfWork, advisor_id: int, currency: str, now: datetime, weeks: int = WEEKS
) -> WeeklyNet:
    """The advisor's net earnings in each of the last ``weeks`` weeks, from the ledger."""
    advisor = await uow.session.get(Advisor, advisor_id)
    if advisor is None:
        raise NotFound(ta.ADVISOR_NOT_FOUND())
    where = zone(advisor.timezone)
    today = now.astimezone(where).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = tuple(this_monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks))
    start = datetime.combine(mondays[0], datetime.min.time(), where)
    rows = await uow.session.execute(
        select(LedgerTransaction.created_at, LedgerEntry.amount_minor)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account == Account.ADVISOR_PAYABLE.value)
        .where(LedgerEntry.advisor_id == advisor_id)
        .where(LedgerEntry.currency == currency)
        .where(LedgerTransaction.kind != TransactionKind.PAYOUT.value)
        .where(LedgerTransaction.created_at >= start)
    )
    per_week: dict[date, int] = defaultdict(int)
    for created_at, amount in rows:
        day = created_at.astimezone(where).date()
        per_week[day - timedelta(days=day.weekday())] -= amount  # a credit is the advisor's
    return WeeklyNet(mondays, tuple(per_week[m] for m in mondays), currency, advisor.locale)


def render_chart(weekly: WeeklyNet) -> bytes:
    """The bar chart's PNG, ``WIDTH_PX`` × ``HEIGHT_PX``, words in the advisor's language."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    locale = weekly.locale
    with i18n.speaking(locale):
        title = t.CHART_TITLE(weeks=len(weekly.weeks), currency=weekly.currency)
        axis = t.CHART_WEEK_OF()
        pattern = t.CHART_DAY_FORMAT()
    labels = [str(format_date(m, pattern, locale=i18n.babel_locale(locale))) for m in weekly.weeks]
    figure = Figure(figsize=(WIDTH_PX / _DPI, HEIGHT_PX / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    digits = minor_digits(weekly.currency)
    values = [minor / 10**digits for minor in weekly.net_minor]
    axes.bar(range(len(values)), values, color=BAR_COLOUR, width=0.7)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(axis, fontsize=9)

    def money(value: float, _position: object) -> str:
        return Money(round(value * 10**digits), weekly.currency).format(locale)

    axes.yaxis.set_major_formatter(FuncFormatter(money))
    axes.tick_params(axis="y", labelsize=8)
    axes.set_ylim(bottom=min(0.0, *values) * 1.15, top=max(1.0, *values) * 1.15)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


async def chart_png(weekly: WeeklyNet) -> bytes:
    """The chart, drawn in a worker thread so the bot keeps answering meanwhile."""
    return await asyncio.to_thread(render_chart, weekly)
