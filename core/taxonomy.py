"""The fixed vocabularies the product speaks: intake topics and kinds of offer."""

from __future__ import annotations

from enum import StrEnum

from core.texts import catalogue as t


class Topic(StrEnum):
    """What a client can ask about (the intake's fixed list)."""

    RELATIONSHIPS = "relationships"
    CAREER = "career"
    FAMILY = "family"
    GRIEF = "grief"
    STRESS = "stress"
    DIRECTION = "direction"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The words a client sees."""
        return _TOPIC_LABELS[self]()


_TOPIC_LABELS = {
    Topic.RELATIONSHIPS: t.TOPIC_RELATIONSHIPS,
    Topic.CAREER: t.TOPIC_CAREER,
    Topic.FAMILY: t.TOPIC_FAMILY,
    Topic.GRIEF: t.TOPIC_GRIEF,
    Topic.STRESS: t.TOPIC_STRESS,
    Topic.DIRECTION: t.TOPIC_DIRECTION,
    Topic.OTHER: t.TOPIC_OTHER,
}


class OfferKind(StrEnum):
    """What an advisor sells: a live session of 30 or 60 minutes, or a messaging package."""

    LIVE30 = "live30"
    LIVE60 = "live60"
    MESSAGING = "messaging"

    @property
    def minutes(self) -> int | None:
        """Length of a live session; None for messaging packages."""
        return {OfferKind.LIVE30: 30, OfferKind.LIVE60: 60}.get(self)

    def describe(self, days: int | None = None) -> str:
        """Plain words for the offer, e.g. "60-minute live session"."""
        if self is OfferKind.MESSAGING:
            return t.MESSAGING_PACKAGE(days=days or 0)
        return t.LIVE_SESSION(minutes=self.minutes)
