"""After a session: the rating, the review's words, the tip, and the mood check-in with the
client's progress."""

from __future__ import annotations

from core.texts import Plural, Text

SAFETY = Text(
    "aftercare.safety",
    "If you are in danger or thinking of harming yourself, please call your local emergency "
    "number now.",
)
ALREADY_RATED = Text("aftercare.already_rated", "You've already rated this session. Thank you!")
NOT_RATEABLE_YET = Text(
    "aftercare.not_rateable_yet", "You can rate a session once it has taken place."
)
RATING_HINT = Text("aftercare.rating_hint", "Please tap a number from 1 to 5.")
REVIEW_HINT = Text("aftercare.review_hint", "Please send a few words, or tap Skip.")
REVIEW_LONG = Text(
    "aftercare.review_long", "That's a little long. Please keep it under {limit} characters."
)
MOOD_HINT = Text("aftercare.mood_hint", "Please tap a number from 1 to 10.")

NO_CHECKINS = Text(
    "aftercare.no_checkins",
    "No check-ins yet. Tap “How am I doing?” on the menu whenever you like.",
)
CHECKINS = Text("aftercare.checkins", "Your check-ins: {scores}")
SESSIONS = Plural(
    "aftercare.sessions",
    "You've had {count} session so far.",
    "You've had {count} sessions so far.",
)
BETTER = Text("aftercare.better", "You're feeling better than when you started. Well done.")
HARDER = Text(
    "aftercare.harder",
    "It's been a harder stretch. Talking it through can help: /find an "
    "advisor whenever you're ready.",
)

RATE = Text(
    "aftercare.rate",
    "Your session with {advisor} has ended. How was it? "
    "Tap 1 to 5: 1 is not helpful, 5 is very helpful.",
)
NOT_NOW = Text("aftercare.not_now", "Not now")
YOUR_ADVISOR = Text("aftercare.your_advisor", "your advisor")

REVIEW = Text(
    "aftercare.review",
    "Thank you. Would you like to add a few words for {advisor}? Send a short "
    "message (up to {limit} characters), or tap Skip. Please leave out anything private: "
    "your words are shown on {advisor}'s profile to other clients, signed with your initial "
    "only.",
)
REVIEW_THANKS = Text("aftercare.review_thanks", "Thank you for your review.")

TIP = Text(
    "aftercare.tip",
    "Would you like to leave {advisor} a tip? It's entirely optional, and all of it "
    "goes to {advisor}: there's no handling fee on tips. A tip is a gift, so it can't be "
    "refunded.",
)
OTHER_AMOUNT = Text("aftercare.other_amount", "Other amount")
TIP_HINT = Text("aftercare.tip_hint", "Please tap an amount, “Other amount” or “No thanks”.")
TIP_OTHER = Text(
    "aftercare.tip_other",
    "How much would you like to give? Send a number, like 5 ({low} to {high}).",
)
TIP_NUMBER_HINT = Text("aftercare.tip_number_hint", "Please send a number, like 5.")
TIP_PAY = Text(
    "aftercare.tip_pay",
    "Thank you! Tap below to pay your {tip} tip securely with Stripe. "
    "I'll send your receipt once it's through. Then tap Continue.",
)
TIP_WITH_STRIPE = Text("aftercare.tip_with_stripe", "Tip {tip} with Stripe")
CONTINUE = Text("aftercare.continue", "Continue")
CONTINUE_HINT = Text("aftercare.continue_hint", "Tap Continue when you're ready.")

MOOD = Text("aftercare.mood", "How are you feeling today, from 1 (very low) to 10 (very good)?")
MOOD_AFTER_SESSION = Text(
    "aftercare.mood_after_session",
    "One last question: how are you feeling today, from 1 (very low) to 10 (very good)?",
)
CHECKED_IN = Text("aftercare.checked_in", "Thank you for checking in.\n{progress}")
