"""Contact details taken out of what a client chooses to share with their advisor.

Advisors and clients meet only through Pathwise (the money-back guarantee and the safety of
both depend on it), so a shared description loses its phone numbers (read by Google's
libphonenumber, in the client's country and as international numbers), e-mail addresses,
@handles and links before anyone else sees it. The client is shown the result first.
"""

from __future__ import annotations

import re

import phonenumbers

from core.safety.resources import country_of_zone
from core.texts import clients as t

# Regions whose local formats are tried besides the client's own (and the +-international
# form, which every region reads).
FALLBACK_REGIONS = ("US", "GB", "ES", "MX", "DE", "FR")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LINK = re.compile(
    r"(?:https?://|www\.)[^\s,;]+"  # a written-out link
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|me|app|ly|es|mx|co|uk|de|fr)(?:/[^\s,;]*)?\b",
    re.IGNORECASE,
)
HANDLE = re.compile(r"(?<![\w@])@\w{2,}")


def redact_contacts(text: str, timezone: str | None = None) -> str:
    """``text`` with every contact detail replaced by ``[removed]``."""
    removed = t.REMOVED()  # in the language of the moment
    for pattern in (EMAIL, LINK, HANDLE):
        text = pattern.sub(lambda _: removed, text)  # taken as it is, never as a template
    regions = [country_of_zone(timezone or ""), *FALLBACK_REGIONS]
    for region in dict.fromkeys(r for r in regions if r):
        spans = [
            (match.start, match.end)
            for match in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
        ]
        for start, end in reversed(spans):
            text = text[:start] + removed + text[end:]
    return text
