"""Fee rules, quotes, checkout and tips: the upfront price and the Pay button's promises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import i18n, ledger
from core.billing import (
    AlreadyPaid,
    Billing,
    HoldExpired,
    InvalidTip,
    LineKind,
    NotYourBooking,
    TipNotAllowed,
    advisor_share,
    commission_on,
    parse_tip,
    quote_service,
    quote_tip,
    tip_presets,
)
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.ledger import Account
from core.models import Booking
from core.models.billing import LedgerEntry, LedgerTransaction, Purchase, PurchaseKind, Receipt
from core.models.scheduling import SlotClaim
from core.money import Money
from core.payments.gateway import PaymentsUnavailable
from core.texts import billing as billing_texts
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    billing_settings,
    checkout_of,
    make_billing,
    new_booking,
    outbox_rows,
    pay,
    receipt_text,
)

USD = "USD"


def _settings(**overrides: object) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


# -- fee rules and quotes ---------------------------------------------------------------------


def test_a_quote_itemizes_the_service_and_the_non_refundable_fee() -> None:
    quote = quote_service(
        offer_name="60-minute live session",
        advisor_name="Ana Ruiz",
        price=Money(6000, USD),
        settings=_settings(),
        detail="Tue 24 Nov 2026, 10:00 (Europe/Madrid)",
    )

    assert [
        (line.kind, line.label, line.amount.amount, line.refundable) for line in quote.lines
    ] == [
        (LineKind.SERVICE, "60-minute live session with Ana Ruiz", 6000, True),
        (LineKind.FEE, "Handling fee (non-refundable)", 349, False),
    ]
    assert quote.total == Money(6349, USD)
    assert quote.describe() == (
        "60-minute live session with Ana Ruiz — Tue 24 Nov 2026, 10:00 (Europe/Madrid): $60.00\n"
        "Handling fee (non-refundable): $3.49\n"
        "Total: $63.49"
    )


def test_the_fee_and_currency_are_settings() -> None:
    quote = quote_service(
        offer_name="30-minute live session",
        advisor_name="Li",
        price=Money(2500, "EUR"),
        settings=_settings(currency="EUR", handling_fee_minor=199),
    )
    assert quote.fee == Money(199, "EUR") and quote.total == Money(2699, "EUR")
    free = quote_service(
        offer_name="x",
        advisor_name="y",
        price=Money(100, USD),
        settings=_settings(handling_fee_minor=0),
    )
    assert [line.kind for line in free.lines] == [LineKind.SERVICE]


def test_a_tip_quote_has_only_the_tip_line_and_no_fee() -> None:
    quote = quote_tip(advisor_name="Ana Ruiz", amount=Money(500, USD), settings=_settings())
    assert [(line.kind, line.label) for line in quote.lines] == [(LineKind.TIP, "Tip for Ana Ruiz")]
    assert quote.fee == Money(0, USD) and quote.total == Money(500, USD)


def test_commission_is_taken_from_the_service_price_only() -> None:
    settings = _settings(commission_percent=15)
    service = Money(6000, USD)
    commission = commission_on(service, settings)
    assert commission == Money(900, USD)
    assert advisor_share(service, commission, Money(500, USD)) == Money(5600, USD)
    assert commission_on(Money(333, USD), settings) == Money(50, USD)  # 49.95 rounds half up


def test_tip_presets_come_from_settings() -> None:
    assert tip_presets(_settings()) == [Money(300, USD), Money(500, USD), Money(1000, USD)]
    # A preset outside the allowed range is not offered.
    assert tip_presets(_settings(tip_presets_minor=[50, 500], tip_min_minor=100)) == [
        Money(500, USD)
    ]


@pytest.mark.parametrize(
    ("text", "minor"), [("5", 500), ("7.50", 750), ("$10", 1000), (" 12,5 ", 1250), ("1", 100)]
)
def test_a_typed_tip_is_read_as_money(text: str, minor: int) -> None:
    assert parse_tip(text, _settings()) == Money(minor, USD)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Please send a number, like 5."),
        ("", "Please send a number, like 5."),
        ("5.555", "Please send whole units or cents, like 5 or 7.50."),
        ("NaN", "Please send a number, like 5."),
        ("0.50", "The smallest tip is $1.00. Please send $1.00 or more."),
        ("-5", "The smallest tip is $1.00. Please send $1.00 or more."),
        ("500.01", "The largest tip is $500.00. Please send $500.00 or less."),
        ("1000000", "The largest tip is $500.00. Please send $500.00 or less."),
    ],
    ids=["letters", "empty", "too-precise", "nan", "below", "negative", "above", "far-above"],
)
def test_a_bad_tip_gets_a_clear_answer(text: str, message: str) -> None:
    with pytest.raises(InvalidTip) as caught:
        parse_tip(text, _settings())
    assert str(caught.value) == message


# -- checkout ---------------------------------------------------------------------------------


async def _booking_held_for(db: Database, world: World, clock: ManualClock, hold: timedelta) -> int:
    """Another booking of the world's client, the day after tomorrow, held for ``hold``."""
    now = clock.now()
    return await new_booking(db, world, now, starts_at=now + timedelta(days=2), hold=hold)


async def test_checkout_has_one_line_per_quote_line_metadata_urls_and_a_key(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    [request] = gateway.checkout_requests.values()
    assert [(line.name, line.amount) for line in request.lines] == [
        ("60-minute live session with Ana Ruiz", Money(6000, USD)),
        (billing_texts.FEE_LINE(), Money(349, USD)),
    ]
    assert request.lines[0].description is not None  # the session's date and time
    assert request.metadata == {
        "purchase_id": str(checkout.purchase_id),
        "purchase_kind": "booking",
        "booking_id": str(world.booking_id),
    }
    assert request.client_reference_id == f"purchase-{checkout.purchase_id}"
    assert request.success_url == f"https://t.me/PathwiseBot?start=paid_{checkout.purchase_id}"
    assert request.cancel_url == f"https://t.me/PathwiseBot?start=unpaid_{checkout.purchase_id}"
    assert request.transfer_group == f"booking_{world.booking_id}"
    purchase = await checkout_of(db, checkout.purchase_id)
    assert request.idempotency_key == f"checkout-{purchase.idempotency_key}-1"
    assert checkout.url.startswith("https://checkout.stripe.test/pay/cs_fake_")
    assert checkout.quote.total == Money(6349, USD)


async def test_checkout_lives_at_least_as_long_as_stripe_requires_and_the_hold_follows(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    now = clock.now()

    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    # The hold was 30 minutes; Stripe wants 30 minutes at least from creation (plus slack).
    assert checkout.expires_at == now + timedelta(minutes=35)
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, world.booking_id)
        assert booking is not None and booking.hold_expires_at == checkout.expires_at


async def test_the_hold_extension_moves_the_slot_claims_too(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    start = clock.now() + timedelta(days=1)
    async with db.uow() as uow:
        uow.session.add(
            SlotClaim(
                advisor_id=world.advisor_id,
                slot_start=start,
                booking_id=world.booking_id,
                expires_at=clock.now() + timedelta(minutes=30),
            )
        )
        await uow.commit()

    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    async with db.uow() as uow:
        claims = list(await uow.session.scalars(select(SlotClaim.expires_at)))
    assert claims == [checkout.expires_at]


async def test_a_longer_hold_sets_the_checkout_expiry(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    booking_id = await _booking_held_for(db, world, clock, timedelta(hours=2))
    checkout = await billing.start_checkout(booking_id, world.client_id)
    assert checkout.expires_at == clock.now() + timedelta(hours=2)


async def test_pressing_pay_twice_returns_the_same_open_checkout(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    first = await billing.start_checkout(world.booking_id, world.client_id)
    clock.advance(timedelta(minutes=5))
    second = await billing.start_checkout(world.booking_id, world.client_id)

    assert second.url == first.url and second.purchase_id == first.purchase_id
    assert second.reused and not first.reused
    assert [call for call in gateway.calls if call[0] == "create_checkout"] == [
        ("create_checkout", gateway.calls[0][1])
    ]
    async with db.uow() as uow:
        assert len(list(await uow.session.scalars(select(Purchase)))) == 1


@pytest.mark.parametrize("failures", [1, 2], ids=["once", "twice"])
async def test_when_stripe_is_busy_the_client_is_asked_to_retry_and_the_key_is_kept(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    failures: int,
) -> None:
    gateway.fail_next("create_checkout", *[PaymentsUnavailable() for _ in range(failures)])

    for _ in range(failures):
        with pytest.raises(PaymentsUnavailable, match="try again in a moment"):
            await billing.start_checkout(world.booking_id, world.client_id)
    clock.advance(timedelta(seconds=20))
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    keys = [key for method, key in gateway.calls if method == "create_checkout"]
    assert len(keys) == failures + 1 and len(set(keys)) == 1  # the same idempotency key
    assert len(gateway.checkouts) == 1
    assert (await checkout_of(db, checkout.purchase_id)).checkout_session_id is not None


async def test_a_retry_long_after_a_failure_starts_a_fresh_attempt(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    booking_id = await _booking_held_for(db, world, clock, timedelta(hours=1))
    gateway.fail_next("create_checkout", PaymentsUnavailable())
    with pytest.raises(PaymentsUnavailable):
        await billing.start_checkout(booking_id, world.client_id)
    # 45 minutes on, the first attempt's expiry is too close for Stripe: a new key, new expiry.
    clock.advance(timedelta(minutes=45))
    checkout = await billing.start_checkout(booking_id, world.client_id)

    keys = [key for method, key in gateway.calls if method == "create_checkout"]
    assert keys[0].endswith("-1") and keys[1].endswith("-2")
    assert checkout.expires_at == clock.now() + timedelta(minutes=35)


async def test_checkout_refusals(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    with pytest.raises(NotYourBooking):
        await billing.start_checkout(world.booking_id, world.other_client_id)
    with pytest.raises(NotYourBooking):
        await billing.start_checkout(987654, world.client_id)

    checkout = await billing.start_checkout(world.booking_id, world.client_id)
    await pay(billing, db, checkout.purchase_id)
    with pytest.raises(AlreadyPaid):
        await billing.start_checkout(world.booking_id, world.client_id)

    lapsed = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=4))
    clock.advance(timedelta(minutes=31))
    with pytest.raises(HoldExpired, match="Your hold on this time ran out"):
        await billing.start_checkout(lapsed, world.client_id)


async def test_checkout_refusals_speak_the_language_they_are_raised_in(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    checkout = await billing.start_checkout(world.booking_id, world.client_id)
    await pay(billing, db, checkout.purchase_id)
    lapsed = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=4))
    clock.advance(timedelta(minutes=31))
    with i18n.speaking("es"):
        with pytest.raises(AlreadyPaid) as paid:
            await billing.start_checkout(world.booking_id, world.client_id)
        with pytest.raises(HoldExpired) as expired:
            await billing.start_checkout(lapsed, world.client_id)
        busy = PaymentsUnavailable()
    assert str(paid.value) == "Esta reserva ya está pagada. Encontrarás tu recibo en este chat."
    assert str(expired.value).startswith("Este horario ya no está reservado para ti")
    assert str(busy).startswith("El sistema de pagos está ocupado en este momento.")
    # and in English the same errors speak English
    with pytest.raises(AlreadyPaid, match="This booking is already paid"):
        await billing.start_checkout(world.booking_id, world.client_id)


async def test_configured_return_urls_name_the_purchase(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    settings = billing_settings(
        database_url,
        checkout_success_url="https://pathwise.test/paid/{purchase_id}",
        checkout_cancel_url="https://pathwise.test/cancelled",
    )
    billing, gateway = make_billing(db, settings, clock)
    checkout = await billing.start_checkout(world.booking_id, world.client_id)
    [request] = gateway.checkout_requests.values()
    assert request.success_url == f"https://pathwise.test/paid/{checkout.purchase_id}"
    assert request.cancel_url == "https://pathwise.test/cancelled"


async def test_the_link_back_to_the_bot_is_a_setting(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    settings = billing_settings(database_url, bot_link="https://bots.pathwise.test/start")
    billing, gateway = make_billing(db, settings, clock)
    checkout = await billing.start_checkout(world.booking_id, world.client_id)
    [request] = gateway.checkout_requests.values()
    paid = f"https://bots.pathwise.test/start?start=paid_{checkout.purchase_id}"
    assert request.success_url == paid
    assert billing_settings(database_url).bot_url == "https://t.me/PathwiseBot"


# -- tips -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("paid_purchase")
async def test_a_tip_is_its_own_checkout_with_no_fee_and_all_of_it_goes_to_the_advisor(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    tip = await billing.start_tip_checkout(
        world.booking_id, world.client_id, parse_tip("5", billing.settings)
    )
    again = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(500, USD))
    assert again.url == tip.url and again.reused

    request = gateway.checkout_requests[
        (await checkout_of(db, tip.purchase_id)).checkout_session_id or ""
    ]
    assert [(line.name, line.amount) for line in request.lines] == [
        ("Tip for Ana Ruiz", Money(500, USD))
    ]
    assert request.metadata["purchase_kind"] == "tip"

    assert (await pay(billing, db, tip.purchase_id)).message == "paid"
    purchase = await checkout_of(db, tip.purchase_id)
    assert (purchase.kind, purchase.fee_minor, purchase.total_minor) == (PurchaseKind.TIP, 0, 500)
    async with db.uow() as uow:
        legs = list(
            await uow.session.scalars(
                select(LedgerEntry)
                .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                .where(LedgerTransaction.purchase_id == purchase.id)
            )
        )
        receipt = await uow.session.scalar(
            select(Receipt).where(Receipt.purchase_id == purchase.id)
        )
        report = await ledger.check_ledger(uow)
    assert {(leg.account, leg.amount_minor) for leg in legs} == {
        (Account.CASH, 500),
        (Account.ADVISOR_PAYABLE, -500),
    }
    assert receipt is not None
    text = await receipt_text(db, receipt)
    assert "Tip for Ana Ruiz" in text and "$5.00" in text
    assert "Handling fee" not in text
    [thanks] = await outbox_rows(db, kind="tip_thanks")
    assert "goes to Ana Ruiz in full" in thanks.payload["text"]
    advisor_dm = (await outbox_rows(db, audience="advisor"))[-1]
    assert "sent you a tip of $5.00" in advisor_dm.payload["text"]
    assert report.violations == []


async def test_tips_need_a_paid_session_of_ones_own_and_an_amount_in_range(
    db: Database, world: World, billing: Billing
) -> None:
    with pytest.raises(TipNotAllowed):
        await billing.start_tip_checkout(world.booking_id, world.client_id, Money(500, USD))
    booked = await billing.start_checkout(world.booking_id, world.client_id)
    await pay(billing, db, booked.purchase_id)
    with pytest.raises(NotYourBooking):
        await billing.start_tip_checkout(world.booking_id, world.other_client_id, Money(500, USD))
    with pytest.raises(InvalidTip, match=r"smallest tip is \$1\.00"):
        await billing.start_tip_checkout(world.booking_id, world.client_id, Money(99, USD))
    with pytest.raises(InvalidTip, match=r"largest tip is \$500\.00"):
        await billing.start_tip_checkout(world.booking_id, world.client_id, Money(50001, USD))
