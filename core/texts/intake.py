"""The intake: what it is about, the client's own words, language, kind, budget, when, and
the matches it leads to."""

from __future__ import annotations

from core.texts import Text

SOON = Text("intake.soon", "As soon as possible")
EVENINGS = Text("intake.evenings", "Evenings")
WEEKENDS = Text("intake.weekends", "Weekends")
ANY_TIME = Text("intake.any_time", "Any time")

TOPIC_CHOSEN = Text("intake.topic_chosen", "✓ {topic}")
DONE = Text("intake.done", "Done")
TOPICS = Text("intake.topics", "What is on your mind? Choose one or more, then tap Done.")
TOPIC_FIRST = Text("intake.topic_first", "Please choose at least one topic first.")
TOPICS_HINT = Text("intake.topics_hint", "Please tap one or more topics, then Done.")

DESCRIPTION = Text(
    "intake.description",
    "In a few sentences, what would you like help with? Only your advisor match uses this.",
)
DESCRIPTION_HINT = Text(
    "intake.description_hint", "Please type a few sentences about your situation."
)
DESCRIPTION_SHORT = Text(
    "intake.description_short",
    "Could you say a little more? A sentence or two helps us find the right advisor.",
)
DESCRIPTION_LONG = Text(
    "intake.description_long",
    "That is a lot to take in at once. Please keep it under {limit} characters; "
    "you can tell your advisor the rest.",
)

KEPT_PRIVATE = Text(
    "intake.kept_private", "Okay: what you wrote stays private, forgotten after matching."
)
SHARED = Text("intake.shared", "Thank you: your advisor will get this when you have paid.")
SHARE_PREVIEW = Text(
    "intake.share_preview",
    "This is what your advisor would read, with contact details taken out "
    "(phone numbers, e-mail, @handles and links):\n\n"
    "“{shared}”\n\n"
    "It is kept only for them, and deleted with your data. Share it?",
)
SHARE_YES = Text("intake.share_yes", "Share this with my advisor")
SHARE_NO = Text("intake.share_no", "Keep it private")
STOP_SHARING = Text("intake.stop_sharing", "Stop sharing what I wrote")
SHARE_ASK = Text("intake.share_ask", "Share what I wrote with my advisor (off)")

LANGUAGE = Text("intake.language", "Which language would you like to talk in?")
LANGUAGE_HINT = Text("intake.language_hint", "Please tap one of the languages below.")

KIND = Text("intake.kind", "What kind of session would you like?")
LIVE30 = Text("intake.live30", "Live, 30 minutes")
LIVE60 = Text("intake.live60", "Live, 60 minutes")
MESSAGING = Text("intake.messaging", "Messaging over several days")

BUDGET = Text(
    "intake.budget",
    "What is the most you'd like to spend on the session itself? "
    "Send a number, like 40 for {example}. "
    "The {fee} handling fee comes on top.",
)
NO_LIMIT = Text("intake.no_limit", "No limit")
BUDGET_HINT = Text("intake.budget_hint", "Please send a number, like 40.")
BUDGET_NEGATIVE = Text(
    "intake.budget_negative",
    "A budget can't be below zero. Please send the most you'd spend, like 40, or tap No limit.",
)
BUDGET_DECIMALS = Text(
    "intake.budget_decimals",
    "Please send whole units or cents, like 40 or 40.50.",
)
BUDGET_ZERO = Text(
    "intake.budget_zero",
    "Every session has a price, so a budget needs to be more than zero. "
    "Please send an amount, like 40, or tap No limit.",
)
BUDGET_TOO_LARGE = Text(
    "intake.budget_too_large",
    "That is more than any session here costs ({largest} at most). "
    "Please send a smaller amount, or tap No limit.",
)

WHEN = Text("intake.when", "When would suit you?")

NO_MATCH = Text(
    "intake.no_match",
    "I couldn't find an advisor for all of that right now. You could raise your "
    "budget, choose another language or kind of session, or try again later.",
)
START_AGAIN = Text("intake.start_again", "Start again")
MATCH = Text("intake.match", "{name} — {price}\n{reasons}")
REASON = Text("intake.reason", "• {reason}")
CHOOSE = Text("intake.choose", "Choose {name}")
MATCHES = Text("intake.matches", "Here are the advisors who fit best:\n\n{matches}")
ADVISOR_HINT = Text("intake.advisor_hint", "Please tap one of the advisors below.")
STALE_CHOICE = Text(
    "intake.stale_choice",
    "That advisor is no longer in your list. Here are your current matches:",
)
