"""Coming back from Stripe: the ``paid_<id>`` and ``unpaid_<id>`` deep links."""

from __future__ import annotations

from core.dialogs.engine import Context, Transition
from core.dialogs.steps import StepName
from core.models.billing import Purchase, PurchaseStatus
from core.parsing import parse_id
from core.replies import Message
from core.texts import Text
from core.texts import booking as t


def _home(text: Text) -> Transition:
    return Transition(goto=StepName.HOME, data={}, replies=[Message(text())])


async def returned_from_checkout(ctx: Context, payload: str) -> Transition:
    """What the client sees when Stripe sends them back to the bot."""
    paid = payload.startswith("paid_")
    raw_id = payload.split("_", 1)[1] if "_" in payload else ""
    purchase_id = parse_id(raw_id)
    purchase = await ctx.uow.session.get(Purchase, purchase_id) if purchase_id else None
    if purchase is None or purchase.client_id != ctx.client.id:
        return _home(t.NOT_FOUND)
    if purchase.status == PurchaseStatus.PAID.value:
        # The receipt itself comes once, from the outbox the payment wrote it to.
        return _home(t.CONFIRMED_RECEIPT_SEPARATELY)
    if purchase.status == PurchaseStatus.PROCESSING.value:
        return _home(t.BANK_CONFIRMING)
    if paid and purchase.status == PurchaseStatus.PENDING.value:
        return _home(t.CONFIRMING)
    if purchase.status == PurchaseStatus.PENDING.value:
        return _home(t.NOT_TAKEN)
    return _home(t.FAILED)
