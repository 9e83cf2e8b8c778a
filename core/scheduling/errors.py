"""The errors scheduling raises, each with a message fit for the person who asked."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import Conflict, NotAllowed, NotFound
from core.scheduling.rules import DEFAULT_RULES, MAX_LIVE_HOLDS
from core.scheduling.slots import Slot
from core.scheduling.times import shown_zone


class SlotUnavailable(Conflict):
    """The time asked for cannot be booked; carries the next free slots for buttons."""

    lead = "That time is no longer available."

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
            message = f"{self.lead} Here are the next free times: {times}."
        else:
            message = f"{self.lead} There are no other free times in the next {horizon_days} days."
        super().__init__(message)


class SlotTaken(SlotUnavailable):
    """Someone else claimed the time first."""

    lead = "That time was just taken."


class BookingNotFound(NotFound):
    """No such booking among the asker's (forged, mistyped, or someone else's id)."""

    user_message = (
        "We couldn't find that booking among yours. Please open your bookings and try again."
    )


class BookingClosed(Conflict):
    """The booking can no longer be changed (expired, cancelled, refunded, completed)."""


class TooLateToChange(NotAllowed):
    """Free rescheduling and cancellation have ended for this booking."""


class HoldLimitReached(Conflict):
    """The client already holds as many unpaid slots as allowed."""

    user_message = (
        f"You already have {MAX_LIVE_HOLDS} bookings waiting for payment. "
        "Pay for one or cancel it before choosing another time."
    )
