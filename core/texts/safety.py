"""The crisis answer a client who may be at risk gets at once, and the team's alerts.

The client's answer is in every language of the catalogues (core/locale): :func:`in_language`
renders a message in the language chosen for the client. The alerts to the advisor and the
team are in the reader's own language. A phone line is put
together from pieces (the line, its text number, its hours), each named for what it is.
"""

from __future__ import annotations

from core import i18n
from core.texts import Text

# -- the client's answer ---------------------------------------------------------------------

OPENING = Text(
    "safety.opening",
    "Thank you for telling me. It sounds like you're going through something really painful, "
    "and you deserve support right now.",
)
NOT_EMERGENCY = Text(
    "safety.not_emergency",
    "Pathwise is not an emergency service and cannot send help. If you are in danger or might "
    "act on these thoughts, please call {emergency} now, or talk to someone at one of these "
    "lines:",
)
NOT_EMERGENCY_UNKNOWN = Text(
    "safety.not_emergency_unknown",
    "Pathwise is not an emergency service and cannot send help. If you are in danger or might "
    "act on these thoughts, please call your local emergency number now, or talk to someone "
    "at one of these lines:",
)
LINE = Text("safety.line", "• {name}: call {phone}")
LINE_SMS = Text("safety.line_sms", ", or text {sms}")
LINE_HOURS = Text("safety.line_hours", " ({hours})")
IN_COUNTRY = Text("safety.in_country", "In {country} (emergency {emergency}):")
DIRECTORY = Text(
    "safety.directory", "• Anywhere else: {name}, {url}, lists free lines in your country."
)
DIRECTORY_ONLY = Text(
    "safety.directory_only", "• {name}, {url}, lists free, confidential lines in your country."
)
TOLD = Text(
    "safety.told",
    "We have let your advisor and our team know, privately, that you may need extra care. "
    "They don't see what you wrote.",
)
CLOSING = Text(
    "safety.closing",
    "You don't have to go through this alone. Whenever you're ready, you can carry on here "
    "where you left off.",
)
CONTINUE = Text("safety.continue", "Continue where I was")
ROOM_CLOSING = Text("safety.room_closing", "Your session goes on here whenever you're ready.")

def in_language(message: Text, language: str, **params: object) -> str:
    """``message`` in ``language`` (a language of core.i18n's catalogues; English otherwise),
    whatever language the rest of the answer around it is in."""
    with i18n.speaking(language):
        return message(**params)


# -- the team's alerts -----------------------------------------------------------------------

IN_CHAT = Text("safety.in_chat", "the Pathwise chat")
IN_ROOM = Text("safety.in_room", "their session room")
THEIR_ADVISOR = Text("safety.their_advisor", "their advisor")
ADVISOR_HEADS_UP = Text(
    "safety.advisor_heads_up",
    "A private heads-up from Pathwise: {client_name} (booking {booking_id}) wrote something "
    "in {place} that suggests they may be going through a crisis. We have shown them crisis "
    "lines and told them Pathwise is not an emergency service. We don't share what they "
    "wrote. Please be gentle and attentive with them; if you think they are in immediate "
    "danger, tell the Pathwise team.",
)
ADMIN_ALERT = Text(
    "safety.admin_alert",
    "Crisis alert: {client_name}, booking {booking_id} with {advisor_name}, wrote something "
    "in {place} that suggests a risk to life. They were shown crisis lines; their advisor got "
    "a private heads-up. The text is not shared.",
)
