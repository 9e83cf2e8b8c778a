"""Privacy: what is kept and for how long, "Send me my data" and "Delete my data".

The rules themselves (what erasure deletes and keeps, what a cancellation refunds) live in
``core.privacy``; these steps show them and ask for a confirmation.
"""

from __future__ import annotations

from core.config import Settings
from core.dialogs.engine import Context, Transition, pressed, rows
from core.dialogs.steps import StepName
from core.errors import PathwiseError
from core.privacy import EXPORT_FILENAME
from core.replies import Document, Input, Message, Reply
from core.texts import chat as tc
from core.texts import mydata as t


def privacy_text(settings: Settings) -> str:
    """What Pathwise keeps and for how long; each sentence is checked against the code."""
    return t.PRIVACY(
        channel_hours=settings.channel_retention_hours,
        conversation_hours=settings.conversation_retention_hours,
        link_code_minutes=settings.link_code_ttl_minutes,
    )


class PrivacyStep:
    """/privacy: what is kept, with "Send me my data" and "Delete my data"."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                privacy_text(ctx.settings),
                rows(
                    ctx.button(t.SEND_MY_DATA(), "export"),
                    ctx.button(t.DELETE_MY_DATA(), "erase"),
                    ctx.button(tc.BACK_TO_MENU(), "home"),
                    per_row=2,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "export":
            content = await ctx.services.need_privacy().export_in(ctx.uow, ctx.client.id)
            document = Document(
                content,
                EXPORT_FILENAME,
                caption=t.EXPORT_CAPTION(),
                mime_type="application/json",
            )
            return Transition(replies=[document])
        if press is not None and press.action == "erase":
            return Transition(goto=StepName.DELETE_DATA)
        if press is not None and press.action == "home":
            return Transition(goto=StepName.HOME, data={})
        return Transition(replies=[Message(tc.TAP_AN_OPTION())], reshow=True)


class DeleteDataStep:
    """/deletemydata: what is erased and kept (and refunded), then one confirmation."""

    async def show(self, ctx: Context) -> list[Reply]:
        plan = await ctx.services.need_privacy().plan_in(ctx.uow, ctx.client.id, ctx.now)
        return [
            Message(
                t.DELETE_PLAN(plan=plan.describe(ctx.locale)),
                rows(
                    ctx.button(t.YES_DELETE(), "erase_yes"),
                    ctx.button(t.NO_KEEP(), "erase_no"),
                    per_row=1,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "erase_no":
            return Transition(goto=StepName.HOME, data={}, replies=[Message(t.NOTHING_DELETED())])
        if press is None or press.action != "erase_yes":
            return Transition(replies=[Message(t.DELETE_HINT())])
        ctx.services.need_privacy()
        # Erasure runs its own transactions (and billing's refunds): after the commit.
        return Transition(after_commit=_erase)


async def _erase(ctx: Context) -> Transition:
    """Erase everything of the client's; the conversation itself goes too."""
    try:
        result = await ctx.services.need_privacy().erase(ctx.client.id)
    except PathwiseError as error:
        return Transition(forget=True, replies=[Message(str(error))])
    replies: list[Reply] = [Message(t.ERASED())]
    if result.refund_failed:
        replies.insert(0, Message(t.REFUND_FAILED()))
    return Transition(forget=True, replies=replies)
