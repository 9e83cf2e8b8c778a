"""Contact details come out of what a client shares with their advisor (issue #14)."""

from __future__ import annotations

import pytest

from core.redact import redact_contacts
from core.texts import clients as redact_texts

# What a client wrote: the time zone they gave (which country's phone numbers to expect),
# and what must be gone from it.
CONTACTS = {
    "call me on +1 202 555 0143": ("America/New_York", "202 555 0143"),
    "or (202) 555-0143 after six": ("America/New_York", "555-0143"),
    "mi móvil es 612 34 56 78": ("Europe/Madrid", "612 34 56 78"),
    "mi móvil es +34 612345678": (None, "612345678"),
    "ring 07700 900123 any time": ("Europe/London", "07700 900123"),
    "whatsapp +44 7911 123456": (None, "7911 123456"),
    "mi cel +52 55 1234 5678": ("America/Mexico_City", "1234 5678"),
    "mail zoe.r+help@example.com please": (None, "zoe.r+help@example.com"),
    "find me @zoe_r on instagram": (None, "@zoe_r"),
    "my blog https://zoe.example.org/about": (None, "zoe.example.org"),
    "see www.zoe-writes.net, thanks": (None, "zoe-writes.net"),
    "instagram.com/zoe.r has my story": (None, "instagram.com"),
}


@pytest.mark.parametrize(
    ("text", "zone", "gone"), [(text, zone, gone) for text, (zone, gone) in CONTACTS.items()]
)
def test_contact_details_are_removed(text: str, zone: str | None, gone: str) -> None:
    shared = redact_contacts(text, zone)
    assert gone not in shared
    assert redact_texts.REMOVED() in shared


@pytest.mark.parametrize(
    "text",
    [
        "I am 34 and have 2 kids since 2019, we fight 3 times a week",
        "My dad died on 12/03/2024 and I earn 45000 a year",
        "Burnout at work after 10 years; I sleep 5 hours.",
        "Email is how my boss talks to me at 7 am.",
    ],
)
def test_the_rest_of_what_they_wrote_stays_word_for_word(text: str) -> None:
    assert redact_contacts(text, "Europe/Madrid") == text
