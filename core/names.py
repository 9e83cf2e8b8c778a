"""The names a client goes by: the one advisors know them by (their first name, or a
pseudonym the client chose) and the one their receipts carry (confirmed before paying).

A pseudonym is two plain words ("Quiet Harbor"), the same for a client every time it is
offered (derived from the client's id), so what they chose before paying is what their advisor
keeps seeing. Advisors never see a client's platform name unless the client picked it.
"""

from __future__ import annotations

import hashlib

from core.models import Client
from core.texts import clients as t

ADJECTIVES = (
    "Quiet", "Bright", "Gentle", "Steady", "Brave", "Calm", "Kind", "Clear", "Warm", "Bold",
    "Patient", "Hopeful", "Honest", "Curious", "Golden", "Silver", "Early", "Open", "Swift",
    "Rising", "Northern", "Southern", "Green", "Blue",
)
NOUNS = (
    "Harbor", "River", "Meadow", "Willow", "Lantern", "Sparrow", "Compass", "Maple", "Summit",
    "Garden", "Harvest", "Beacon", "Orchard", "Pebble", "Heron", "Cedar", "Horizon", "Valley",
    "Juniper", "Falcon", "Brook", "Aspen", "Comet", "Island",
)


def pseudonym_for(client_id: int) -> str:
    """The client's pseudonym: stable, and not guessable from anything but the id."""
    digest = hashlib.blake2b(f"pathwise-client-{client_id}".encode(), digest_size=4).digest()
    number = int.from_bytes(digest, "big")
    return f"{ADJECTIVES[number % len(ADJECTIVES)]} {NOUNS[number // len(ADJECTIVES) % len(NOUNS)]}"


def receipt_name(client: Client) -> str:
    """The buyer's name on receipts and credit notes: the one the client confirmed or typed
    before paying, else their first name."""
    return client.billing_name or client.display_name or t.NAMELESS()


def advisor_facing_name(client: Client) -> str:
    """The name every advisor-facing text uses: the one the client chose before paying, else
    (before any choice) their first name, as the summary tells them before they pay."""
    return client.advisor_name or client.display_name or t.NAMELESS()
