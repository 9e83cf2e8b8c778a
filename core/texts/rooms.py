"""What is said in a session's private room, by the bot and its buttons, and what a press
there is answered with; and the words of a transcript's PDF."""

from __future__ import annotations

from core.texts import Text

TITLE = Text("rooms.title", "{offer_name} with {advisor_name}")

# -- the welcome message ---------------------------------------------------------------------

WELCOME = Text("rooms.welcome", "Welcome to your private room: {title}")
WELCOME_LIVE_TIMES = Text("rooms.welcome_live_times", "{start} – {end}")
WELCOME_OPEN_UNTIL = Text("rooms.welcome_open_until", "Open until {end}")
GUIDELINES = Text("rooms.guidelines", "Guidelines")
GUIDELINE_PRIVATE = Text(
    "rooms.guideline_private",
    "Only the two of you and the Pathwise bot can see this room. Nobody else is added.",
)
GUIDELINE_NO_RECORD = Text(
    "rooms.guideline_no_record",
    "Pathwise keeps no record of what you write here. The client can ask for a PDF "
    "transcript once the session ends; it goes to them alone, in Telegram.",
)
GUIDELINE_NOT_ADVICE = Text(
    "rooms.guideline_not_advice",
    "Advisors offer perspective and support, not medical, legal or financial advice. If you "
    "are in danger, please contact your local emergency services.",
)
GUIDELINE_KIND = Text(
    "rooms.guideline_kind",
    "Be kind to each other. If anything goes wrong, press “Report a problem”.",
)
GUIDELINE_RETENTION = Text(
    "rooms.guideline_retention",
    "When the session ends the room becomes read-only; it is deleted {hours} hours later.",
)
JOINED = Text("rooms.joined", "{mention} has joined. Welcome!")

# -- the buttons -----------------------------------------------------------------------------

BUTTON_END = Text("rooms.button_end", "End session")
BUTTON_REPORT = Text("rooms.button_report", "Report a problem")
BUTTON_TRANSCRIPT = Text("rooms.button_transcript", "Send me a transcript")

ONLY_ADVISOR_ENDS = Text("rooms.only_advisor_ends", "Only the advisor can end the session early.")
ONLY_MEMBERS_REPORT = Text(
    "rooms.only_members_report", "Only the people in this session can report a problem here."
)
ONLY_CLIENT_TRANSCRIPT = Text(
    "rooms.only_client_transcript", "Only the client of this session can ask for its transcript."
)
NO_SUCH_SESSION = Text("rooms.no_such_session", "This session could not be found.")
ALREADY_ENDED = Text("rooms.already_ended", "This session has already ended.")
ENDING = Text("rooms.ending", "The session is ending: the room becomes read-only now. Thank you.")
PROBLEM_NOTED = Text(
    "rooms.problem_noted",
    "Thank you for telling us. The Pathwise team has been notified and will look into it "
    "soon; they may contact you here or in Telegram.",
)
ROOM_DELETED = Text(
    "rooms.room_deleted", "This room has been deleted, so there is nothing to copy."
)
TRANSCRIPT_ALREADY_SENT = Text(
    "rooms.transcript_already_sent", "Your transcript is already on its way to you in Telegram."
)
TRANSCRIPT_SENT = Text(
    "rooms.transcript_sent",
    "Your transcript is on its way to you in Telegram. Pathwise keeps no copy.",
)

# -- warnings and the end --------------------------------------------------------------------

WARNING_NEXT_STEP = Text(
    "rooms.warning_next_step",
    "{minutes} minutes left in this session. A good moment to agree on one next step.",
)
WARNING_WRAP_UP = Text(
    "rooms.warning_wrap_up", "{minutes} minutes left. Time to wrap up: thank you both."
)
CLOSING = Text(
    "rooms.closing",
    "The session has ended and this room is now read-only; it will be deleted in {hours} "
    "hours. Thank you both.\n"
    "{client_name}: back in your Telegram chat with Pathwise you can rate the session, leave "
    "a tip for {advisor_name}, and, if it didn't help, ask for your money back under our "
    "guarantee (within {guarantee_hours} hours). Would you like a copy of this conversation? "
    "Press “Send me a transcript” before the room is deleted: the PDF goes to you alone, in "
    "Telegram, and we keep no copy.",
)
NO_SHOW_CLOSING = Text(
    "rooms.no_show_closing",
    "{advisor_name} hasn't arrived, and we're sorry. This room is now closed. {client_name}, "
    "in your Telegram chat with Pathwise you can choose a full refund of the session price "
    "or a new time.",
)

# -- the transcript's PDF --------------------------------------------------------------------

TRANSCRIPT_HEADING = Text("rooms.transcript_heading", "Transcript: {title}")
TRANSCRIPT_SUBTITLE = Text(
    "rooms.transcript_subtitle", "Session of {starts} (your time). Made {made}."
)
TRANSCRIPT_ENTRY = Text("rooms.transcript_entry", "{author} · {when}")
# Mention codes of anyone or anything but the two people, written out in neutral words.
TRANSCRIPT_SOMEONE = Text("rooms.transcript_someone", "someone")
TRANSCRIPT_A_ROLE = Text("rooms.transcript_a_role", "a group")
TRANSCRIPT_THIS_ROOM = Text("rooms.transcript_this_room", "this room")
TRANSCRIPT_A_CHANNEL = Text("rooms.transcript_a_channel", "another channel")
TRANSCRIPT_A_TIME = Text("rooms.transcript_a_time", "a time")
TRANSCRIPT_BOT = Text("rooms.transcript_bot", "Pathwise")
TRANSCRIPT_EMPTY = Text("rooms.transcript_empty", "No messages were written in this room.")
TRANSCRIPT_ATTACHMENT = Text("rooms.transcript_attachment", "(an attachment)")
TRANSCRIPT_ATTACHED = Text("rooms.transcript_attached", "[attached: {names}]")
TRANSCRIPT_FILENAME = Text("rooms.transcript_filename", "Pathwise-transcript-{date}.pdf")
TRANSCRIPT_GONE = Text("rooms.transcript_gone", "This transcript is no longer available.")
