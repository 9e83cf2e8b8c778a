"""The errors scheduling raises, each with a message fit for the person who asked."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from core.errors import Conflict, NotAllowed, NotFound
from core.scheduling.rules import DEFAULT_RULES, MAX_LIVE_HOLDS
from core.scheduling.slots import Slot
from core.scheduling.times import shown_zone
from core.texts import Text
from core.texts import scheduling as t


class SlotUnavailable(Conflict):
    """The time asked for cannot be booked; carries the next free slots for buttons."""

    lead: Text = t.NO_LONGER_AVAILABLE

    def __init__(
        self,
        next_free: Sequence[Slot],
        tz: str = "UTC",
        locale: str = "en_US",
        horizon_days: int = DEFAULT_RULES.horizon_days,
    ) -> None:
        self.next_free = tuple(next_free)
        tz = shown_zone(tz)
        if self.next_free:
            times = "; ".join(slot.label(tz, locale) for slot in self.next_free)
            rest = t.NEXT_FREE(times=times)
        else:
            rest = t.NO_OTHER_FREE(horizon_days=horizon_days)
        super().__init__(f"{self.lead()} {rest}")


class SlotTaken(SlotUnavailable):
    """Someone else claimed the time first."""

    lead = t.JUST_TAKEN


class BookingNotFound(NotFound):
    """No such booking among the asker's (forged, mistyped, or someone else's id)."""

    user_message = t.BOOKING_NOT_FOUND


class BookingClosed(Conflict):
    """The booking can no longer be changed (expired, cancelled, refunded, completed)."""


class TooLateToChange(NotAllowed):
    """Free rescheduling and cancellation have ended for this booking."""


class HoldLimitReached(Conflict):
    """The client already holds as many unpaid slots as allowed."""

    user_message = partial(t.HOLD_LIMIT, limit=MAX_LIVE_HOLDS)


class ClientDoubleBooked(Conflict):
    """The client already has a session (booked or being paid for) at an overlapping time."""
