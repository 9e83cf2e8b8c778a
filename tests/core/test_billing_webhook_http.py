"""The Stripe webhook over HTTP, through the web server as ``bots/run.py`` wires it: signed
bodies that are not well-formed events get 400 (never 500) with a log line naming the event;
a duplicate costs no call to Stripe."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp
import pytest

from bots.run import Runtime, running
from core.clock import ManualClock
from core.db import Database
from devtools.stripe_sandbox import StripeSandbox, sign_payload
from devtools.telegram_recorder import RecordingRequest
from tests.support.billing import billing_settings, checkout_of, seed

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")
SECRET = "whsec_http_bodies"


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[StripeSandbox]:
    async with StripeSandbox(webhook_secret=SECRET, clock=clock) as running_sandbox:
        yield running_sandbox


def _web(
    database_url: str, sandbox: StripeSandbox, clock: ManualClock
) -> AbstractAsyncContextManager[Runtime]:
    """Pathwise's web server on a free port, wired as `pathwise run` wires it, with Stripe
    at the stand-in."""
    settings = billing_settings(
        database_url,
        web_port=0,
        telegram_token="123:HTTP",
        stripe_secret_key=sandbox.api_key,
        stripe_webhook_secret=SECRET,
        stripe_api_base=sandbox.url,
    )
    return running(settings, {"web"}, clock=clock, telegram_request=RecordingRequest())


def _session(metadata: Any) -> dict[str, Any]:
    return {
        "id": "cs_test_bad",
        "object": "checkout.session",
        "payment_status": "paid",
        "payment_intent": "pi_bad",
        "amount_total": 6349,
        "currency": "usd",
        "metadata": {"purchase_id": metadata},
    }


def _event(event_id: Any, event_type: str, obj: Any) -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}
    ).encode()


BAD_BODIES = {
    "a JSON list": (None, b'[{"id": "evt_list"}]'),
    "not JSON": (None, b"{not json"),
    "data.object a string": (
        "evt_bad_object",
        _event("evt_bad_object", "checkout.session.completed", "cs_1"),
    ),
    "an event id that is a number": (None, _event(7, "checkout.session.completed", {})),
    "purchase_id an object": (
        "evt_meta_object",
        _event("evt_meta_object", "checkout.session.completed", _session({"id": 1})),
    ),
    "purchase_id of 23 digits": (
        "evt_meta_long",
        _event("evt_meta_long", "checkout.session.completed", _session("1" * 23)),
    ),
    "purchase_id with a leading space": (
        "evt_meta_space",
        _event("evt_meta_space", "checkout.session.completed", _session(" 7")),
    ),
    "purchase_id a superscript two": (
        "evt_meta_super",
        _event("evt_meta_super", "checkout.session.completed", _session("²")),
    ),
    "a refund's purchase_id with a leading space": (
        "evt_refund_space",
        _event(
            "evt_refund_space",
            "refund.created",
            {
                "id": "re_1",
                "object": "refund",
                "amount": 100,
                "currency": "usd",
                "status": "succeeded",
                "payment_intent": "pi_unknown",
                "metadata": {"purchase_id": " 7"},
            },
        ),
    ),
    "a dispute with a list for an amount": (
        "evt_dispute_amount",
        _event(
            "evt_dispute_amount",
            "charge.dispute.created",
            {"id": "dp_1", "object": "dispute", "amount": [1], "currency": "usd",
             "status": "needs_response", "payment_intent": "pi_x", "metadata": {}},
        ),
    ),
}


async def test_each_malformed_signed_body_is_answered_400_naming_the_event(
    db: Database,
    database_url: str,
    sandbox: StripeSandbox,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(db, clock.now())
    async with _web(database_url, sandbox, clock) as runtime:
        url = f"http://127.0.0.1:{runtime.web_port}/stripe/webhook"
        async with aiohttp.ClientSession() as http:
            for name, (event_id, body) in BAD_BODIES.items():
                caplog.clear()
                signature = sign_payload(body, SECRET, int(time.time()))
                with caplog.at_level(logging.WARNING, logger="core.billing"):
                    async with http.post(
                        url, data=body, headers={"Stripe-Signature": signature}
                    ) as answer:
                        assert answer.status == 400, name
                lines = [r.getMessage() for r in caplog.records if r.name == "core.billing"]
                assert lines, name
                if event_id is not None:
                    assert any(event_id in line for line in lines), (name, lines)
    # Nothing was recorded as processed, so nothing is lost if Stripe sends a fixed body.
    async with db.uow() as uow:
        from core.models.billing import StripeEvent

        assert await uow.session.get(StripeEvent, "evt_meta_space") is None


async def test_a_duplicate_delivery_costs_no_call_to_stripe(
    db: Database,
    database_url: str,
    sandbox: StripeSandbox,
    clock: ManualClock,
) -> None:
    world = await seed(db, clock.now())
    async with _web(database_url, sandbox, clock) as runtime:
        sandbox.webhook_url = f"http://127.0.0.1:{runtime.web_port}/stripe/webhook"
        checkout = await runtime.billing.start_checkout(world.booking_id, world.client_id)
        session_id = (await checkout_of(db, checkout.purchase_id)).checkout_session_id or ""
        await sandbox.pay(session_id)
        [charge_id] = sandbox.objects["charge"]
        # What lets an early event about this payment find its purchase.
        [intent] = sandbox.objects["payment_intent"].values()
        assert intent["metadata"]["purchase_id"] == str(checkout.purchase_id)
        assert sandbox.objects["charge"][charge_id]["metadata"]["purchase_id"] == str(
            checkout.purchase_id
        )
        await sandbox.dashboard_refund(charge_id, 500)
        [refunded] = sandbox.events_of_type("charge.refunded")
        # charge.refunded carries no refunds at this API version: Pathwise listed them once.
        listed = [r for r in sandbox.requests if r.path == "/v1/refunds" and r.method == "GET"]
        assert len(listed) == 1
        before = len(sandbox.requests)

        [again] = await sandbox.redeliver(refunded["id"])

        assert again.status == 200 and again.ok
        assert len(sandbox.requests) == before  # the duplicate check came first
