"""The scheduling rules in force and the calendar grid they work on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.config import Settings

# The calendar grid. 15 minutes because every time zone in use is offset from UTC by a multiple
# of 15 minutes (Kathmandu +5:45, Chatham +12:45), so local quarter hours fall on UTC cells.
GRID = timedelta(minutes=15)
# Offered start times step by this much from the start of each window of availability.
SLOT_STEP = timedelta(minutes=30)
# A client may hold at most this many unpaid slots at once, so nobody can block a calendar.
MAX_LIVE_HOLDS = 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MINUTES = 24 * 60
MAX_DB_ID = 2**31 - 1


def _setting_default(name: str) -> int:
    """The default of a Settings field, so each scheduling rule is written down only once."""
    value = Settings.model_fields[name].default
    assert isinstance(value, int)
    return value


@dataclass(frozen=True)
class SchedulingRules:
    """The scheduling rules in force; build with :meth:`from_settings` at start-up."""

    hold: timedelta = timedelta(minutes=_setting_default("slot_hold_minutes"))
    buffer: timedelta = timedelta(minutes=_setting_default("buffer_minutes"))
    free_change: timedelta = timedelta(hours=_setting_default("free_cancel_hours"))
    # The advisor needs a little warning before a session; nobody books months ahead.
    min_notice: timedelta = timedelta(hours=_setting_default("min_notice_hours"))
    horizon: timedelta = timedelta(days=_setting_default("booking_horizon_days"))

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingRules:
        """The rules as configured."""
        return cls(
            hold=timedelta(minutes=settings.slot_hold_minutes),
            buffer=timedelta(minutes=settings.buffer_minutes),
            free_change=timedelta(hours=settings.free_cancel_hours),
            min_notice=timedelta(hours=settings.min_notice_hours),
            horizon=timedelta(days=settings.booking_horizon_days),
        )

    @property
    def horizon_days(self) -> int:
        """How many days ahead times are offered, as people are told it."""
        return max(1, self.horizon.days)


DEFAULT_RULES = SchedulingRules()
