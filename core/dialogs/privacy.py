"""Privacy: what is kept and for how long, "Send me my data" and "Delete my data".

The rules themselves (what erasure deletes and keeps, what a cancellation refunds) live in
``core.privacy``; these steps show them and ask for a confirmation.
"""

from __future__ import annotations

from core.config import Settings
from core.dialogs.engine import Context, Transition, pressed, rows
from core.errors import PathwiseError
from core.privacy import EXPORT_FILENAME, Privacy
from core.replies import Document, Input, Message, Reply


def privacy_text(settings: Settings) -> str:
    """What Pathwise keeps and for how long; each sentence is checked against the code."""
    return (
        "Your privacy:\n"
        "• Sessions take place in a private Discord channel only you, your advisor and our bot "
        f"can see. The channel is deleted {settings.channel_retention_hours} hours after the "
        "session ends, and we keep no transcript unless you ask for one before then; a "
        "transcript file is deleted as soon as it has been sent to you.\n"
        "• What you write to describe your situation is used to find your matches and "
        "erased as soon as they are shown, unless you choose to share it with your advisor: "
        "then it is kept, contact details taken out, with that booking until you delete your "
        "data. Where you are in our conversations, an unfinished "
        "request included, is erased after "
        f"{settings.conversation_retention_hours} hours without a word from you.\n"
        "• Ratings and mood check-ins are kept as numbers only, plus a review's words if you "
        "choose to write some, until you delete your data.\n"
        f"• Discord link codes expire after {settings.link_code_ttl_minutes} minutes.\n"
        "• We keep your bookings, payments, receipts and credit notes, because the law "
        "requires records of payments; if you delete your data they stay, with the buyer "
        "shown as “Deleted client”. Card details stay with Stripe; we never see them.\n\n"
        "“Send me my data” sends everything we keep about you as a file; “Delete my data” "
        "(or /deletemydata) erases it, after showing you exactly what happens."
    )


STALE_ERASE = (
    "That confirmation is no longer valid, so nothing more was done. If you already "
    "confirmed, your data is deleted. To delete it now, send /deletemydata."
)
ERASED = (
    "Done: your data is deleted. Payment records stay for accounting, with the buyer shown as "
    "“Deleted client”. If you write to me again, we start afresh as strangers. Take care."
)


def _privacy(ctx: Context) -> Privacy:
    service: Privacy = ctx.services["privacy"]
    return service


class PrivacyStep:
    """/privacy: what is kept, with "Send me my data" and "Delete my data"."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                privacy_text(ctx.settings),
                rows(
                    ctx.button("Send me my data", "export"),
                    ctx.button("Delete my data", "erase"),
                    ctx.button("Back to the menu", "home"),
                    per_row=2,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "export":
            content = await _privacy(ctx).export_in(ctx.uow, ctx.client.id)
            document = Document(
                content,
                EXPORT_FILENAME,
                caption="Everything Pathwise keeps about you.",
                mime_type="application/json",
            )
            return Transition(replies=[document])
        if press is not None and press.action == "erase":
            return Transition(goto="delete_data")
        if press is not None and press.action == "home":
            return Transition(goto="home", data={})
        return Transition(replies=[Message("Please tap one of the options below.")], reshow=True)


class DeleteDataStep:
    """/deletemydata: what is erased and kept (and refunded), then one confirmation."""

    async def show(self, ctx: Context) -> list[Reply]:
        plan = await _privacy(ctx).plan_in(ctx.uow, ctx.client.id, ctx.now)
        return [
            Message(
                "Delete your data?\n\n" + plan.describe(ctx.settings.locale),
                rows(
                    ctx.button("Yes, delete my data", "erase_yes"),
                    ctx.button("No, keep it", "erase_no"),
                    per_row=1,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "erase_no":
            return Transition(goto="home", data={}, replies=[Message("Okay, nothing was deleted.")])
        if press is None or press.action != "erase_yes":
            return Transition(
                replies=[Message("Please tap “Yes, delete my data” or “No, keep it”.")]
            )
        privacy = _privacy(ctx)
        await ctx.uow.commit()  # erasure runs its own transactions (and billing's refunds)
        try:
            result = await privacy.erase(ctx.client.id)
        except PathwiseError as error:
            return Transition(forget=True, replies=[Message(str(error))])
        replies: list[Reply] = [Message(ERASED)]
        if result.refund_failed:
            replies.insert(
                0,
                Message(
                    "Your bookings are cancelled, but a refund didn't go through yet. Our team "
                    "has the record and will make sure it reaches your card."
                ),
            )
        return Transition(forget=True, replies=replies)
