"""An advisor's money and payout account: earnings held, ready and paid; Stripe Connect
onboarding and the account's news."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core import outbox
from core.db import UnitOfWork, insert_for
from core.errors import NotFound
from core.models.accounts import Advisor
from core.models.billing import AdvisorPayoutAccount, PayoutState, Purchase, PurchaseStatus
from core.models.outbox import Audience
from core.money import Money
from core.payments.deps import BillingDeps
from core.payments.guarantee import release_times
from core.payments.stripe_parse import Prefetched
from core.texts import billing as t
from core.texts import payouts as pt


@dataclass(frozen=True, slots=True)
class AdvisorEarnings:
    """An advisor's money: held (guarantee window open), waiting for payout set-up, paid."""

    held: Money
    ready: Money
    paid_out: Money
    payouts_enabled: bool


async def advisor_earnings(deps: BillingDeps, advisor_id: int) -> AdvisorEarnings:
    """An advisor's held, ready-to-pay and paid-out money."""
    now = deps.clock.now()
    currency = deps.settings.currency
    held = ready = paid = 0
    async with deps.db.uow() as uow:
        account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
        purchases = await uow.session.scalars(
            select(Purchase)
            .where(Purchase.advisor_id == advisor_id)
            .where(Purchase.status == PurchaseStatus.PAID.value)
            .where(Purchase.currency == currency)
        )
        windows = await release_times(uow, list(purchases), deps.settings)
        for purchase, release_at in windows:
            share = purchase.advisor_share.amount
            if purchase.payout_state == PayoutState.PAID_OUT:
                paid += share
            elif purchase.payout_state in (PayoutState.HELD, PayoutState.IN_PAYOUT):
                if release_at <= now:
                    ready += share
                else:
                    held += share
    return AdvisorEarnings(
        Money(held, currency),
        Money(ready, currency),
        Money(paid, currency),
        bool(account and account.payouts_enabled),
    )


async def _make_account(deps: BillingDeps, advisor_id: int, email: str | None) -> str:
    """Create the advisor's Express account at Stripe and remember it (the first one kept)."""
    made = await deps.gateway.create_connect_account(
        advisor_id=advisor_id, email=email, idempotency_key=f"connect-account-{advisor_id}"
    )
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        await uow.session.execute(
            insert_for(uow)(AdvisorPayoutAccount)
            .values(
                advisor_id=advisor_id,
                stripe_account_id=made.id,
                details_submitted=made.details_submitted,
                payouts_enabled=made.payouts_enabled,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["advisor_id"])
        )
        account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
        assert account is not None
        account_id = account.stripe_account_id
        await uow.commit()
    return account_id


async def start_payout_onboarding(
    deps: BillingDeps,
    advisor_id: int,
    *,
    refresh_url: str,
    return_url: str,
    email: str | None = None,
) -> str:
    """A Stripe onboarding link for the advisor's Express account (made on first use)."""
    async with deps.db.uow() as uow:
        if await uow.session.get(Advisor, advisor_id) is None:
            raise NotFound(t.NO_SUCH_ADVISOR())
        account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
        account_id = account.stripe_account_id if account else None
    if account_id is None:
        account_id = await _make_account(deps, advisor_id, email)
    return await deps.gateway.create_onboarding_link(
        account_id=account_id, refresh_url=refresh_url, return_url=return_url
    )


async def on_account_updated(
    deps: BillingDeps, uow: UnitOfWork, account: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    """A connected account's news: payouts enabled (the advisor told) or not."""
    row = await uow.session.scalar(
        select(AdvisorPayoutAccount)
        .where(AdvisorPayoutAccount.stripe_account_id == str(account.get("id")))
        .with_for_update()
    )
    if row is None:
        return "ignored: unknown account"
    was_enabled = row.payouts_enabled
    row.payouts_enabled = bool(account.get("payouts_enabled"))
    row.details_submitted = bool(account.get("details_submitted"))
    row.updated_at = now
    if row.payouts_enabled and not was_enabled:
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="payouts_enabled",
            advisor_id=row.advisor_id,
            text=outbox.words(pt.PAYOUTS_ENABLED),
            dedupe_key=f"payouts_enabled:{row.stripe_account_id}",
            now=now,
        )
        return "payouts enabled"
    return "account updated"
