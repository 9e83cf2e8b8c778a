"""A bookable time, and slots grouped by local day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from core.scheduling.formatting import format_slot
from core.scheduling.times import slot_key, zone


@dataclass(frozen=True)
class Slot:
    """A bookable time of one advisor; ``starts_at`` and ``ends_at`` are UTC."""

    advisor_id: int
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self) -> int:
        """A short id for buttons (see :func:`slot_key`)."""
        return slot_key(self.starts_at)

    def label(self, tz: str, locale: str = "en_US") -> str:
        """The start as a client in ``tz`` reads it, e.g. "Tue 24 Nov, 18:00"."""
        return format_slot(self.starts_at, tz, locale)


def slots_by_day(slots: Iterable[Slot], tz: str) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by their local date in ``tz``, in order (one row of buttons per day)."""
    zone_info = zone(tz)
    days: dict[date, list[Slot]] = defaultdict(list)
    for slot in sorted(slots, key=lambda s: s.starts_at):
        days[slot.starts_at.astimezone(zone_info).date()].append(slot)
    return list(days.items())
