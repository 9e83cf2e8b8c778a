"""Injected faults surface through the real SDK as Stripe's own failures would, with or without
the SDK's retries."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import stripe

from devtools.stripe_sandbox import StripeSandbox
from tests.devtools.stripe_helpers import checkout_params, make_client

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


async def test_a_rate_limit_is_a_rate_limit_error_and_the_sdk_does_not_retry_it(
    sandbox: StripeSandbox,
) -> None:
    sdk, http = make_client(sandbox, retries=2)
    sandbox.fail_next("/v1/checkout/sessions", 429)
    with pytest.raises(stripe.RateLimitError) as limited:
        await sdk.v1.checkout.sessions.create_async(checkout_params())
    await http.close_async()
    assert limited.value.http_status == 429
    assert [r.fault for r in sandbox.requests] == ["429"]
    assert sandbox.objects["checkout.session"] == {}


async def test_a_server_error_without_retries_is_an_api_error(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    sandbox.fail_next("/v1/checkout/sessions", 500)
    with pytest.raises(stripe.APIError) as failed:
        await client.v1.checkout.sessions.create_async(checkout_params())
    assert failed.value.http_status == 500
    assert sandbox.objects["checkout.session"] == {}
    # Only the next request was armed: the one after succeeds.
    assert (await client.v1.checkout.sessions.create_async(checkout_params())).status == "open"


async def test_a_server_error_is_retried_by_the_sdk_with_the_same_idempotency_key(
    sandbox: StripeSandbox,
) -> None:
    sdk, http = make_client(sandbox, retries=1)
    sandbox.fail_next("/v1/checkout/sessions", 500)
    session = await sdk.v1.checkout.sessions.create_async(checkout_params())
    await http.close_async()
    assert [(r.status, r.fault) for r in sandbox.requests] == [(500, "500"), (200, None)]
    assert sandbox.requests[0].idempotency_key == sandbox.requests[1].idempotency_key
    assert list(sandbox.objects["checkout.session"]) == [session.id]


async def test_should_retry_false_stops_the_sdk_retrying(sandbox: StripeSandbox) -> None:
    sdk, http = make_client(sandbox, retries=2)
    sandbox.fail_next("/v1/refunds", 503, should_retry=False)
    with pytest.raises(stripe.APIError):
        await sdk.v1.refunds.create_async({"charge": "ch_whatever"})
    await http.close_async()
    assert len(sandbox.requests) == 1


async def test_a_timeout_is_a_connection_error_though_stripe_did_the_work(
    sandbox: StripeSandbox,
) -> None:
    sdk, http = make_client(sandbox, timeout=0.2)
    sandbox.fail_next("/v1/checkout/sessions", "timeout", delay=0.5)
    with pytest.raises(stripe.APIConnectionError):
        await sdk.v1.checkout.sessions.create_async(checkout_params())
    await http.close_async()
    await asyncio.sleep(0.4)
    assert len(sandbox.objects["checkout.session"]) == 1


async def test_a_retried_timeout_gets_the_first_answer_replayed(sandbox: StripeSandbox) -> None:
    sdk, http = make_client(sandbox, retries=1, timeout=0.2)
    sandbox.fail_next("/v1/checkout/sessions", "timeout", delay=0.4)
    session = await sdk.v1.checkout.sessions.create_async(checkout_params())
    await http.close_async()
    assert list(sandbox.objects["checkout.session"]) == [session.id]
    assert [r.replayed for r in sandbox.requests] == [False, True]


async def test_faults_can_be_armed_over_http(sandbox: StripeSandbox,
                                             client: stripe.StripeClient) -> None:
    async with aiohttp.ClientSession() as http:
        body = {"path_prefix": "/v1/events", "failure": 500, "count": 2}
        async with http.post(f"{sandbox.url}/_sandbox/faults", json=body) as answer:
            assert answer.status == 200
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            await client.v1.events.list_async()
    assert (await client.v1.events.list_async()).data == []
