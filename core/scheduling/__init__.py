"""Advisor availability, time zones and slot holds; a slot can never be sold twice.

Times are UTC-aware everywhere here; the advisor's weekly hours are wall-clock times in the
advisor's zone, turned into instants per local date (so DST changes are honoured), and shown
to a client in the client's zone. "Now" is always a parameter.

Double booking is prevented by the database: every booking claims each 15-minute cell of the
calendar its session and buffer cover, one ``slot_claims`` row per cell, unique per advisor.
Two bookings that overlap at all share a cell, so the second insert fails whichever worker
makes it, on SQLite and PostgreSQL alike.

The modules, bottom up: ``rules`` (settings and the grid), ``times`` (zones, cells, button
keys), ``formatting``, ``slots``, ``errors``, ``lookups``, ``weekly`` (an advisor's hours),
``calendar`` and ``availability`` (free slots), ``claims``, ``holds``, ``packages``,
``instant`` (online now), ``timeoff`` (an advisor's days off) and ``changes`` (the client
reschedules or cancels). Callers import from this package, not from the modules.
"""

from core.scheduling.availability import available_slots, next_free_slots
from core.scheduling.calendar import Span
from core.scheduling.changes import (
    advisor_missed,
    can_change_free,
    cancel_booking,
    client_bookings,
    may_reschedule,
    reschedule_booking,
    reschedule_times,
)
from core.scheduling.errors import (
    BookingClosed,
    BookingNotFound,
    ClientDoubleBooked,
    HoldLimitReached,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
)
from core.scheduling.formatting import (
    format_clock,
    format_day,
    format_slot,
    local_day,
)
from core.scheduling.holds import (
    confirm_booking,
    expire_holds,
    extend_hold,
    hold_is_live,
    hold_slot,
    release_hold,
)
from core.scheduling.instant import available_now, hold_instant, set_online
from core.scheduling.packages import hold_package
from core.scheduling.rules import (
    DEFAULT_RULES,
    GRID,
    MAX_LIVE_HOLDS,
    SLOT_STEP,
    WEEKDAYS,
    SchedulingRules,
)
from core.scheduling.slots import Slot, slots_by_day
from core.scheduling.timeoff import (
    InTheWay,
    RemovedTimeOff,
    TimeOffEntry,
    TimeOffOutcome,
    parse_date,
    remove_time_off,
    take_time_off,
    upcoming_time_off,
)
from core.scheduling.times import slot_from_key, slot_key, zone
from core.scheduling.weekly import (
    add_extra_hours,
    add_time_off,
    clear_exceptions,
    parse_hours,
    parse_weekly,
    set_weekly_availability,
    weekly_availability,
)

__all__ = [
    "DEFAULT_RULES",
    "GRID",
    "MAX_LIVE_HOLDS",
    "SLOT_STEP",
    "WEEKDAYS",
    "BookingClosed",
    "BookingNotFound",
    "ClientDoubleBooked",
    "HoldLimitReached",
    "InTheWay",
    "RemovedTimeOff",
    "SchedulingRules",
    "Slot",
    "SlotTaken",
    "SlotUnavailable",
    "Span",
    "TimeOffEntry",
    "TimeOffOutcome",
    "TooLateToChange",
    "add_extra_hours",
    "add_time_off",
    "advisor_missed",
    "available_now",
    "available_slots",
    "can_change_free",
    "cancel_booking",
    "clear_exceptions",
    "client_bookings",
    "confirm_booking",
    "expire_holds",
    "extend_hold",
    "format_clock",
    "format_day",
    "format_slot",
    "hold_instant",
    "hold_is_live",
    "hold_package",
    "hold_slot",
    "local_day",
    "may_reschedule",
    "next_free_slots",
    "parse_date",
    "parse_hours",
    "parse_weekly",
    "release_hold",
    "remove_time_off",
    "reschedule_booking",
    "reschedule_times",
    "set_online",
    "set_weekly_availability",
    "slot_from_key",
    "slot_key",
    "slots_by_day",
    "take_time_off",
    "upcoming_time_off",
    "weekly_availability",
    "zone",
]
