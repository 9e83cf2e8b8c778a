"""The words for what is on offer: the intake's topics and the kinds of session sold."""

from __future__ import annotations

from core.texts import Text

TOPIC_RELATIONSHIPS = Text("catalogue.topic_relationships", "relationships")
TOPIC_CAREER = Text("catalogue.topic_career", "career and work")
TOPIC_FAMILY = Text("catalogue.topic_family", "family")
TOPIC_GRIEF = Text("catalogue.topic_grief", "grief and loss")
TOPIC_STRESS = Text("catalogue.topic_stress", "stress and anxiety")
TOPIC_DIRECTION = Text("catalogue.topic_direction", "life direction")
TOPIC_OTHER = Text("catalogue.topic_other", "other")

LIVE_SESSION = Text("catalogue.live_session", "{minutes}-minute live session")
MESSAGING_PACKAGE = Text("catalogue.messaging_package", "{days}-day messaging package")
