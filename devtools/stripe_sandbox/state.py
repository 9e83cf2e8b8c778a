"""What the stand-in knows: its objects and events, and the rules that change them.

Every change happens through one method here, called either by an API handler (with the
request's id and idempotency key as the event's ``request``) or by a control call that plays
the part of the client on the hosted page, the connected account, or the card network.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devtools.stripe_sandbox import objects
from devtools.stripe_sandbox.errors import SandboxError, StripeApiError, bad_param, missing
from devtools.stripe_sandbox.objects import IdFactory, Obj
from devtools.stripe_sandbox.params import (
    check_known,
    integer,
    metadata,
    one_of,
    positive,
    require,
)
from devtools.stripe_sandbox.webhooks import type_enabled

RESOURCES = (
    "account",
    "account_link",
    "charge",
    "checkout.session",
    "dispute",
    "event",
    "payment_intent",
    "refund",
    "transfer",
    "transfer_reversal",
)

# Longest prefixes first, so "trr_" is not taken for "tr_".
_ID_PREFIXES = (
    ("acct_", "account"),
    ("trr_", "transfer_reversal"),
    ("evt_", "event"),
    ("cs_", "checkout.session"),
    ("pi_", "payment_intent"),
    ("ch_", "charge"),
    ("re_", "refund"),
    ("tr_", "transfer"),
    ("dp_", "dispute"),
)

_SESSION_PARAMS = (
    "mode", "line_items", "metadata", "client_reference_id", "success_url", "cancel_url",
    "expires_at", "customer_email", "customer", "customer_creation", "payment_intent_data",
    "locale", "submit_type", "billing_address_collection", "allow_promotion_codes",
    "payment_method_types", "ui_mode",
)
_INTENT_DATA_PARAMS = ("metadata", "transfer_group", "description", "receipt_email")
_MINIMUM_CHARGE = {"usd": 50, "eur": 50, "cad": 50, "aud": 50, "chf": 50, "gbp": 30}
_MAXIMUM_CHARGE = 99_999_999
_CARD_OUTCOMES = ("success", "declined", "async")


@dataclass
class Origin:
    """What caused a change: an API request, or (no request id) the hosted pages and networks."""

    request_id: str | None = None
    idempotency_key: str | None = None
    events: list[str] = field(default_factory=list)

    def request(self) -> Obj:
        """The event's ``request`` hash."""
        return {"id": self.request_id, "idempotency_key": self.idempotency_key}


def display_amount(amount: int, currency: str) -> str:
    """An amount as Stripe writes it in error messages (``$16.00``)."""
    if currency == "usd":
        return f"${amount // 100}.{amount % 100:02d}"
    return f"{amount // 100}.{amount % 100:02d} {currency.upper()}"


def valid_url(value: Any) -> bool:
    """Whether a URL parameter looks like one Stripe accepts."""
    return isinstance(value, str) and value.startswith(("http://", "https://"))


class StripeState:
    """The stand-in's objects, events, platform balance and the rules that change them."""

    def __init__(
        self,
        *,
        ids: IdFactory,
        clock: Callable[[], int],
        api_version: str,
        endpoint_count: Callable[[str], int],
        enforce_balance: bool = True,
    ) -> None:
        self.ids = ids
        self.now = clock
        self.api_version = api_version
        self.base_url = ""
        self.enforce_balance = enforce_balance
        self._endpoint_count = endpoint_count
        self.objects: dict[str, dict[str, Obj]] = {name: {} for name in RESOURCES}
        self.line_items: dict[str, list[Obj]] = {}
        self.intent_data: dict[str, Obj] = {}
        self.onboarding_links: dict[str, Obj] = {}
        self.balance: dict[str, int] = {}
        # What POST /v1/refunds makes: "succeeded" (cards, at once) or "pending" (settled later
        # by settle_refund, as bank refunds are).
        self.refund_status = "succeeded"

    # -- storage -------------------------------------------------------------------------------

    def store(self, obj: Obj) -> Obj:
        """Keep ``obj`` under its resource and id."""
        self.objects[obj["object"]][obj["id"]] = obj
        return obj

    def find(self, object_id: str) -> Obj | None:
        """Any stored object by id."""
        for prefix, kind in _ID_PREFIXES:
            if object_id.startswith(prefix):
                return self.objects[kind].get(object_id)
        return None

    def get(self, kind: str, object_id: str, param: str | None = None) -> Obj:
        """A stored object of ``kind``, or Stripe's resource_missing error."""
        obj = self.objects[kind].get(object_id)
        if obj is None:
            raise missing(param or kind, object_id, param)
        return obj

    def control_get(self, kind: str, object_id: str) -> Obj:
        """A stored object for a control call, or a SandboxError."""
        obj = self.objects[kind].get(object_id)
        if obj is None:
            raise SandboxError(f"no {kind} {object_id!r} in the sandbox")
        return obj

    def emit(self, origin: Origin, type: str, obj: Obj, previous: Obj | None = None) -> str:
        """Record an event holding a snapshot of ``obj``."""
        event = objects.event(
            self.ids,
            created=self.now(),
            api_version=self.api_version,
            type=type,
            data_object=copy.deepcopy(obj),
            previous_attributes=previous,
            request=origin.request(),
            pending_webhooks=self._endpoint_count(type),
        )
        self.store(event)
        origin.events.append(event["id"])
        return str(event["id"])

    def render(self, obj: Obj, expand: list[str]) -> Obj:
        """A copy of ``obj`` with the ``expand[]`` paths replaced by the objects they name."""
        out = copy.deepcopy(obj)
        for path in expand:
            self._expand(out, path.split("."), path)
        return out

    def _expand(self, node: Obj, parts: list[str], path: str) -> None:
        """Expand one dotted path inside ``node``."""
        key, rest = parts[0], parts[1:]
        if node.get("object") == "list" and key == "data":
            for item in node["data"]:
                if rest:
                    self._expand(item, rest, path)
            return
        if node.get("object") == "checkout.session" and key == "line_items":
            node[key] = self.session_line_items(node["id"])
        elif isinstance(node.get(key), str):
            target = self.find(node[key])
            if target is None:
                raise bad_param("expand", f"This property cannot be expanded ({path}).")
            node[key] = copy.deepcopy(target)
        elif node.get("object") == "charge" and key == "refunds":
            node[key] = self.list_refunds({"charge": node["id"]})
        elif key not in node:
            raise bad_param("expand", f"This property cannot be expanded ({path}).")
        if rest and isinstance(node[key], dict):
            self._expand(node[key], rest, path)

    # -- Checkout ------------------------------------------------------------------------------

    def create_session(self, params: Obj) -> Obj:
        """POST /v1/checkout/sessions."""
        check_known(params, _SESSION_PARAMS)
        if require(params, "mode") != "payment":
            raise bad_param("mode", "The Pathwise Stripe stand-in supports only mode=payment.")
        for name in ("success_url", "cancel_url"):
            if name in params and not valid_url(params[name]):
                raise bad_param(name, "Not a valid URL", "url_invalid")
        email = params.get("customer_email")
        if email is not None and "@" not in str(email):
            raise bad_param("customer_email", f"Invalid email address: {email}", "email_invalid")
        created = self.now()
        expires_at = self._expires_at(params, created)
        intent_data = self._intent_data(params)
        session_id = f"cs_test_a1{self.ids.token(56)}"
        items = self._line_items(params, created)
        currency = str(items[0]["currency"])
        subtotal = sum(int(item["amount_total"]) for item in items)
        self._check_total(subtotal, currency)
        clean = {**params, "metadata": metadata(params)}
        session = objects.checkout_session(
            session_id=session_id,
            created=created,
            expires_at=expires_at,
            url=f"{self.base_url}/pay/{session_id}",
            params=clean,
            amount_subtotal=subtotal,
            currency=currency,
        )
        self.line_items[session_id] = items
        self.intent_data[session_id] = intent_data
        return self.store(session)

    def _expires_at(self, params: Obj, created: int) -> int:
        """``expires_at``: between 30 minutes and 24 hours after creation, as Stripe demands."""
        expires_at = integer(params, "expires_at")
        if expires_at is None:
            return created + 86400
        if expires_at < created + 1800:
            raise bad_param("expires_at", "The `expires_at` timestamp must be at least 30 "
                            "minutes from Checkout Session creation.")
        if expires_at > created + 86400:
            raise bad_param("expires_at", "The `expires_at` timestamp must be less than 24 "
                            "hours from Checkout Session creation.")
        return expires_at

    def _intent_data(self, params: Obj) -> Obj:
        """``payment_intent_data``, kept for the PaymentIntent made when the client pays."""
        data = params.get("payment_intent_data") or {}
        if not isinstance(data, dict):
            raise bad_param("payment_intent_data", "Invalid hash")
        check_known(data, _INTENT_DATA_PARAMS, "payment_intent_data")
        return {**data, "metadata": metadata(data)}

    def _line_items(self, params: Obj, created: int) -> list[Obj]:
        """Validate ``line_items`` and build the session's line items."""
        raw = params.get("line_items")
        if not isinstance(raw, list) or not raw:
            message = "Missing required param: line_items."
            raise bad_param("line_items", message, "parameter_missing")
        items = [self._line_item(index, item, created) for index, item in enumerate(raw)]
        if len({item["currency"] for item in items}) > 1:
            raise bad_param("line_items", "All line items must use the same currency.")
        return items

    def _line_item(self, index: int, item: Any, created: int) -> Obj:
        """One ``line_items[i]`` entry with ``price_data``."""
        label = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise bad_param(label, "Invalid hash")
        check_known(item, ("price_data", "quantity", "price"), label)
        if "price" in item:
            raise bad_param(f"{label}[price]", "The Pathwise Stripe stand-in supports only "
                            "price_data, not saved prices.")
        price_data = require(item, "price_data", f"{label}[price_data]")
        check_known(
            price_data,
            ("currency", "unit_amount", "product_data", "tax_behavior"),
            f"{label}[price_data]",
        )
        currency = require(price_data, "currency", f"{label}[price_data][currency]")
        price_data["currency"] = str(currency).lower()
        product = require(price_data, "product_data", f"{label}[price_data][product_data]")
        check_known(
            product,
            ("name", "description", "images", "metadata", "tax_code", "unit_label"),
            f"{label}[price_data][product_data]",
        )
        require(product, "name", f"{label}[price_data][product_data][name]")
        require(price_data, "unit_amount", f"{label}[price_data][unit_amount]")
        unit_amount = integer(price_data, "unit_amount", f"{label}[price_data][unit_amount]")
        require(item, "quantity", f"{label}[quantity]")
        quantity = positive(item, "quantity", f"{label}[quantity]")
        assert unit_amount is not None and quantity is not None
        return objects.line_item(
            self.ids, created=created, price_data=price_data, unit_amount=unit_amount,
            quantity=quantity,
        )

    def _check_total(self, total: int, currency: str) -> None:
        """Stripe's minimum and maximum charge amounts."""
        minimum = _MINIMUM_CHARGE.get(currency, 1)
        if total < minimum:
            raise StripeApiError(
                400,
                "The Checkout Session's total amount due must add up to at least "
                f"{display_amount(minimum, currency)}",
                code="amount_too_small",
                param="line_items",
            )
        if total > _MAXIMUM_CHARGE:
            raise StripeApiError(400, "Amount must be no more than $999,999.99",
                                 code="amount_too_large", param="line_items")

    def session_line_items(self, session_id: str) -> Obj:
        """The line items of a session, as Stripe lists them."""
        self.get("checkout.session", session_id)
        url = f"/v1/checkout/sessions/{session_id}/line_items"
        return objects.list_object(url, copy.deepcopy(self.line_items[session_id]))

    def expire_session(self, session_id: str, origin: Origin, *, control: bool = False) -> Obj:
        """Expire an open session (API call, or the session's time running out)."""
        getter = self.control_get if control else self.get
        session = getter("checkout.session", session_id)
        if session["status"] != "open":
            if control:
                raise SandboxError(f"session {session_id} is {session['status']}, not open")
            raise StripeApiError(400, "Only Checkout Sessions with a status in [\"open\"] can "
                                 "be expired.", code="checkout_session_not_expirable")
        session["status"] = "expired"
        session["url"] = None
        self.emit(origin, "checkout.session.expired", session)
        return session

    def expire_due(self, origin: Origin) -> None:
        """Expire every open session whose ``expires_at`` has passed."""
        now = self.now()
        for session in list(self.objects["checkout.session"].values()):
            if session["status"] == "open" and session["expires_at"] <= now:
                self.expire_session(session["id"], origin, control=True)

    # -- paying (the hosted page and the card network) -----------------------------------------

    def pay(self, session_id: str, card: str, amount_override: int | None, origin: Origin) -> None:
        """The client pays on the hosted page: the card succeeds, declines, or settles later."""
        if card not in _CARD_OUTCOMES:
            raise ValueError(f"card must be one of {_CARD_OUTCOMES}, not {card!r}")
        session = self.control_get("checkout.session", session_id)
        if session["status"] != "open":
            raise SandboxError(f"session {session_id} is {session['status']}, not open")
        if self.now() >= session["expires_at"]:
            raise SandboxError(f"session {session_id} has passed its expires_at")
        amount = session["amount_total"] if amount_override is None else amount_override
        intent = self._intent_for(session, amount, origin)
        method_id = self.ids.new("pm")
        if card == "declined":
            self._decline(intent, amount, method_id, origin)
            return
        outcome = "succeeded" if card == "success" else "pending"
        charge = self._charge(intent, amount, method_id, outcome)
        intent.update(latest_charge=charge["id"], payment_method=method_id, last_payment_error=None)
        if outcome == "succeeded":
            intent.update(status="succeeded", amount_received=amount)
            self._credit(charge["currency"], amount)
            self.emit(origin, "charge.succeeded", charge)
            self.emit(origin, "payment_intent.succeeded", intent)
        else:
            intent["status"] = "processing"
            self.emit(origin, "charge.pending", charge)
            self.emit(origin, "payment_intent.processing", intent)
        session.update(
            status="complete",
            payment_status="paid" if outcome == "succeeded" else "unpaid",
            amount_total=amount,
            customer_details=objects.customer_details(session["customer_email"]),
            url=None,
        )
        self.emit(origin, "checkout.session.completed", session)

    def _intent_for(self, session: Obj, amount: int, origin: Origin) -> Obj:
        """The session's PaymentIntent, created on the client's first attempt to pay."""
        if session["payment_intent"]:
            intent = self.objects["payment_intent"][session["payment_intent"]]
            intent["amount"] = amount
            return intent
        data = self.intent_data.get(session["id"], {})
        email = data.get("receipt_email")
        intent = objects.payment_intent(
            self.ids, created=self.now(), amount=amount, currency=session["currency"],
            data=data, receipt_email=email,
        )
        self.store(intent)
        session["payment_intent"] = intent["id"]
        self.emit(origin, "payment_intent.created", intent)
        return intent

    def _charge(self, intent: Obj, amount: int, method_id: str, outcome: str) -> Obj:
        """A charge of the client's payment method."""
        fingerprint = self.ids.token(16)
        if outcome == "pending":
            method = objects.bank_details(fingerprint=fingerprint, payment_method=method_id)
        else:
            last4 = "0002" if outcome == "failed" else "4242"
            authorized = amount if outcome == "succeeded" else None
            method = objects.card_details(amount=authorized, last4=last4, fingerprint=fingerprint)
        session = self._session_of(intent["id"])
        charge = objects.charge(
            self.ids, created=self.now(), intent=intent, amount=amount, method=method,
            payment_method=method_id, outcome=outcome,
            email=session["customer_email"] if session else None,
        )
        return self.store(charge)

    def _decline(self, intent: Obj, amount: int, method_id: str, origin: Origin) -> None:
        """The bank declines the card: the session stays open for another try."""
        charge = self._charge(intent, amount, method_id, "failed")
        intent.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            payment_method=None,
            last_payment_error=objects.decline_error(charge["id"], method_id),
        )
        self.emit(origin, "charge.failed", charge)
        self.emit(origin, "payment_intent.payment_failed", intent)

    def _session_of(self, intent_id: str) -> Obj | None:
        """The Checkout Session that made a PaymentIntent."""
        for session in self.objects["checkout.session"].values():
            if session["payment_intent"] == intent_id:
                return session
        return None

    def settle_async(self, session_id: str, succeeded: bool, origin: Origin) -> None:
        """A delayed payment (bank debit) settles or fails."""
        session = self.control_get("checkout.session", session_id)
        intent = self.objects["payment_intent"].get(session["payment_intent"] or "")
        if session["status"] != "complete" or intent is None or intent["status"] != "processing":
            raise SandboxError(f"session {session_id} has no payment waiting to settle")
        charge = self.objects["charge"][intent["latest_charge"]]
        if succeeded:
            charge.update(status="succeeded", paid=True, captured=True,
                          amount_captured=charge["amount"], balance_transaction=self.ids.new("txn"))
            intent.update(status="succeeded", amount_received=intent["amount"])
            session["payment_status"] = "paid"
            self._credit(charge["currency"], charge["amount"])
            self.emit(origin, "charge.succeeded", charge)
            self.emit(origin, "payment_intent.succeeded", intent)
            self.emit(origin, "checkout.session.async_payment_succeeded", session)
            return
        charge.update(status="failed", failure_code="debit_not_authorized",
                      failure_message="The customer's bank could not be debited.")
        intent.update(status="requires_payment_method", last_payment_error={
            "charge": charge["id"], "code": "debit_not_authorized",
            "message": "The customer's bank could not be debited.", "type": "invalid_request_error",
        })
        self.emit(origin, "charge.failed", charge)
        self.emit(origin, "payment_intent.payment_failed", intent)
        self.emit(origin, "checkout.session.async_payment_failed", session)

    def _credit(self, currency: str, amount: int) -> None:
        """Move money into (or, negative, out of) the platform's balance."""
        self.balance[currency] = self.balance.get(currency, 0) + amount

    # -- refunds and disputes ------------------------------------------------------------------

    def create_refund(self, params: Obj, origin: Origin) -> Obj:
        """POST /v1/refunds: refund all or part of what a charge has left."""
        check_known(params, ("amount", "charge", "payment_intent", "metadata", "reason",
                             "instructions_email"))
        paid = self._refundable_charge(params)
        one_of(params, "reason", ("duplicate", "fraudulent", "requested_by_customer"))
        amount_param = positive(params, "amount")
        clean = {**params, "metadata": metadata(params)}
        if paid["disputed"]:
            raise StripeApiError(400, f"Charge {paid['id']} has been charged back; cannot issue "
                                 "a refund.", code="charge_disputed")
        remaining = paid["amount"] - paid["amount_refunded"]
        if remaining <= 0:
            raise StripeApiError(400, f"Charge {paid['id']} has already been refunded.",
                                 code="charge_already_refunded")
        amount = remaining if amount_param is None else amount_param
        if amount > remaining:
            currency = paid["currency"]
            raise StripeApiError(
                400,
                f"Refund amount ({display_amount(amount, currency)}) is greater than unrefunded "
                f"amount on charge ({display_amount(remaining, currency)})",
                code="amount_too_large",
                param="amount",
            )
        refund = self.store(objects.refund(
            self.ids, created=self.now(), paid=paid, amount=amount, params=clean,
            status=self.refund_status))
        previous = {"amount_refunded": paid["amount_refunded"], "refunded": paid["refunded"]}
        paid["amount_refunded"] += amount
        paid["refunded"] = paid["amount_refunded"] >= paid["amount"]
        self._credit(paid["currency"], -amount)
        self.emit(origin, "refund.created", refund)
        self.emit(origin, "charge.refunded", paid, previous)
        return refund

    def list_refunds(self, params: Obj) -> Obj:
        """GET /v1/refunds: newest first, by ``charge`` or ``payment_intent``, paged."""
        check_known(params, ("charge", "payment_intent", "limit", "starting_after",
                             "ending_before", "created"))
        limit = integer(params, "limit", minimum=1) or 10
        if limit > 100:
            raise bad_param("limit", "This value must be less than or equal to 100.")
        found = list(reversed(self.objects["refund"].values()))
        if params.get("charge"):
            found = [r for r in found if r["charge"] == params["charge"]]
        if params.get("payment_intent"):
            found = [r for r in found if r["payment_intent"] == params["payment_intent"]]
        after = params.get("starting_after")
        if after:
            ids = [r["id"] for r in found]
            if after not in ids:
                raise missing("refund", after, "starting_after")
            found = found[ids.index(after) + 1:]
        page = [copy.deepcopy(r) for r in found[:limit]]
        return objects.list_object("/v1/refunds", page, has_more=len(found) > limit)

    def settle_refund(self, refund_id: str, succeeded: bool, origin: Origin) -> None:
        """A pending refund goes through (refund.updated) or fails (refund.failed: the money
        is back in the balance and on the charge)."""
        refund = self.control_get("refund", refund_id)
        if refund["status"] != "pending":
            raise SandboxError(f"refund {refund_id} is not pending")
        paid = self.objects["charge"][refund["charge"]]
        if succeeded:
            refund["status"] = "succeeded"
            self.emit(origin, "refund.updated", refund, {"status": "pending"})
            self.emit(origin, "charge.refund.updated", refund, {"status": "pending"})
            return
        refund["status"] = "failed"
        paid["amount_refunded"] -= refund["amount"]
        paid["refunded"] = paid["amount_refunded"] >= paid["amount"]
        self._credit(paid["currency"], refund["amount"])
        self.emit(origin, "refund.failed", refund, {"status": "pending"})
        self.emit(origin, "charge.refund.updated", refund, {"status": "pending"})

    def _refundable_charge(self, params: Obj) -> Obj:
        """The charge a refund request names, directly or through its PaymentIntent."""
        charge_id, intent_id = params.get("charge"), params.get("payment_intent")
        if not charge_id and not intent_id:
            raise bad_param("charge", "One of the following params should be provided for this "
                            "request: payment_intent or charge.", "parameter_missing")
        if intent_id:
            intent = self.get("payment_intent", intent_id, "payment_intent")
            latest = intent["latest_charge"]
            if intent["status"] != "succeeded" or not latest:
                raise StripeApiError(400, f"This PaymentIntent ({intent_id}) does not have a "
                                     "successful charge to refund.", code="charge_not_refundable")
            if charge_id and charge_id != latest:
                raise bad_param("charge", f"Charge {charge_id} does not belong to {intent_id}.")
            charge_id = latest
        paid = self.get("charge", str(charge_id), "charge")
        if paid["status"] != "succeeded":
            raise StripeApiError(400, f"Charge {charge_id} has not succeeded and cannot be "
                                 "refunded.", code="charge_not_refundable")
        return paid

    def open_dispute(self, charge_id: str, amount: int | None, reason: str, origin: Origin) -> Obj:
        """The cardholder's bank opens a dispute: the money leaves the platform's balance."""
        disputed = self.control_get("charge", charge_id)
        if disputed["status"] != "succeeded" or disputed["disputed"]:
            raise SandboxError(f"charge {charge_id} cannot be disputed")
        amount = disputed["amount"] - disputed["amount_refunded"] if amount is None else amount
        dispute = self.store(objects.dispute(
            self.ids, created=self.now(), disputed=disputed, amount=amount, reason=reason))
        disputed["disputed"] = True
        self._credit(disputed["currency"], -amount)
        self.emit(origin, "charge.dispute.created", dispute)
        dispute["balance_transactions"] = [{"id": self.ids.new("txn"), "amount": -amount}]
        self.emit(origin, "charge.dispute.funds_withdrawn", dispute)
        return dispute

    def close_dispute(self, dispute_id: str, won: bool, origin: Origin) -> Obj:
        """The card network decides: won gives the money back (funds_reinstated), lost
        keeps it with the cardholder; either way charge.dispute.closed."""
        dispute = self.control_get("dispute", dispute_id)
        if dispute["status"] in ("won", "lost"):
            raise SandboxError(f"dispute {dispute_id} is already closed")
        previous = {"status": dispute["status"]}
        dispute["status"] = "won" if won else "lost"
        if won:
            self._credit(dispute["currency"], dispute["amount"])
            dispute["balance_transactions"].append(
                {"id": self.ids.new("txn"), "amount": dispute["amount"]})
            self.emit(origin, "charge.dispute.funds_reinstated", dispute)
        self.emit(origin, "charge.dispute.closed", dispute, previous)
        return dispute

    # -- Connect -------------------------------------------------------------------------------

    def create_account(self, params: Obj) -> Obj:
        """POST /v1/accounts: a connected account waiting for onboarding."""
        check_known(params, ("type", "country", "email", "capabilities", "metadata",
                             "business_type", "business_profile", "default_currency"))
        one_of(params, "type", ("express", "standard", "custom"))
        email = params.get("email")
        if email is not None and "@" not in str(email):
            raise bad_param("email", f"Invalid email address: {email}", "email_invalid")
        capabilities = params.get("capabilities") or {}
        if not isinstance(capabilities, dict):
            raise bad_param("capabilities", "Invalid hash")
        clean = {**params, "metadata": metadata(params)}
        return self.store(objects.account(self.ids, created=self.now(), params=clean))

    def create_account_link(self, params: Obj) -> Obj:
        """POST /v1/account_links: a one-time onboarding URL on the stand-in."""
        check_known(params, ("account", "refresh_url", "return_url", "type", "collect",
                             "collection_options"))
        account_id = require(params, "account")
        self.get("account", account_id, "account")
        require(params, "type")
        one_of(params, "type", ("account_onboarding", "account_update"))
        for name in ("refresh_url", "return_url"):
            if not valid_url(require(params, name)):
                raise bad_param(name, "Not a valid URL", "url_invalid")
        token = self.ids.token(12)
        link = objects.account_link(
            created=self.now(), url=f"{self.base_url}/connect/onboarding/{account_id}/{token}")
        self.objects["account_link"][token] = link
        self.onboarding_links[token] = {**params, "link": link}
        return link

    def complete_onboarding(self, account_id: str, origin: Origin) -> None:
        """The advisor finishes onboarding: charges and payouts become enabled."""
        acct = self.control_get("account", account_id)
        if acct["details_submitted"] and acct["payouts_enabled"]:
            return
        previous = {key: copy.deepcopy(acct[key]) for key in (
            "capabilities", "charges_enabled", "details_submitted", "payouts_enabled",
            "requirements", "future_requirements")}
        names = list(acct["capabilities"]) or ["card_payments", "transfers"]
        acct.update(
            capabilities={name: "active" for name in names},
            charges_enabled=True,
            details_submitted=True,
            payouts_enabled=True,
            requirements=objects.requirements_met(),
            future_requirements=objects.requirements_met(),
        )
        acct["tos_acceptance"].update(date=self.now(), ip="127.0.0.1")
        self.emit(origin, "account.updated", acct, previous)

    def create_transfer(self, params: Obj, origin: Origin) -> Obj:
        """POST /v1/transfers: move money from the platform to an onboarded account."""
        check_known(params, ("amount", "currency", "destination", "transfer_group", "metadata",
                             "description", "source_transaction"))
        require(params, "amount")
        amount = positive(params, "amount")
        assert amount is not None
        currency = str(require(params, "currency")).lower()
        destination = self.get("account", require(params, "destination"), "destination")
        if destination["capabilities"].get("transfers") != "active":
            raise StripeApiError(
                400,
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        self._check_funds(params, amount, currency)
        clean = {**params, "currency": currency, "metadata": metadata(params)}
        made = self.store(objects.transfer(self.ids, created=self.now(), params=clean,
                                           amount=amount))
        self._credit(currency, -amount)
        self.emit(origin, "transfer.created", made)
        return made

    def _check_funds(self, params: Obj, amount: int, currency: str) -> None:
        """A transfer needs the funds: from its source charge, or from the balance."""
        source_id = params.get("source_transaction")
        if source_id:
            source = self.get("charge", source_id, "source_transaction")
            sent = sum(t["amount"] - t["amount_reversed"]
                       for t in self.objects["transfer"].values()
                       if t["source_transaction"] == source_id)
            left = source["amount"] - source["amount_refunded"] - sent
            if source["status"] != "succeeded" or amount > left:
                raise StripeApiError(400, "The transfer amount exceeds what remains of the "
                                     f"source transaction {source_id}.", code="amount_too_large",
                                     param="amount")
            return
        if self.enforce_balance and amount > self.balance.get(currency, 0):
            raise StripeApiError(
                400,
                "You have insufficient available funds in your Stripe account. Try adding "
                "funds directly to your available balance by creating Charges using the "
                "4000000000000077 test card.",
                code="balance_insufficient",
            )

    def create_reversal(self, transfer_id: str, params: Obj, origin: Origin) -> Obj:
        """POST /v1/transfers/{id}/reversals: take all or part of a transfer back."""
        check_known(params, ("amount", "metadata", "description"))
        made = self.get("transfer", transfer_id)
        remaining = made["amount"] - made["amount_reversed"]
        amount_param = positive(params, "amount")
        if remaining <= 0:
            raise StripeApiError(400, f"Transfer {transfer_id} has already been fully reversed.",
                                 code="transfer_already_reversed")
        amount = remaining if amount_param is None else amount_param
        if amount > remaining:
            raise StripeApiError(400, "The amount you are reversing is greater than the "
                                 "remaining amount of the transfer.", code="amount_too_large",
                                 param="amount")
        clean = {**params, "metadata": metadata(params)}
        reversal = self.store(objects.transfer_reversal(
            self.ids, created=self.now(), reversed_transfer=made, amount=amount, params=clean))
        previous = {"amount_reversed": made["amount_reversed"], "reversed": made["reversed"]}
        made["amount_reversed"] += amount
        made["reversed"] = made["amount_reversed"] >= made["amount"]
        made["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        self._credit(made["currency"], amount)
        self.emit(origin, "transfer.reversed", made, previous)
        return reversal

    def list_reversals(self, transfer_id: str) -> Obj:
        """GET /v1/transfers/{id}/reversals."""
        made = self.get("transfer", transfer_id)
        return copy.deepcopy(made["reversals"])

    # -- events --------------------------------------------------------------------------------

    def list_events(self, params: Obj) -> Obj:
        """GET /v1/events: newest first, filtered by type, paged by ``starting_after``."""
        limit = integer(params, "limit", minimum=1) or 10
        if limit > 100:
            raise bad_param("limit", "This value must be less than or equal to 100.")
        events = list(reversed(self.objects["event"].values()))
        wanted = params.get("types") or ([params["type"]] if params.get("type") else None)
        if isinstance(wanted, str):
            wanted = [wanted]
        if wanted:
            events = [e for e in events if type_enabled(e["type"], wanted)]
        after = params.get("starting_after")
        if after:
            ids = [e["id"] for e in events]
            if after not in ids:
                raise missing("event", after, "starting_after")
            events = events[ids.index(after) + 1:]
        page = [copy.deepcopy(e) for e in events[:limit]]
        return objects.list_object("/v1/events", page, has_more=len(events) > limit)

