"""The client's copy of their data (``/mydata``): everything Pathwise keeps about them, as one
JSON document. ``core.privacy.Privacy.export`` checks who asks and calls it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import UnitOfWork
from core.models import (
    Booking,
    Client,
    Consent,
    Conversation,
    MoodCheckin,
    PlatformIdentity,
    Purchase,
    Receipt,
    Review,
)
from core.models.billing import PurchaseKind


async def export_document(uow: UnitOfWork, client: Client, locale: str, now: datetime) -> bytes:
    """The JSON export of ``client``, amounts written for ``locale``."""
    document: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "profile": await _profile(uow, client),
        "consents": await _consents(uow, client.id),
        "bookings": await _bookings(uow, client.id, locale),
        **await _money(uow, client.id, locale),
        "check_ins": await _check_ins(uow, client.id),
        "reviews": await _reviews(uow, client.id),
        "conversation": await _conversation(uow, client.id),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


async def _profile(uow: UnitOfWork, client: Client) -> dict[str, Any]:
    identities = await uow.session.scalars(
        select(PlatformIdentity).where(PlatformIdentity.client_id == client.id)
    )
    return {
        "name": client.display_name,
        "name_advisors_see": client.advisor_name,
        "name_on_receipts": client.billing_name,
        "time_zone": client.timezone,
        "locale": client.locale,
        "created_at": client.created_at.isoformat(),
        "accounts": [
            {"platform": i.platform, "user_id": str(i.platform_user_id)} for i in identities
        ],
    }


async def _consents(uow: UnitOfWork, client_id: int) -> list[dict[str, Any]]:
    consents = await uow.session.scalars(
        select(Consent).where(Consent.client_id == client_id).order_by(Consent.id)
    )
    return [
        {"terms_version": c.terms_version, "accepted_at": c.accepted_at.isoformat()}
        for c in consents
    ]


async def _bookings(uow: UnitOfWork, client_id: int, locale: str) -> list[dict[str, Any]]:
    bookings = await uow.session.scalars(
        select(Booking)
        .where(Booking.client_id == client_id)
        .options(selectinload(Booking.advisor), selectinload(Booking.offer))
        .order_by(Booking.id)
    )
    return [
        {
            "id": b.id,
            "what": b.offer.name,
            "advisor": b.advisor.display_name,
            "status": b.status,
            "starts_at": b.starts_at.isoformat() if b.starts_at else None,
            "price": b.price.format(locale),
            "shared_with_advisor": b.client_note,
        }
        for b in bookings
    ]


async def _money(uow: UnitOfWork, client_id: int, locale: str) -> dict[str, Any]:
    """The client's purchases (bookings and tips) and every receipt issued for them."""
    purchases = list(
        await uow.session.scalars(
            select(Purchase).where(Purchase.client_id == client_id).order_by(Purchase.id)
        )
    )
    receipts = await uow.session.scalars(
        select(Receipt)
        .where(Receipt.purchase_id.in_([p.id for p in purchases]))
        .order_by(Receipt.id)
    )
    return {
        "purchases": [
            {
                "id": p.id,
                "kind": p.kind,
                "description": p.description,
                "status": p.status,
                "total": p.total.format(locale),
                "paid_at": p.paid_at.isoformat() if p.paid_at else None,
            }
            for p in purchases
            if p.kind in (PurchaseKind.BOOKING.value, PurchaseKind.TIP.value)
        ],
        "receipts": [
            {"number": r.number, "kind": r.kind, "issued_at": r.issued_at.isoformat()}
            for r in receipts
        ],
    }


async def _check_ins(uow: UnitOfWork, client_id: int) -> list[dict[str, Any]]:
    moods = await uow.session.scalars(
        select(MoodCheckin)
        .where(MoodCheckin.client_id == client_id)
        .order_by(MoodCheckin.created_at)
    )
    return [{"mood": m.score, "at": m.created_at.isoformat()} for m in moods]


async def _reviews(uow: UnitOfWork, client_id: int) -> list[dict[str, Any]]:
    reviews = await uow.session.scalars(
        select(Review).where(Review.client_id == client_id).order_by(Review.id)
    )
    return [{"booking_id": r.booking_id, "rating": r.rating, "text": r.text} for r in reviews]


async def _conversation(uow: UnitOfWork, client_id: int) -> dict[str, Any] | None:
    conversation = await uow.session.get(Conversation, client_id)
    if conversation is None:
        return None
    return {"step": conversation.step, "data": conversation.data}
