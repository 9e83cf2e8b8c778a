"""An advisor's card as clients see it: the rating and its count, sessions held, languages,
how sessions happen, recent reviews, and the link to pass the advisor on."""

from __future__ import annotations

from core.texts import Plural, Text

# ``average`` is the mean rating with one decimal in the client's locale, "4.8".
RATING = Plural(
    "profile_card.rating", "{average} ★ from {count} rating", "{average} ★ from {count} ratings"
)
NEW = Text("profile_card.new", "New on Pathwise")
NEW_RATED = Plural(
    "profile_card.new_rated",
    "New on Pathwise · {average} ★ from {count} rating",
    "New on Pathwise · {average} ★ from {count} ratings",
)
SESSIONS_HELD = Plural(
    "profile_card.sessions_held", "{count} session held", "{count} sessions held"
)
SPEAKS = Text("profile_card.speaks", "speaks {languages}")
SPECIALISES = Text("profile_card.specialises", "Specialises in {specialties}")

MEDIUM_LIVE = Text(
    "profile_card.medium_live",
    "How it works: a live text chat at a time you choose, in a private Discord room only you, "
    "{name} and our bot can see. You'll need a free Discord account.",
)
MEDIUM_MESSAGING = Text(
    "profile_card.medium_messaging",
    "How it works: a messaging package, written messages over several days that {name} "
    "answers at their own pace, in a private Discord room only the two of you and our bot can "
    "see. You'll need a free Discord account.",
)
MEDIUM_BOTH = Text(
    "profile_card.medium_both",
    "How it works: a live text chat at a time you choose, or a messaging package over several "
    "days, in a private Discord room only you, {name} and our bot can see. You'll need a free "
    "Discord account.",
)

REVIEWS = Text("profile_card.reviews", "What clients say:\n{reviews}")
# A review's words, shortened, signed with the initial of the name its author showed advisors.
REVIEW = Text("profile_card.review", "“{text}” — {initial}.")
REVIEW_UNSIGNED = Text("profile_card.review_unsigned", "“{text}”")

CHOOSE = Text("profile_card.choose", "Choose what you'd like to book:")

SHARE = Text("profile_card.share", "Share this advisor")
SHARE_LINK = Text(
    "profile_card.share_link",
    "Here is {name}'s link. Send it to anyone it could help: it opens {name}'s profile in "
    "Pathwise.\n{url}",
)
