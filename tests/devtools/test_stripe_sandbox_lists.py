"""The stand-in's list endpoints page as Stripe's do, so the real SDK's ``auto_paging_iter``
reads every object: ``limit``, ``starting_after``, ``has_more``, ``created[gte]``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import stripe

from core.clock import ManualClock
from devtools.stripe_sandbox import StripeSandbox
from tests.devtools.stripe_helpers import WEBHOOK_SECRET, Inbox, checkout_params, make_client


async def _paid_charges(sandbox: StripeSandbox, client: stripe.StripeClient, n: int) -> list[str]:
    made = []
    for _ in range(n):
        session = await client.v1.checkout.sessions.create_async(checkout_params())  # type: ignore[arg-type]
        await sandbox.pay(session.id)
        intent = sandbox.state.objects["payment_intent"][
            sandbox.state.objects["checkout.session"][session.id]["payment_intent"]
        ]
        made.append(str(intent["latest_charge"]))
    return made


async def test_charges_are_listed_newest_first_one_page_at_a_time() -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = ManualClock(start)
    inbox = Inbox(WEBHOOK_SECRET)
    async with StripeSandbox(
        webhook_secret=WEBHOOK_SECRET, webhook_callback=inbox.receive, clock=clock, seed=5
    ) as sandbox:
        client, http = make_client(sandbox)
        try:
            charges = []
            for _ in range(5):
                charges += await _paid_charges(sandbox, client, 1)
                clock.advance(timedelta(minutes=1))

            first = await client.v1.charges.list_async({"limit": 2})
            assert [c.id for c in first.data] == charges[::-1][:2]
            assert first.has_more is True
            second = await client.v1.charges.list_async(
                {"limit": 2, "starting_after": first.data[-1].id}
            )
            assert [c.id for c in second.data] == charges[::-1][2:4]

            every = [c.id async for c in first.auto_paging_iter()]
            assert every == charges[::-1]

            since = int((start + timedelta(minutes=2)).timestamp())
            recent = await client.v1.charges.list_async({"limit": 1, "created": {"gte": since}})
            assert [c.id async for c in recent.auto_paging_iter()] == charges[::-1][:3]

            last = await client.v1.charges.list_async({"limit": 10})
            assert last.has_more is False and len(last.data) == 5
        finally:
            await http.close_async()


async def test_refunds_disputes_transfers_and_reversals_have_list_endpoints(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    [first, second] = await _paid_charges(sandbox, client, 2)
    refund = await client.v1.refunds.create_async({"charge": first, "amount": 500})
    await sandbox.dispute(second)
    account = await client.v1.accounts.create_async({"type": "express"})
    await sandbox.complete_onboarding(account.id)
    transfer = await client.v1.transfers.create_async(
        {"amount": 1000, "currency": "usd", "destination": account.id}
    )
    reversal = await client.v1.transfers.reversals.create_async(transfer.id, {"amount": 300})

    refunds = await client.v1.refunds.list_async({"limit": 1})
    assert [r.id async for r in refunds.auto_paging_iter()] == [refund.id]
    disputes = await client.v1.disputes.list_async()
    assert [(d.charge, d.status) for d in disputes.data] == [(second, "needs_response")]
    transfers = await client.v1.transfers.list_async()
    assert [(t.id, t.amount, t.amount_reversed) for t in transfers.data] == [
        (transfer.id, 1000, 300)
    ]
    reversals = await client.v1.transfers.reversals.list_async(transfer.id, {"limit": 1})
    assert [(r.id, r.amount) async for r in reversals.auto_paging_iter()] == [
        (reversal.id, 300)
    ]


async def test_a_list_refuses_what_stripe_refuses(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    for params, expected in (
        ({"limit": 101}, "less than or equal to 100"),
        ({"starting_after": "ch_nope"}, "ch_nope"),
        ({"colour": "red"}, "unknown parameter"),
    ):
        try:
            await client.v1.charges.list_async(params)  # type: ignore[arg-type]
        except stripe.InvalidRequestError as error:
            assert expected in str(error.user_message)
        else:
            raise AssertionError(f"{params} was accepted")
