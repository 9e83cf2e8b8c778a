"""What goes when its time is over: rooms after retention, transcripts once delivered, old
link data; and ended sessions settled (or marked refunded) after the money-back window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_

from core import linking
from core.db import UnitOfWork
from core.lifecycle.context import Lifecycle, in_one_transaction, with_platform
from core.lifecycle.people import People
from core.lifecycle.ports import RoomGone
from core.lifecycle.transcripts import transcript_key_expr
from core.models import Booking, BookingStatus, OutboxMessage
from core.models.outbox import OutboxStatus
from core.models.sessions import AdviceSession, SessionState, TranscriptFile

TRANSCRIPT_KEEP_AT_MOST = timedelta(hours=24)  # even if it can never be delivered


async def delete_rooms(life: Lifecycle, now: datetime) -> list[int]:
    """Retention over: the room and everything said in it go."""

    async def act(s: AdviceSession, people: People) -> None:
        if s.channel_id is not None:
            try:
                await life.rooms.delete(s.channel_id)
            except RoomGone:
                pass

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, _: None) -> None:
        s.deleted_at = s.deleted_at or now

    return await with_platform(
        life,
        "delete",
        now,
        [
            AdviceSession.channel_id.is_not(None),
            AdviceSession.deleted_at.is_(None),
            AdviceSession.delete_after <= now,
        ],
        act,
        record,
    )


async def settle(life: Lifecycle, now: datetime, refunded: list[int]) -> list[int]:
    """Ended sessions: refunded as soon as the booking is (their ids go to ``refunded``);
    settled when the money-back window has passed without one."""
    window = timedelta(hours=life.settings.guarantee_window_hours)
    booking_refunded = AdviceSession.booking.has(Booking.status == BookingStatus.REFUNDED.value)

    async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
        booking = await uow.session.get(Booking, s.booking_id, populate_existing=True)
        if booking is not None and booking.status == BookingStatus.REFUNDED.value:
            s.state = SessionState.REFUNDED.value
            s.updated_at = now
            refunded.append(s.id)
            return False
        s.state = SessionState.SETTLED.value
        s.settled_at = now
        return True

    return await in_one_transaction(
        life,
        now,
        [
            AdviceSession.state == SessionState.ENDED.value,
            or_(booking_refunded, AdviceSession.ends_at <= now - window),
        ],
        apply,
    )


async def forget(life: Lifecycle, now: datetime) -> list[int]:
    """Transcripts are deleted once delivered (or given up on); old link data goes too."""
    async with life.db.uow() as uow:
        delivering = exists().where(
            OutboxMessage.dedupe_key == transcript_key_expr(),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        result = await uow.session.execute(
            delete(TranscriptFile)
            .where(or_(~delivering, TranscriptFile.created_at <= now - TRANSCRIPT_KEEP_AT_MOST))
            .returning(TranscriptFile.id)
        )
        gone = list(result.scalars())
        await linking.prune_link_data(uow, now)
        await uow.commit()
    return gone
