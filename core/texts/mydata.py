"""The client's data in the chat: what is kept and for how long (/privacy), "Send me my
data", and "Delete my data" (/deletemydata) with its confirmation."""

from __future__ import annotations

from core.texts import Text

PRIVACY = Text(
    "mydata.privacy",
    "Your privacy:\n"
    "• Sessions take place in a private Discord channel only you, your advisor and our bot "
    "can see. The channel is deleted {channel_hours} hours after the "
    "session ends, and we keep no transcript unless you ask for one before then; a "
    "transcript file is deleted as soon as it has been sent to you.\n"
    "• What you write to describe your situation is used to find your matches and "
    "erased as soon as they are shown, unless you choose to share it with your advisor: "
    "then it is kept, contact details taken out, with that booking until you delete your "
    "data. Where you are in our conversations, an unfinished "
    "request included, is erased after "
    "{conversation_hours} hours without a word from you.\n"
    "• Ratings and mood check-ins are kept as numbers only, plus a review's words if you "
    "choose to write some (shown on your advisor's profile to other clients, signed with "
    "your initial only), until you delete your data.\n"
    "• Discord link codes expire after {link_code_minutes} minutes.\n"
    "• We keep your bookings, payments, receipts and credit notes, because the law "
    "requires records of payments; if you delete your data they stay, with the buyer "
    "shown as “Deleted client”. Card details stay with Stripe; we never see them.\n\n"
    "“Send me my data” sends everything we keep about you as a file; “Delete my data” "
    "(or /deletemydata) erases it, after showing you exactly what happens.",
)
SEND_MY_DATA = Text("mydata.send_my_data", "Send me my data")
DELETE_MY_DATA = Text("mydata.delete_my_data", "Delete my data")
EXPORT_CAPTION = Text("mydata.export_caption", "Everything Pathwise keeps about you.")

DELETE_PLAN = Text("mydata.delete_plan", "Delete your data?\n\n{plan}")
YES_DELETE = Text("mydata.yes_delete", "Yes, delete my data")
NO_KEEP = Text("mydata.no_keep", "No, keep it")
NOTHING_DELETED = Text("mydata.nothing_deleted", "Okay, nothing was deleted.")
DELETE_HINT = Text("mydata.delete_hint", "Please tap “Yes, delete my data” or “No, keep it”.")
STALE_ERASE = Text(
    "mydata.stale_erase",
    "That confirmation is no longer valid, so nothing more was done. If you already "
    "confirmed, your data is deleted. To delete it now, send /deletemydata.",
)
ERASED = Text(
    "mydata.erased",
    "Done: your data is deleted. Payment records stay for accounting, with the buyer shown as "
    "“Deleted client”. If you write to me again, we start afresh as strangers. Take care.",
)
REFUND_FAILED = Text(
    "mydata.refund_failed",
    "Your bookings are cancelled, but a refund didn't go through yet. Our team "
    "has the record and will make sure it reaches your card.",
)
