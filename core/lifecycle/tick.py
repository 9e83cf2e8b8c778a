"""The tick: every step of the lifecycle, in order, each retried on the next tick if it fails."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import privacy
from core.documents import render_missing_receipts
from core.lifecycle import aftercare, bookings, closing, opening, reminders, retention
from core.lifecycle.context import Lifecycle
from core.lifecycle.ports import PayoutReleaser

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], Awaitable[list[int]]], list[int]]


@dataclass
class TickReport:
    """Session ids acted on by one tick, per kind of work."""

    adopted: list[int] = field(default_factory=list)
    times_followed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    join_sent: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    admitted: list[int] = field(default_factory=list)
    no_shows: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    aftercare: list[int] = field(default_factory=list)
    nudged: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)
    receipts_rendered: list[int] = field(default_factory=list)  # receipt ids, not sessions
    payouts: object | None = None
    failed_steps: list[str] = field(default_factory=list)


def _steps(life: Lifecycle, now: datetime, report: TickReport) -> list[Step]:
    """(name, step, where its ids go), in the order they run."""
    keep_conversations = timedelta(hours=life.settings.conversation_retention_hours)
    return [
        ("follow bookings", lambda: bookings.follow_bookings(life, now), report.times_followed),
        ("cancel", lambda: bookings.cancel(life, now), report.cancelled),
        ("adopt", lambda: bookings.adopt(life, now), report.adopted),
        ("join", lambda: reminders.send_join(life, now), report.join_sent),
        ("remind day", lambda: reminders.remind(life, now, reminders.REMIND_DAY), report.reminded),
        (
            "remind soon",
            lambda: reminders.remind(life, now, reminders.REMIND_SOON),
            report.reminded,
        ),
        ("open", lambda: opening.open_rooms(life, now), report.opened),
        ("admit", lambda: opening.admit(life, now), report.admitted),
        ("prune", lambda: opening.prune(life, now), []),
        ("no-show", lambda: closing.no_show(life, now), report.no_shows),
        ("warn", lambda: closing.warn(life, now), report.warned),
        ("end", lambda: closing.end(life, now), report.ended),
        ("aftercare", lambda: aftercare.aftercare(life, now), report.aftercare),
        ("nudge", lambda: aftercare.nudge(life, now), report.nudged),
        ("delete", lambda: retention.delete_rooms(life, now), report.deleted),
        ("settle", lambda: retention.settle(life, now, report.refunded), report.settled),
        ("forget", lambda: retention.forget(life, now), []),
        (
            "expire conversations",
            lambda: privacy.expire_conversations(life.db, now, keep_conversations),
            [],
        ),
        # A receipt numbered by a process that stopped before rendering its PDF.
        (
            "receipts",
            lambda: render_missing_receipts(life.db, life.fonts),
            report.receipts_rendered,
        ),
    ]


async def run_tick(life: Lifecycle, payouts: PayoutReleaser | None, now: datetime) -> TickReport:
    """Do everything due at ``now``. Idempotent: running it again at once, or from another
    worker at the same time, does nothing twice."""
    report = TickReport()
    for name, step, into in _steps(life, now, report):
        try:
            into.extend(await step())
        except Exception:
            # One failing step must not hold up the others; it is retried next tick.
            log.exception("session tick: step %r failed", name)
            report.failed_steps.append(name)
    if payouts is not None:
        try:
            report.payouts = await payouts.release_due_payouts()
        except Exception:
            log.exception("session tick: payout release failed")
            report.failed_steps.append("payouts")
    return report
