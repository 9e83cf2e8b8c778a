"""Builders of Stripe objects: each starts from Stripe's fixture for its resource and overrides.

Starting from the fixture keeps every object's keys exactly those of Stripe's own; the
overrides replace the fixture's example values with ones consistent with the stand-in's state.
"""

from __future__ import annotations

import random
import string
from typing import Any

from devtools.stripe_sandbox.fixtures import fixture

Obj = dict[str, Any]

_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """Stripe-looking ids (``pi_3Q...``), reproducible when given a seed."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)

    def token(self, length: int) -> str:
        """Random letters and digits."""
        return "".join(self._rng.choices(_ALPHABET, k=length))

    def new(self, prefix: str, length: int = 24) -> str:
        """A fresh id such as ``ch_1AbC...``."""
        return f"{prefix}_1{self.token(length - 1)}"


def list_object(url: str, data: list[Obj], has_more: bool = False) -> Obj:
    """Stripe's list envelope."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _managed_payments() -> Obj:
    """Managed payments are never on in the stand-in."""
    return {"enabled": False}


def checkout_session(
    *,
    session_id: str,
    created: int,
    expires_at: int,
    url: str,
    params: Obj,
    amount_subtotal: int,
    currency: str,
) -> Obj:
    """An open, unpaid Checkout Session in payment mode."""
    obj = fixture("checkout.session")
    obj.update(
        id=session_id,
        created=created,
        expires_at=expires_at,
        url=url,
        livemode=False,
        mode=params.get("mode", "payment"),
        status="open",
        payment_status="unpaid",
        payment_intent=None,
        amount_subtotal=amount_subtotal,
        amount_total=amount_subtotal,
        currency=currency,
        metadata=dict(params.get("metadata") or {}),
        client_reference_id=params.get("client_reference_id"),
        customer=params.get("customer"),
        customer_email=params.get("customer_email"),
        customer_details=None,
        customer_creation=params.get("customer_creation", "if_required"),
        success_url=params.get("success_url"),
        cancel_url=params.get("cancel_url"),
        locale=params.get("locale"),
        submit_type=params.get("submit_type"),
        billing_address_collection=params.get("billing_address_collection"),
        allow_promotion_codes=_flag(params.get("allow_promotion_codes")),
        payment_method_types=list(params.get("payment_method_types") or ["card"]),
        after_expiration=None,
        automatic_tax={"enabled": False, "liability": None, "status": None, "provider": None},
        client_secret=None,
        consent=None,
        consent_collection=None,
        custom_fields=[],
        custom_text={
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        invoice=None,
        invoice_creation={"enabled": False, "invoice_data": _empty_invoice_data()},
        payment_link=None,
        payment_method_collection="if_required",
        payment_method_configuration_details=None,
        payment_method_options={"card": {"request_three_d_secure": "automatic"}},
        phone_number_collection={"enabled": False},
        recovered_from=None,
        saved_payment_method_options=None,
        setup_intent=None,
        shipping_address_collection=None,
        shipping_cost=None,
        shipping_options=[],
        subscription=None,
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        ui_mode=params.get("ui_mode", "hosted"),
        adaptive_pricing={"enabled": False},
        discounts=[],
        collected_information=None,
        permissions=None,
        wallet_options=None,
        origin_context=None,
        currency_conversion=None,
        customer_account=None,
        integration_identifier=None,
        managed_payments=_managed_payments(),
    )
    return obj


def _flag(value: Any) -> bool | None:
    """A form boolean (``"true"``/``"false"``) or None."""
    if value is None:
        return None
    return str(value).lower() == "true"


def _empty_invoice_data() -> Obj:
    """Invoice data of a session that creates no invoice."""
    return {
        "account_tax_ids": None,
        "custom_fields": None,
        "description": None,
        "footer": None,
        "issuer": None,
        "metadata": {},
        "rendering_options": None,
    }


def customer_details(email: str | None) -> Obj:
    """What the hosted page collects from the paying client."""
    obj: Obj = fixture("checkout.session")["customer_details"]
    obj.update(email=email or "client@example.com", name="Jenny Rosen", tax_ids=[])
    obj["address"].update(country="US", postal_code="94103")
    return obj


def line_item(
    ids: IdFactory,
    *,
    created: int,
    price_data: Obj,
    unit_amount: int,
    quantity: int,
) -> Obj:
    """A Checkout line item (resource ``item``) with its ad-hoc price."""
    product = price_data.get("product_data") or {}
    obj = fixture("item")
    price = obj["price"]
    price.update(
        id=ids.new("price"),
        active=False,
        created=created,
        currency=price_data["currency"],
        custom_unit_amount=None,
        livemode=False,
        lookup_key=None,
        metadata={},
        nickname=None,
        product=ids.new("prod", 14),
        recurring=None,
        tax_behavior=price_data.get("tax_behavior", "unspecified"),
        tiers_mode=None,
        transform_quantity=None,
        type="one_time",
        unit_amount=unit_amount,
        unit_amount_decimal=str(unit_amount),
    )
    amount = unit_amount * quantity
    obj.update(
        id=ids.new("li"),
        amount_discount=0,
        amount_subtotal=amount,
        amount_tax=0,
        amount_total=amount,
        currency=price_data["currency"],
        description=product.get("name"),
        quantity=quantity,
        metadata={},
        adjustable_quantity=None,
    )
    return obj


def payment_intent(
    ids: IdFactory,
    *,
    created: int,
    amount: int,
    currency: str,
    data: Obj,
    receipt_email: str | None,
) -> Obj:
    """The PaymentIntent a Checkout Session creates when the client confirms."""
    pi_id = ids.new("pi")
    obj = fixture("payment_intent")
    obj.update(
        id=pi_id,
        created=created,
        amount=amount,
        amount_capturable=0,
        amount_details={"tip": {}},
        amount_received=0,
        automatic_payment_methods=None,
        canceled_at=None,
        cancellation_reason=None,
        capture_method="automatic_async",
        client_secret=f"{pi_id}_secret_{ids.token(25)}",
        currency=currency,
        description=data.get("description"),
        last_payment_error=None,
        latest_charge=None,
        livemode=False,
        metadata=dict(data.get("metadata") or {}),
        next_action=None,
        payment_method=None,
        payment_method_configuration_details=None,
        payment_method_options={"card": {"request_three_d_secure": "automatic"}},
        processing=None,
        receipt_email=receipt_email,
        shipping=None,
        status="requires_payment_method",
        transfer_data=None,
        transfer_group=data.get("transfer_group"),
        managed_payments=_managed_payments(),
    )
    return obj


def card_details(*, amount: int | None, last4: str, fingerprint: str) -> Obj:
    """``payment_method_details`` of a Visa card payment."""
    details: Obj = fixture("charge")["payment_method_details"]
    card = details["card"]
    card.update(
        amount_authorized=amount,
        brand="visa",
        country="US",
        exp_month=12,
        exp_year=2034,
        fingerprint=fingerprint,
        funding="credit",
        installments=None,
        last4=last4,
        network="visa",
        overcapture={"maximum_amount_capturable": amount or 0, "status": "unavailable"},
        three_d_secure=None,
        wallet=None,
        regulated_status="unregulated",
    )
    return details


def bank_details(*, fingerprint: str, payment_method: str) -> Obj:
    """``payment_method_details`` of a US bank debit, a payment that settles later."""
    bank = {
        "account_holder_type": "individual",
        "account_type": "checking",
        "bank_name": "STRIPE TEST BANK",
        "fingerprint": fingerprint,
        "last4": "6789",
        "mandate": f"mandate_{payment_method[3:]}",
        "payment_reference": None,
        "routing_number": "110000000",
    }
    return {"type": "us_bank_account", "us_bank_account": bank}


def charge(
    ids: IdFactory,
    *,
    created: int,
    intent: Obj,
    amount: int,
    method: Obj,
    payment_method: str,
    outcome: str,
    email: str | None,
) -> Obj:
    """A charge in state ``outcome``: "succeeded", "failed" or "pending"."""
    charge_id = ids.new("ch")
    obj = fixture("charge")
    obj["billing_details"].update(email=email, name="Jenny Rosen")
    obj["billing_details"]["address"].update(country="US", postal_code="94103")
    obj.update(
        id=charge_id,
        created=created,
        amount=amount,
        amount_captured=amount if outcome == "succeeded" else 0,
        amount_refunded=0,
        balance_transaction=ids.new("txn") if outcome == "succeeded" else None,
        calculated_statement_descriptor="PATHWISE",
        captured=outcome == "succeeded",
        currency=intent["currency"],
        customer=None,
        description=intent["description"],
        disputed=False,
        failure_code="card_declined" if outcome == "failed" else None,
        failure_message="Your card was declined." if outcome == "failed" else None,
        fraud_details={},
        livemode=False,
        metadata=dict(intent["metadata"]),
        outcome=_outcome(outcome),
        paid=outcome == "succeeded",
        payment_intent=intent["id"],
        payment_method=payment_method,
        payment_method_details=method,
        receipt_email=intent["receipt_email"],
        receipt_url=f"https://pay.stripe.com/receipts/payment/{ids.token(40)}",
        refunded=False,
        shipping=None,
        source=None,
        status=outcome,
        transfer_data=None,
        transfer_group=intent["transfer_group"],
    )
    obj.pop("refunds", None)  # not in the pinned API version's default shape
    return obj


def _outcome(outcome: str) -> Obj:
    """The charge's ``outcome`` hash for a success, a decline or a pending debit."""
    obj: Obj = fixture("charge")["outcome"]
    if outcome == "failed":
        obj.update(
            network_status="declined_by_network",
            reason="generic_decline",
            seller_message="The bank did not return any further details with this decline.",
            type="issuer_declined",
        )
    else:
        obj.update(
            network_status="approved_by_network",
            reason=None,
            seller_message="Payment complete.",
            type="authorized",
        )
    return obj


def decline_error(charge_id: str, payment_method: str) -> Obj:
    """``last_payment_error`` of a PaymentIntent whose card was declined."""
    return {
        "charge": charge_id,
        "code": "card_declined",
        "decline_code": "generic_decline",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card was declined.",
        "payment_method": {"id": payment_method, "object": "payment_method", "type": "card"},
        "type": "card_error",
    }


def refund(
    ids: IdFactory, *, created: int, paid: Obj, amount: int, params: Obj,
    status: str = "succeeded",
) -> Obj:
    """A refund of ``amount`` from the charge ``paid``, ``succeeded`` or ``pending``."""
    obj = fixture("refund")
    if paid["payment_method_details"]["type"] == "card":
        destination = {"card": {"type": "refund"}, "type": "card"}
    else:
        destination = {"type": "us_bank_transfer", "us_bank_transfer": {"reference": None}}
    obj.update(
        id=ids.new("re"),
        created=created,
        amount=amount,
        balance_transaction=ids.new("txn"),
        charge=paid["id"],
        currency=paid["currency"],
        destination_details=destination,
        metadata=dict(params.get("metadata") or {}),
        payment_intent=paid["payment_intent"],
        reason=params.get("reason"),
        status=status,
        payment_method=paid["payment_method"],
    )
    return obj


def dispute(ids: IdFactory, *, created: int, disputed: Obj, amount: int, reason: str) -> Obj:
    """A dispute opened by the cardholder's bank, awaiting the platform's evidence."""
    obj = fixture("dispute")
    obj["payment_method_details"]["card"].update(case_type="chargeback", network_reason_code="10.4")
    obj["evidence_details"].update(due_by=created + 7 * 86400, has_evidence=False)
    obj.update(
        id=ids.new("dp"),
        created=created,
        amount=amount,
        balance_transactions=[],
        charge=disputed["id"],
        currency=disputed["currency"],
        is_charge_refundable=False,
        livemode=False,
        metadata={},
        payment_intent=disputed["payment_intent"],
        reason=reason,
        status="needs_response",
        enhanced_eligibility_types=[],
    )
    return obj


def account(ids: IdFactory, *, created: int, params: Obj) -> Obj:
    """A connected account that has not yet been through onboarding."""
    account_id = ids.new("acct", 16)
    country = str(params.get("country", "US")).upper()
    requested = params.get("capabilities") or {}
    obj = fixture("account")
    profile = obj["business_profile"]
    given = params.get("business_profile") or {}
    profile.update({key: value for key, value in given.items() if key in profile})
    obj.update(
        id=account_id,
        created=created,
        type=params.get("type", "express"),
        country=country,
        email=params.get("email"),
        business_type=params.get("business_type"),
        default_currency=params.get("default_currency", _currency_of(country)),
        capabilities={name: "inactive" for name in requested},
        charges_enabled=False,
        payouts_enabled=False,
        details_submitted=False,
        controller=_controller(str(params.get("type", "express"))),
        metadata=dict(params.get("metadata") or {}),
        external_accounts=list_object(f"/v1/accounts/{account_id}/external_accounts", []),
    )
    return obj


def _currency_of(country: str) -> str:
    """The default settlement currency of a country."""
    euro = {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PT"}
    known = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "CH": "chf", "JP": "jpy"}
    return "eur" if country in euro else known.get(country, "usd")


def _controller(kind: str) -> Obj:
    """Who controls a connected account of type ``kind``."""
    if kind == "standard":
        return {"type": "account"}
    return {
        "type": "application",
        "is_controller": True,
        "fees": {"payer": "application"},
        "losses": {"payments": "application"},
        "requirement_collection": "stripe",
        "stripe_dashboard": {"type": kind if kind in {"express", "full"} else "none"},
    }


def requirements_met() -> Obj:
    """The ``requirements`` hash of an account with nothing due."""
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def account_link(*, created: int, url: str) -> Obj:
    """An onboarding link, valid for five minutes."""
    obj = fixture("account_link")
    obj.update(created=created, expires_at=created + 300, url=url)
    return obj


def transfer(ids: IdFactory, *, created: int, params: Obj, amount: int) -> Obj:
    """A transfer from the platform's balance to a connected account."""
    transfer_id = ids.new("tr")
    obj = fixture("transfer")
    obj.update(
        id=transfer_id,
        created=created,
        amount=amount,
        amount_reversed=0,
        balance_transaction=ids.new("txn"),
        currency=str(params["currency"]).lower(),
        description=params.get("description"),
        destination=params["destination"],
        destination_payment=f"py_{ids.token(24)}",
        livemode=False,
        metadata=dict(params.get("metadata") or {}),
        reversals=list_object(f"/v1/transfers/{transfer_id}/reversals", []),
        reversed=False,
        source_transaction=params.get("source_transaction"),
        source_type="card",
        transfer_group=params.get("transfer_group"),
    )
    return obj


def transfer_reversal(
    ids: IdFactory, *, created: int, reversed_transfer: Obj, amount: int, params: Obj
) -> Obj:
    """A (partial) reversal of a transfer back to the platform."""
    obj = fixture("transfer_reversal")
    obj.update(
        id=ids.new("trr"),
        created=created,
        amount=amount,
        balance_transaction=ids.new("txn"),
        currency=reversed_transfer["currency"],
        destination_payment_refund=f"pyr_{ids.token(24)}",
        metadata=dict(params.get("metadata") or {}),
        source_refund=None,
        transfer=reversed_transfer["id"],
    )
    return obj


def event(
    ids: IdFactory,
    *,
    created: int,
    api_version: str,
    type: str,
    data_object: Obj,
    previous_attributes: Obj | None,
    request: Obj,
    pending_webhooks: int,
) -> Obj:
    """An event: a snapshot of ``data_object`` at the moment something happened."""
    obj = fixture("event")
    data: Obj = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    obj.update(
        id=ids.new("evt"),
        api_version=api_version,
        created=created,
        data=data,
        livemode=False,
        pending_webhooks=pending_webhooks,
        request=request,
        type=type,
    )
    return obj
