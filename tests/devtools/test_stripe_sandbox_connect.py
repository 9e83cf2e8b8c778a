"""Advisor payouts through Stripe Connect: accounts, onboarding, transfers and reversals."""

from __future__ import annotations

import pytest
import stripe

from devtools.stripe_sandbox import StripeSandbox
from tests.devtools.stripe_helpers import Inbox, checkout_params

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


async def _advisor(client: stripe.StripeClient) -> stripe.Account:
    """A new Express account for an advisor."""
    return await client.v1.accounts.create_async({
        "type": "express",
        "country": "US",
        "email": "ada@example.com",
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"advisor_id": "a-1"},
    })


async def test_an_advisor_is_paid_only_after_onboarding(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    account = await _advisor(client)
    assert account.id.startswith("acct_")
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    link = await client.v1.account_links.create_async({
        "account": account.id, "type": "account_onboarding",
        "refresh_url": "https://pathwise.test/refresh", "return_url": "https://pathwise.test/done",
    })
    assert link.url.startswith(f"{sandbox.url}/connect/onboarding/{account.id}/")
    assert link.expires_at == link.created + 300
    session = await client.v1.checkout.sessions.create_async(checkout_params())
    await sandbox.pay(session.id)
    transfer = {"amount": 4500, "currency": "usd", "destination": account.id,
                "transfer_group": "p-1", "metadata": {"purchase_id": "p-1"}}
    with pytest.raises(stripe.InvalidRequestError) as too_early:
        await client.v1.transfers.create_async(transfer)
    assert too_early.value.code == "insufficient_capabilities_for_transfer"
    await sandbox.complete_onboarding(account.id)
    updated = inbox.of_type("account.updated")[0]
    assert updated.data.object.payouts_enabled is True
    assert updated.data.previous_attributes.payouts_enabled is False
    onboarded = await client.v1.accounts.retrieve_async(account.id)
    assert (onboarded.charges_enabled, onboarded.payouts_enabled,
            onboarded.details_submitted) == (True, True, True)
    made = await client.v1.transfers.create_async(transfer)
    assert (made.amount, made.destination, made.transfer_group) == (4500, account.id, "p-1")
    assert (await client.v1.transfers.retrieve_async(made.id)).metadata["purchase_id"] == "p-1"
    assert sandbox.balance["usd"] == 349


async def test_a_transfer_needs_the_funds(
    sandbox: StripeSandbox, client: stripe.StripeClient
) -> None:
    account = await _advisor(client)
    await sandbox.complete_onboarding(account.id)
    with pytest.raises(stripe.InvalidRequestError) as poor:
        await client.v1.transfers.create_async(
            {"amount": 100, "currency": "usd", "destination": account.id})
    assert poor.value.code == "balance_insufficient"
    with pytest.raises(stripe.InvalidRequestError) as nobody:
        await client.v1.transfers.create_async(
            {"amount": 100, "currency": "usd", "destination": "acct_1nobody"})
    assert (nobody.value.code, nobody.value.param) == ("resource_missing", "destination")


async def test_a_transfer_can_be_reversed_but_never_beyond_its_amount(
    sandbox: StripeSandbox, client: stripe.StripeClient, inbox: Inbox
) -> None:
    account = await _advisor(client)
    await sandbox.complete_onboarding(account.id)
    sandbox.add_balance(5000)
    made = await client.v1.transfers.create_async(
        {"amount": 4500, "currency": "usd", "destination": account.id})
    reversal = await client.v1.transfers.reversals.create_async(made.id, {"amount": 4000})
    assert (reversal.object, reversal.amount, reversal.transfer) == ("transfer_reversal", 4000,
                                                                     made.id)
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await client.v1.transfers.reversals.create_async(made.id, {"amount": 501})
    assert too_much.value.code == "amount_too_large"
    await client.v1.transfers.reversals.create_async(made.id)
    after = await client.v1.transfers.retrieve_async(made.id)
    assert (after.amount_reversed, after.reversed) == (4500, True)
    listed = await client.v1.transfers.reversals.list_async(made.id)
    assert [r.amount for r in listed.data] == [500, 4000]
    assert sandbox.balance["usd"] == 5000
    await sandbox.flush()
    assert inbox.types == ["account.updated", "transfer.created", "transfer.reversed",
                           "transfer.reversed"]
