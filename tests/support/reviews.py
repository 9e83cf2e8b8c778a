"""An advisor's track record for the profile card's tests: past sessions in each state, and
clients' ratings and words given through the after-session rules (``core.dialogs.aftercare``),
so the advisor's counters move as they do in the product."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import Database
from core.dialogs import aftercare
from core.models import AdviceSession, Booking, BookingStatus, Client, Offer
from core.models.sessions import SessionKind, SessionState

# The booking a session in each state leaves behind.
_BOOKING_STATUS = {
    SessionState.ENDED: BookingStatus.COMPLETED,
    SessionState.SETTLED: BookingStatus.COMPLETED,
    SessionState.REFUNDED: BookingStatus.REFUNDED,
    SessionState.NO_SHOW: BookingStatus.CONFIRMED,
    SessionState.CANCELLED: BookingStatus.CANCELLED,
    SessionState.SCHEDULED: BookingStatus.CONFIRMED,
    SessionState.OPEN: BookingStatus.CONFIRMED,
}
# The states a room reaches once closed (the lifecycle stamps ``ended_at`` on the way).
_CLOSED = (SessionState.ENDED, SessionState.SETTLED, SessionState.REFUNDED, SessionState.NO_SHOW)


async def past_session(
    db: Database,
    advisor_id: int,
    now: datetime,
    *,
    state: SessionState = SessionState.SETTLED,
    client_name: str = "Zoë",
    advisor_name: str | None = None,
    ago: timedelta = timedelta(days=5),
) -> tuple[int, int]:
    """A 60-minute session with the advisor that started ``ago`` and is in ``state``, for a
    new client; (client id, booking id)."""
    starts = now - ago
    ends = starts + timedelta(minutes=60)
    async with db.uow() as uow:
        offer = await uow.session.scalar(
            select(Offer).where(Offer.advisor_id == advisor_id).order_by(Offer.id).limit(1)
        )
        assert offer is not None, "the advisor has no offer"
        client = Client(
            display_name=client_name,
            advisor_name=advisor_name,
            timezone="Europe/Madrid",
            created_at=starts - timedelta(days=1),
        )
        uow.session.add(client)
        await uow.session.flush()
        booking = Booking(
            client_id=client.id,
            advisor_id=advisor_id,
            offer_id=offer.id,
            status=_BOOKING_STATUS[state].value,
            starts_at=starts,
            ends_at=ends,
            price_minor=offer.price_minor,
            currency=offer.currency,
            created_at=starts - timedelta(days=1),
            updated_at=ends,
        )
        uow.session.add(booking)
        await uow.session.flush()
        uow.session.add(
            AdviceSession(
                booking_id=booking.id,
                client_id=client.id,
                advisor_id=advisor_id,
                kind=SessionKind.LIVE.value,
                state=state.value,
                starts_at=starts,
                ends_at=ends,
                channel_name=f"session-{booking.id}",
                ended_at=ends if state in _CLOSED else None,
                created_at=starts - timedelta(days=1),
                updated_at=ends,
            )
        )
        await uow.commit()
        return client.id, booking.id


async def review(
    db: Database,
    client_id: int,
    booking_id: int,
    now: datetime,
    rating: int,
    words: str | None = None,
) -> None:
    """The client rates the session (and writes ``words``) as the after-session flow lets them."""
    async with db.uow() as uow:
        await aftercare.rate_session(
            uow, client_id=client_id, booking_id=booking_id, rating=rating, now=now
        )
        if words is not None:
            await aftercare.add_review_text(
                uow, client_id=client_id, booking_id=booking_id, text=words
            )
        await uow.commit()


async def reviewed_session(
    db: Database,
    advisor_id: int,
    now: datetime,
    rating: int,
    words: str | None = None,
    *,
    client_name: str = "Zoë",
    advisor_name: str | None = None,
    ago: timedelta = timedelta(days=5),
) -> None:
    """A settled session with a new client, rated (with ``words``) an hour after it ended."""
    client_id, booking_id = await past_session(
        db, advisor_id, now, client_name=client_name, advisor_name=advisor_name, ago=ago
    )
    rated_at = now - ago + timedelta(hours=2)
    await review(db, client_id, booking_id, rated_at, rating, words)
