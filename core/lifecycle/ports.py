"""What the lifecycle asks of the chat platform (private rooms and invites) and of billing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["OpenedRoom", "PayoutReleaser", "RoomGone", "RoomRequest", "SessionRooms"]


@dataclass(frozen=True, slots=True)
class RoomRequest:
    """What a new room needs: who is let in, and what its welcome message says."""

    session_id: int
    name: str  # opaque, e.g. "session-7f3k"; a room with this name already open is reused
    client_user_id: int | None  # None until the client links Discord (admitted later)
    advisor_user_id: int | None
    live: bool
    title: str  # "60-minute live session with Ana Ruiz"
    starts_at: datetime
    ends_at: datetime
    guidelines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenedRoom:
    channel_id: int
    url: str  # a link that opens the room for its members


class RoomGone(Exception):
    """The room no longer exists on the platform (deleted by hand): nothing left to do there."""


class SessionRooms(Protocol):
    """The chat platform's side of a session: private rooms and invites."""

    async def open(self, request: RoomRequest) -> OpenedRoom:
        """Create the private room (or find the one made under ``request.name``) and post the
        welcome message with its buttons."""
        ...

    async def admit(self, channel_id: int, user_id: int) -> None:
        """Let a person who linked their account late into an open room."""
        ...

    async def remove(self, channel_id: int, user_id: int) -> None:
        """Take a person out of a room (their data was erased): their overwrite goes."""
        ...

    async def keep_only(self, channel_id: int, user_ids: Sequence[int]) -> None:
        """Take every person but ``user_ids`` (and the bot) out of a room: for a client who
        erased their data from a process that could not reach the room, whose id is gone."""
        ...

    async def post(self, channel_id: int, text: str) -> None:
        """Post a message from the bot in the room."""
        ...

    async def lock(
        self,
        channel_id: int,
        *,
        session_id: int,
        member_ids: Sequence[int],
        closing_text: str,
        offer_transcript: bool,
    ) -> None:
        """Make the room read-only for its members, then post the closing message (with a
        "Send me a transcript" button for the client when ``offer_transcript``)."""
        ...

    async def delete(self, channel_id: int) -> None:
        """Delete the room and everything in it."""
        ...

    async def create_invite(self, max_age: timedelta) -> str:
        """A single-use invite URL to the server, valid for ``max_age``."""
        ...


class PayoutReleaser(Protocol):
    """Billing's payout release, which the tick runs (``core.billing.Billing`` is one)."""

    async def release_due_payouts(self) -> object: ...
