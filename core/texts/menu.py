"""The welcome card, the home menu and the answers of commands that work from anywhere."""

from __future__ import annotations

from core.texts import Text

WELCOME = Text(
    "menu.welcome",
    "Welcome to {platform}.\n\n"
    "We connect you with an advisor for confidential advice on the hard parts of life: "
    "relationships, career, family, grief, stress and direction.\n\n"
    "Before you start:\n"
    "• Advisors give advice and a second pair of eyes. This is not therapy, medical care "
    "or an emergency service. If you are in danger or thinking of harming yourself, "
    "call your local emergency number now.\n"
    "• Confidential: your session happens in a private Discord channel that only you, "
    "your advisor and our bot can see. We keep no transcript unless you ask for one, and "
    "you can download or delete your data at any time (/privacy, /deletemydata).\n"
    "• Prices are shown in full before you pay. Every purchase except a tip carries a "
    "{fee} handling fee, which is not refundable.\n"
    "• Money-back guarantee: not happy with a session? Ask within "
    "{guarantee_hours} hours after it ends and get the session price back.",
)
AGREE = Text("menu.agree", "I understand and agree")
# The welcome card's second button: opens /language (written so a reader of the other
# language recognises it too).
OTHER_LANGUAGE = Text("menu.other_language", "🌐 Español / other language")
AGREE_HINT = Text("menu.agree_hint", "Please tap “I understand and agree” to continue.")
ALL_SET = Text("menu.all_set", "Thank you. You're all set.")

HOME = Text("menu.home", "What would you like to do?")
MY_BOOKINGS = Text("menu.my_bookings", "My bookings")
HOW_AM_I = Text("menu.how_am_i", "How am I doing?")
HELP = Text("menu.help", "Help")

STOPPED = Text("menu.stopped", "Okay, I've stopped that.")
STOPPED_AND_RELEASED = Text(
    "menu.stopped_and_released", "Okay, I've stopped that and let the time you were holding go."
)
CHOOSE_AN_OPTION = Text("menu.choose_an_option", "Please choose one of the options below.")
