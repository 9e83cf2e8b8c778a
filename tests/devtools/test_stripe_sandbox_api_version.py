"""The stand-in follows the SDK's pinned API version (stripe 16.1: 2026-10-28.endive): the
default shapes of that version (no refunds on a Charge, no charges on a PaymentIntent, in
answers and in webhooks), the refund and dispute events, and delivery on command out of order,
twice, or late."""

from __future__ import annotations

import aiohttp
import pytest
import stripe

from devtools.stripe_sandbox import API_VERSION, StripeSandbox
from tests.devtools.stripe_helpers import Inbox, checkout_params

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


async def _paid_charge(sandbox: StripeSandbox, client: stripe.StripeClient) -> tuple[str, str]:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id)
    intent = (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_intent
    assert isinstance(intent, str)
    charge = (await client.v1.payment_intents.retrieve_async(intent)).latest_charge
    assert isinstance(charge, str)
    return intent, charge


async def test_the_pinned_versions_shapes_in_answers_and_webhooks(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    assert API_VERSION == stripe.api_version == "2026-10-28.endive"
    intent, charge_id = await _paid_charge(sandbox, client)
    await client.v1.refunds.create_async({"charge": charge_id, "amount": 100})
    await sandbox.flush()

    charge = (await client.v1.charges.retrieve_async(charge_id)).to_dict()
    assert "refunds" not in charge
    assert "charges" not in (await client.v1.payment_intents.retrieve_async(intent)).to_dict()
    [refunded] = inbox.of_type("charge.refunded")
    assert "refunds" not in refunded.data.object.to_dict()
    assert all(e.api_version == API_VERSION for e in inbox.events)
    # The charge's refunds, through the API: listed, or expanded on request.
    listed = await client.v1.refunds.list_async({"charge": charge_id})
    assert [r.amount for r in listed.data] == [100]
    expanded = await client.v1.charges.retrieve_async(charge_id, {"expand": ["refunds"]})
    assert [r.amount for r in expanded.refunds.data] == [100]


async def test_refunds_and_disputes_have_their_own_events(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    _intent, charge_id = await _paid_charge(sandbox, client)
    sandbox.state.refund_status = "pending"
    refund = await client.v1.refunds.create_async({"charge": charge_id, "amount": 500})
    await sandbox.flush()
    assert refund.status == "pending"
    await sandbox.settle_refund(refund.id, succeeded=False)
    failed = inbox.of_type("refund.failed")
    assert [e.data.object.status for e in failed] == ["failed"]
    assert (await client.v1.charges.retrieve_async(charge_id)).amount_refunded == 0
    sandbox.state.refund_status = "succeeded"
    await sandbox.dashboard_refund(charge_id, 200)
    assert inbox.of_type("refund.created")[-1].data.object.metadata.to_dict() == {}

    _intent2, disputed = await _paid_charge(sandbox, client)
    await sandbox.dispute(disputed)
    [dispute_id] = sandbox.objects["dispute"]
    balance = sandbox.balance["usd"]
    await sandbox.close_dispute(dispute_id, won=True)

    assert inbox.types[-4:] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    assert inbox.of_type("charge.dispute.closed")[0].data.object.status == "won"
    assert sandbox.balance["usd"] == balance + 4849


async def test_events_are_held_then_delivered_out_of_order_twice_and_late_over_http(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    async with aiohttp.ClientSession(sandbox.url, headers=headers) as http:
        async with http.post("/_sandbox/events/hold", json={"hold": True}) as answer:
            assert (await answer.json())["auto_deliver"] is False
        await _paid_charge(sandbox, client)
        assert inbox.events == []  # held: late
        async with http.get("/_sandbox/events/held") as answer:
            held = (await answer.json())["held"]
        types = [sandbox.event(e)["type"] for e in held]
        completed = held[types.index("checkout.session.completed")]
        created = held[types.index("payment_intent.created")]
        order = [completed, created, completed]
        async with http.post("/_sandbox/events/deliver", json={"event_ids": order}) as answer:
            assert answer.status == 200
    assert [e.id for e in inbox.events] == order  # out of order, and twice
