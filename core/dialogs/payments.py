"""Coming back from Stripe: the ``paid_<id>`` and ``unpaid_<id>`` deep links."""

from __future__ import annotations

from sqlalchemy import select

from core.dialogs.engine import Context, Transition
from core.documents import receipt_pdf
from core.models.billing import Purchase, PurchaseStatus, Receipt
from core.parsing import parse_id
from core.replies import Document, Message, Reply

CONFIRMING = (
    "Thank you! I'm confirming your payment with Stripe… "
    "I'll send your receipt here as soon as it's through."
)
NOT_FOUND = "I couldn't find that payment among yours. Here is the menu:"


async def returned_from_checkout(ctx: Context, payload: str) -> Transition:
    """What the client sees when Stripe sends them back to the bot."""
    paid = payload.startswith("paid_")
    raw_id = payload.split("_", 1)[1] if "_" in payload else ""
    purchase_id = parse_id(raw_id)
    purchase = await ctx.uow.session.get(Purchase, purchase_id) if purchase_id else None
    if purchase is None or purchase.client_id != ctx.client.id:
        return Transition(goto="home", data={}, replies=[Message(NOT_FOUND)])
    if purchase.status == PurchaseStatus.PAID.value:
        return Transition(goto="home", data={}, replies=await _receipt(ctx, purchase))
    if purchase.status == PurchaseStatus.PROCESSING.value:
        return Transition(
            goto="home",
            data={},
            replies=[
                Message(
                    "Your bank is still confirming this payment. "
                    "I'll message you as soon as it's through."
                )
            ],
        )
    if paid and purchase.status == PurchaseStatus.PENDING.value:
        return Transition(goto="home", data={}, replies=[Message(CONFIRMING)])
    if purchase.status == PurchaseStatus.PENDING.value:
        return Transition(
            goto="home",
            data={},
            replies=[
                Message(
                    "No payment was taken. Your time stays held for a little while: "
                    "open /bookings to pay, or /find to look again."
                )
            ],
        )
    return Transition(
        goto="home",
        data={},
        replies=[
            Message(
                "That payment didn't go through and nothing was charged. "
                "Please book again with /find."
            )
        ],
    )


async def _receipt(ctx: Context, purchase: Purchase) -> list[Reply]:
    """The purchase's receipt again, for a client who came back after the webhook landed."""
    receipt = await ctx.uow.session.scalar(
        select(Receipt).where(Receipt.purchase_id == purchase.id, Receipt.kind == "receipt")
    )
    replies: list[Reply] = [Message("Your payment is confirmed. Here is your receipt.")]
    if receipt is not None:
        billing = ctx.services.get("billing") if isinstance(ctx.services, dict) else None
        pdf = await receipt_pdf(ctx.uow, receipt, getattr(billing, "fonts", None))
        replies.append(Document(pdf, receipt.filename, f"Receipt {receipt.number}"))
    return replies
