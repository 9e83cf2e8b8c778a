"""All tables. Each capability keeps its tables in its own module, imported here so that
``Base.metadata`` (and so Alembic) sees every one of them."""

from __future__ import annotations

from core.models.accounts import Advisor, CatalogueVersion, Client, Offer, PlatformIdentity
from core.models.base import Base, UTCDateTime
from core.models.billing import (
    AdvisorPayoutAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
    Receipt,
    ReceiptCounter,
    Refund,
    StripeEvent,
)
from core.models.bookings import Booking, BookingStatus
from core.models.calendar_feeds import CalendarFeed
from core.models.dialogs import Consent, Conversation
from core.models.feedback import MoodCheckin, Review
from core.models.outbox import OutboxMessage
from core.models.reconcile import ReconcileRun
from core.models.scheduling import AvailabilityException, AvailabilityRule, SlotClaim
from core.models.sessions import AdviceSession, LinkAttempt, LinkCode, TranscriptFile
from core.models.updates import ReceivedUpdate

__all__ = [
    "AdviceSession",
    "Advisor",
    "AdvisorPayoutAccount",
    "AvailabilityException",
    "AvailabilityRule",
    "Base",
    "Booking",
    "BookingStatus",
    "CalendarFeed",
    "CatalogueVersion",
    "Client",
    "Consent",
    "Conversation",
    "LedgerEntry",
    "LedgerTransaction",
    "LinkAttempt",
    "LinkCode",
    "MoodCheckin",
    "Offer",
    "OutboxMessage",
    "Payout",
    "PlatformIdentity",
    "Purchase",
    "Receipt",
    "ReceiptCounter",
    "ReceivedUpdate",
    "ReconcileRun",
    "Refund",
    "Review",
    "SlotClaim",
    "StripeEvent",
    "TranscriptFile",
    "UTCDateTime",
]
