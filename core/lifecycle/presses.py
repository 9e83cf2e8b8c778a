"""What the room's buttons and messages ask of core: who may press what, ending early,
reporting a problem, and noting who wrote (for no-shows and waiting clients)."""

from __future__ import annotations

from sqlalchemy import select

from core import outbox
from core.accounts import Platform, find_advisor, find_client
from core.errors import Conflict, NotAllowed, NotFound
from core.lifecycle.closing import end
from core.lifecycle.context import Lifecycle, lock
from core.models.sessions import AdviceSession, SessionState
from core.outbox import Audience
from core.texts import Text
from core.texts import rooms as r
from core.texts import sessions as t


class RoomAction:
    """The buttons in a room, by what they do."""

    END = "end"
    REPORT = "report"
    TRANSCRIPT = "transcript"


_REFUSALS: dict[str, Text] = {
    RoomAction.END: r.ONLY_ADVISOR_ENDS,
    RoomAction.REPORT: r.ONLY_MEMBERS_REPORT,
    RoomAction.TRANSCRIPT: r.ONLY_CLIENT_TRANSCRIPT,
}


async def record_message(life: Lifecycle, channel_id: int, author_user_id: int) -> None:
    """Someone wrote in a room: notes the advisor's first word (no-show) and who is waiting
    for an answer (messaging reminders). Writes only when something changes."""
    now = life.clock.now()
    async with life.db.uow() as uow:
        s = await uow.session.scalar(
            select(AdviceSession).where(AdviceSession.channel_id == channel_id)
        )
        if s is None or s.state != SessionState.OPEN.value:
            return
        changed = False
        if author_user_id == s.advisor_user_id:
            if s.advisor_first_message_at is None:
                s.advisor_first_message_at = now
                changed = True
            if s.client_waiting_since is not None:
                s.client_waiting_since = None
                changed = True
        elif author_user_id == s.client_user_id and s.client_waiting_since is None:
            s.client_waiting_since = now
            changed = True
        if changed:
            s.updated_at = now
            await uow.commit()


async def check_press(life: Lifecycle, session_id: int, user_id: int, action: str) -> None:
    """NotAllowed (with words for the presser) unless ``user_id`` may press ``action``."""
    async with life.db.uow() as uow:
        s = await uow.session.get(AdviceSession, session_id)
        if s is None:
            raise NotFound(r.NO_SUCH_SESSION())
        advisor = s.advisor_user_id == user_id or (
            s.advisor_user_id is None
            and (a := await find_advisor(uow, Platform.DISCORD, user_id)) is not None
            and a.id == s.advisor_id
        )
        client = s.client_user_id == user_id or (
            (c := await find_client(uow, Platform.DISCORD, user_id)) is not None
            and c.id == s.client_id
        )
    allowed = {
        RoomAction.END: advisor,
        RoomAction.REPORT: advisor or client,
        RoomAction.TRANSCRIPT: client,
    }.get(action, False)
    if not allowed:
        refusal = _REFUSALS.get(action)
        raise NotAllowed(refusal() if refusal is not None else None)


async def end_now(life: Lifecycle, session_id: int, user_id: int) -> str:
    """The advisor pressed “End session”: end it at once. Returns words for them."""
    await check_press(life, session_id, user_id, RoomAction.END)
    now = life.clock.now()
    async with life.db.uow() as uow:
        s = await lock(uow, session_id)
        if s is None or s.state != SessionState.OPEN.value:
            raise Conflict(r.ALREADY_ENDED())
        s.end_requested_at = s.end_requested_at or now
        s.updated_at = now
        await uow.commit()
    # If another worker holds the session right now, the next tick ends it.
    await end(life, now, session_id)
    return r.ENDING()


async def report_problem(life: Lifecycle, session_id: int, user_id: int) -> str:
    """Either person pressed “Report a problem”: the Pathwise team is told."""
    await check_press(life, session_id, user_id, RoomAction.REPORT)
    now = life.clock.now()
    async with life.db.uow() as uow:
        s = await uow.session.get(AdviceSession, session_id)
        assert s is not None
        by = t.PROBLEM_BY_ADVISOR if user_id == s.advisor_user_id else t.PROBLEM_BY_CLIENT
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="problem_report",
            advisor_id=s.advisor_id,
            client_id=s.client_id,
            text=outbox.words(
                by, session_id=s.id, booking_id=s.booking_id, channel_id=s.channel_id, state=s.state
            ),
            language=life.settings.team_locale,
            data={"session_id": s.id, "channel_id": s.channel_id},
            # One report per person and minute: a double press is not two reports.
            dedupe_key=f"problem:{s.id}:{user_id}:{now:%Y%m%d%H%M}",
            now=now,
        )
        await uow.commit()
    return r.PROBLEM_NOTED()
