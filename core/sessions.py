"""Sessions' public face: the periodic tick, and what the room's buttons and messages ask of
core. The work itself is done in :mod:`core.lifecycle` (its docstring tells the states and
how two workers never act twice); the names callers need are re-exported here.

Platform actions go through the :class:`SessionRooms` port; ``bots/discord`` implements it.
Core never imports a chat library.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.lifecycle import opening, presses, transcripts
from core.lifecycle.aftercare import NUDGE_AFTER
from core.lifecycle.closing import NO_SHOW_AFTER
from core.lifecycle.context import LEASE, Lifecycle
from core.lifecycle.ports import OpenedRoom, PayoutReleaser, RoomGone, RoomRequest, SessionRooms
from core.lifecycle.presses import RoomAction
from core.lifecycle.tick import TickReport, run_tick
from core.lifecycle.transcripts import TranscriptLine, TranscriptSource, render_transcript
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.ports import StartAftercare
from core.receipts import ReceiptFonts

__all__ = [
    "LEASE",
    "NO_SHOW_AFTER",
    "NUDGE_AFTER",
    "AdviceSession",
    "OpenedRoom",
    "PayoutReleaser",
    "RoomAction",
    "RoomGone",
    "RoomRequest",
    "SessionKind",
    "SessionRooms",
    "SessionService",
    "SessionState",
    "TickReport",
    "TranscriptLine",
    "TranscriptSource",
    "render_transcript",
]


class SessionService:
    """Sessions' public face: the periodic tick, and what the room's buttons and messages ask
    of core."""

    def __init__(
        self,
        db: Database,
        rooms: SessionRooms,
        settings: Settings,
        clock: Clock,
        *,
        payouts: PayoutReleaser | None = None,
        fonts: ReceiptFonts | None = None,
        start_aftercare: StartAftercare | None = None,
    ) -> None:
        """``start_aftercare``: the dialogs' after-session flow (the composition root passes
        it); without it the client gets the plain words only."""
        self.life = Lifecycle(
            db=db,
            rooms=rooms,
            settings=settings,
            clock=clock,
            fonts=fonts,
            start_aftercare=start_aftercare,
        )
        self.payouts = payouts

    @property
    def link_ttl(self) -> timedelta:
        return self.life.link_ttl

    @property
    def retention(self) -> timedelta:
        return self.life.retention

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Do everything due at ``now`` (the clock's time by default). Idempotent: calling it
        again at once, or from another worker at the same time, does nothing twice."""
        return await run_tick(self.life, self.payouts, now or self.life.clock.now())

    async def admit_client(self, client_id: int) -> list[int]:
        """Right after ``/link``: the client's open rooms let them in (ids of those sessions)."""
        return await opening.admit(self.life, self.life.clock.now(), client_id)

    async def record_message(self, channel_id: int, author_user_id: int) -> None:
        """Someone wrote in a room: notes the advisor's first word (no-show) and who is waiting
        for an answer (messaging reminders)."""
        await presses.record_message(self.life, channel_id, author_user_id)

    async def check_press(self, session_id: int, user_id: int, action: str) -> None:
        """NotAllowed (with words for the presser) unless ``user_id`` may press ``action``."""
        await presses.check_press(self.life, session_id, user_id, action)

    async def end_now(self, session_id: int, user_id: int) -> str:
        """The advisor pressed “End session”: end it at once. Returns words for them."""
        return await presses.end_now(self.life, session_id, user_id)

    async def report_problem(self, session_id: int, user_id: int) -> str:
        """Either person pressed “Report a problem”: the Pathwise team is told."""
        return await presses.report_problem(self.life, session_id, user_id)

    async def transcript_source(self, session_id: int, user_id: int) -> TranscriptSource:
        """Where the adapter reads the conversation from, if the client may have it now."""
        return await transcripts.transcript_source(self.life, session_id, user_id)

    async def send_transcript(
        self, source: TranscriptSource, lines: Sequence[TranscriptLine]
    ) -> str:
        """Render the PDF and queue it for the client; stored only until delivered."""
        return await transcripts.send_transcript(self.life, source, lines)
