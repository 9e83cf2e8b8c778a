"""Checkout through the real Stripe SDK: create, pay, signed webhooks, refunds, idempotency."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import stripe
from aiohttp import web

from core.clock import ManualClock
from devtools.stripe_sandbox import SandboxError, StripeSandbox, sign_payload
from tests.devtools.stripe_helpers import WEBHOOK_SECRET, Inbox, checkout_params

# stripe 16's httpx client passes raw bytes as `data=`, which httpx 0.28 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


async def test_a_checkout_session_totals_its_line_items_and_links_to_the_stand_in(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    assert session.id.startswith("cs_test_")
    assert session.url == f"{sandbox.url}/pay/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_subtotal, session.amount_total, session.currency) == (4849, 4849, "usd")
    assert session.metadata["purchase_id"] == "p-1"
    assert session.client_reference_id == "booking-1"
    assert session.payment_intent is None
    items = await client.v1.checkout.sessions.line_items.list_async(session.id)
    assert [(i.description, i.amount_total, i.quantity) for i in items.data] == [
        ("Live session, 60 min", 4500, 1),
        ("Handling fee (non-refundable)", 349, 1),
    ]


async def test_paying_delivers_a_verified_completed_event_and_records_the_card(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    event_ids = await sandbox.pay(session.id)
    # Delivered before pay() returned, in order, each signature verified by the SDK.
    assert [e.id for e in inbox.events] == event_ids
    assert inbox.types == [
        "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = inbox.of_type("checkout.session.completed")[0]
    assert completed.data.object.id == session.id
    assert completed.data.object.payment_status == "paid"
    assert completed.data.object.metadata["purchase_id"] == "p-1"
    assert completed.request.id is None  # caused on the hosted page, not by an API call
    paid = await client.v1.checkout.sessions.retrieve_async(
        session.id, {"expand": ["payment_intent.latest_charge"]})
    intent = paid.payment_intent
    assert intent.status == "succeeded" and intent.amount_received == 4849
    assert intent.transfer_group == "p-1" and intent.metadata["purchase_id"] == "p-1"
    card = intent.latest_charge.payment_method_details.card
    assert (card.brand, card.last4) == ("visa", "4242")
    assert sandbox.balance["usd"] == 4849


async def test_webhooks_are_posted_over_http_signed_as_stripe_signs_them(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    received: list[stripe.Event] = []

    async def endpoint(request: web.Request) -> web.Response:
        body = await request.read()
        event = stripe.Webhook.construct_event(
            body, request.headers["Stripe-Signature"], WEBHOOK_SECRET)
        received.append(event)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/stripe/webhook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        sandbox.webhook_callback = None
        sandbox.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/stripe/webhook"
        session = await client.v1.checkout.sessions.create_async(checkout_params())
        event_ids = await sandbox.pay(session.id)
    finally:
        await runner.cleanup()
    assert [e.id for e in received] == event_ids
    assert all(d.ok and d.status == 200 for d in sandbox.deliveries)
    assert sandbox.event(event_ids[-1])["pending_webhooks"] == 0


async def test_forged_and_stale_signatures_are_rejected_by_the_sdk(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id)
    body, good = inbox.raw[-1]
    forged = sign_payload(body, "whsec_not_the_secret", int(time.time()))
    stale = sign_payload(body, WEBHOOK_SECRET, int(time.time()) - 600)
    assert stripe.Webhook.construct_event(body, good, WEBHOOK_SECRET).id == json.loads(body)["id"]
    for header in (forged, stale):
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, header, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"paid", b"PAID"), good, WEBHOOK_SECRET)


async def test_redelivery_sends_the_same_event_again(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    completed = (await sandbox.pay(session.id))[-1]
    deliveries = await sandbox.redeliver(completed)
    assert deliveries[0].ok
    assert [e.id for e in inbox.events].count(completed) == 2


async def test_held_events_can_be_delivered_in_any_order(inbox: Inbox) -> None:
    async with StripeSandbox(webhook_secret=WEBHOOK_SECRET, webhook_callback=inbox.receive,
                             auto_deliver=False) as sandbox:
        sdk = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url},
                                  http_client=(http := stripe.HTTPXClient()))
        session = await sdk.v1.checkout.sessions.create_async(checkout_params())
        event_ids = await sandbox.pay(session.id)
        assert inbox.events == [] and sandbox.held == event_ids
        await sandbox.deliver(list(reversed(event_ids)))
        await http.close_async()
    assert [e.id for e in inbox.events] == list(reversed(event_ids))
    assert sandbox.held == []


async def test_a_declined_card_leaves_the_session_open_for_another_try(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id, card="declined")
    assert "checkout.session.completed" not in inbox.types
    assert inbox.types == ["payment_intent.created", "charge.failed",
                           "payment_intent.payment_failed"]
    still_open = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert (still_open.status, still_open.payment_status) == ("open", "unpaid")
    await sandbox.pay(session.id)
    paid = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert paid.payment_status == "paid"
    assert paid.payment_intent == still_open.payment_intent  # the same intent, tried again


async def test_a_delayed_payment_completes_unpaid_then_succeeds_or_fails(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    first = await client.v1.checkout.sessions.create_async(checkout_params())
    second = await client.v1.checkout.sessions.create_async(checkout_params())
    for session in (first, second):
        await sandbox.pay(session.id, card="async")
    completed = inbox.of_type("checkout.session.completed")
    assert [(e.data.object.status, e.data.object.payment_status) for e in completed] == [
        ("complete", "unpaid"), ("complete", "unpaid")]
    await sandbox.async_payment(first.id, succeeded=True)
    await sandbox.async_payment(second.id, succeeded=False)
    assert inbox.of_type("checkout.session.async_payment_succeeded")[0].data.object.id == first.id
    assert inbox.of_type("checkout.session.async_payment_failed")[0].data.object.id == second.id
    assert (await client.v1.checkout.sessions.retrieve_async(first.id)).payment_status == "paid"
    assert (await client.v1.checkout.sessions.retrieve_async(second.id)).payment_status == "unpaid"
    with pytest.raises(SandboxError):
        await sandbox.async_payment(first.id, succeeded=True)


async def test_expired_sessions_emit_an_event_and_cannot_be_paid(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    by_api = await client.v1.checkout.sessions.create_async(checkout_params())
    by_time = await client.v1.checkout.sessions.create_async(checkout_params())
    expired = await client.v1.checkout.sessions.expire_async(by_api.id)
    assert expired.status == "expired"
    await sandbox.expire(by_time.id)
    await sandbox.flush()
    assert [e.data.object.id for e in inbox.of_type("checkout.session.expired")] == [
        by_api.id, by_time.id]
    assert inbox.of_type("checkout.session.expired")[0].request.id is not None
    with pytest.raises(SandboxError):
        await sandbox.pay(by_api.id)
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.checkout.sessions.expire_async(by_time.id)


async def test_a_tampered_amount_shows_in_what_stripe_reports(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id, amount_override=100)
    reported = inbox.of_type("checkout.session.completed")[0].data.object
    assert reported.amount_total == 100
    items = await client.v1.checkout.sessions.line_items.list_async(session.id)
    assert sum(i.amount_total for i in items.data) == 4849


async def test_refunds_never_exceed_what_is_left_and_update_the_charge(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id)
    intent = (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_intent
    refund = await client.v1.refunds.create_async(
        {"payment_intent": intent, "amount": 4500, "reason": "requested_by_customer",
         "metadata": {"purchase_id": "p-1"}})
    assert (refund.status, refund.amount, refund.metadata["purchase_id"]) == ("succeeded", 4500,
                                                                              "p-1")
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await client.v1.refunds.create_async({"payment_intent": intent, "amount": 350})
    assert too_much.value.code == "amount_too_large"
    assert too_much.value.http_status == 400
    assert too_much.value.json_body["error"]["type"] == "invalid_request_error"
    await client.v1.refunds.create_async({"charge": refund.charge})  # the rest: 349
    with pytest.raises(stripe.InvalidRequestError) as again:
        await client.v1.refunds.create_async({"payment_intent": intent, "amount": 1})
    assert again.value.code == "charge_already_refunded"
    charge = await client.v1.charges.retrieve_async(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (4849, True)
    assert (await client.v1.refunds.retrieve_async(refund.id)).amount == 4500
    await sandbox.flush()
    refunded = inbox.of_type("charge.refunded")
    assert [e.data.object.amount_refunded for e in refunded] == [4500, 4849]
    assert refunded[0].data.previous_attributes.amount_refunded == 0
    assert len(inbox.of_type("refund.created")) == 2
    assert refunded[0].request.idempotency_key is not None


async def test_a_disputed_charge_emits_an_event_and_can_no_longer_be_refunded(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id)
    charge_id = next(iter(sandbox.objects["charge"]))
    await sandbox.dispute(charge_id)
    dispute = inbox.of_type("charge.dispute.created")[0].data.object
    assert (dispute.charge, dispute.amount, dispute.status) == (charge_id, 4849, "needs_response")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.refunds.create_async({"charge": charge_id})
    assert refused.value.code == "charge_disputed"


async def test_the_same_idempotency_key_returns_the_same_session_and_creates_nothing(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "purchase-p-1"}
    params = checkout_params()
    first = await client.v1.checkout.sessions.create_async(params, options)
    second = await client.v1.checkout.sessions.create_async(params, options)
    assert first.id == second.id and first.to_dict() == second.to_dict()
    assert len(sandbox.objects["checkout.session"]) == 1
    assert [r.replayed for r in sandbox.requests] == [False, True]
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.checkout.sessions.create_async(
            checkout_params(client_reference_id="booking-2"), options)


async def test_stripe_refuses_what_stripe_would_refuse(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await client.v1.checkout.sessions.create_async(checkout_params(metdata={"x": "y"}))
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "metdata")
    with pytest.raises(stripe.InvalidRequestError) as soon:
        await client.v1.checkout.sessions.create_async(
            checkout_params(expires_at=int(time.time()) + 60))
    assert soon.value.param == "expires_at"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.checkout.sessions.retrieve_async("cs_test_nope")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    wrong_key = stripe.StripeClient("sk_test_wrong", base_addresses={"api": sandbox.url},
                                    http_client=(http := stripe.HTTPXClient()))
    with pytest.raises(stripe.AuthenticationError):
        await wrong_key.v1.checkout.sessions.create_async(checkout_params())
    await http.close_async()
    assert len(sandbox.objects["checkout.session"]) == 0


async def test_events_are_listed_newest_first_and_retrievable(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    event_ids = await sandbox.pay(session.id)
    listed = await client.v1.events.list_async({"limit": 3})
    assert [e.id for e in listed.data] == list(reversed(event_ids))[:3]
    assert listed.has_more is True
    only = await client.v1.events.list_async({"type": "checkout.session.completed"})
    assert [e.id for e in only.data] == [event_ids[-1]]
    event = await client.v1.events.retrieve_async(event_ids[-1])
    assert (event.object, event.livemode, event.api_version) == ("event", False,
                                                                stripe.api_version)


async def test_the_hosted_page_pays_and_redirects_to_the_success_url(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    async with aiohttp.ClientSession() as browser:
        async with browser.get(session.url) as page:
            assert page.status == 200 and "48.49 USD" in await page.text()
        async with browser.post(session.url, data={"card": "success"},
                                allow_redirects=False) as paid:
            assert paid.status == 303
            assert paid.headers["Location"] == f"https://pathwise.test/paid?session={session.id}"
    assert inbox.of_type("checkout.session.completed")[0].data.object.id == session.id


async def test_sessions_expire_when_the_given_clock_passes_their_expiry(inbox: Inbox) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    async with StripeSandbox(webhook_secret=WEBHOOK_SECRET, webhook_callback=inbox.receive,
                             clock=clock) as sandbox:
        sdk = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url},
                                  http_client=(http := stripe.HTTPXClient()))
        start = int(clock.now().timestamp())
        session = await sdk.v1.checkout.sessions.create_async(
            checkout_params(expires_at=start + 1800))
        await http.close_async()
        assert session.created == start
        assert await sandbox.expire_due() == []
        clock.advance(timedelta(minutes=30))
        expired = await sandbox.expire_due()
    assert [sandbox.event(e)["type"] for e in expired] == ["checkout.session.expired"]
    assert inbox.of_type("checkout.session.expired")[0].data.object.status == "expired"


async def test_the_demo_can_drive_everything_over_http(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    account = await client.v1.accounts.create_async({"type": "express", "country": "US"})
    link = await client.v1.account_links.create_async({
        "account": account.id, "type": "account_onboarding",
        "refresh_url": "https://pathwise.test/r", "return_url": "https://pathwise.test/done"})
    async with aiohttp.ClientSession() as http:
        pay_url = f"{sandbox.url}/_sandbox/checkout/sessions/{session.id}/pay"
        async with http.post(pay_url, json={"card": "success"}) as paid:
            assert paid.status == 200
            assert (await paid.json())["events"][-1] == inbox.events[-1].id
        async with http.post(pay_url, json={"card": "success"}) as again:
            assert again.status == 400  # already complete
        async with http.post(link.url, allow_redirects=False) as onboarded:
            assert onboarded.headers["Location"] == "https://pathwise.test/done"
    assert inbox.types[-2:] == ["checkout.session.completed", "account.updated"]
    assert (await client.v1.accounts.retrieve_async(account.id)).payouts_enabled is True
