"""Stripe's bracket form encoding decodes to the params the SDK meant to send."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

from stripe._encode import _api_encode

from devtools.stripe_sandbox import decode_form, sign_payload


def _round_trip(params: dict[str, object]) -> dict[str, object]:
    """Encode as the SDK does, then decode as the stand-in does."""
    return decode_form(parse_qsl(urlencode(list(_api_encode(params))), keep_blank_values=True))


def test_nested_line_items_and_metadata_decode_to_dicts_and_lists() -> None:
    params = {
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": 4500,
                            "product_data": {"name": "Session"}}, "quantity": 1},
            {"price_data": {"currency": "usd", "unit_amount": 349,
                            "product_data": {"name": "Fee"}}, "quantity": 2},
        ],
        "metadata": {"purchase_id": "p-1"},
        "expand": ["line_items", "payment_intent.latest_charge"],
    }
    decoded = _round_trip(params)
    assert decoded == {
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": "4500",
                            "product_data": {"name": "Session"}}, "quantity": "1"},
            {"price_data": {"currency": "usd", "unit_amount": "349",
                            "product_data": {"name": "Fee"}}, "quantity": "2"},
        ],
        "metadata": {"purchase_id": "p-1"},
        "expand": ["line_items", "payment_intent.latest_charge"],
    }


def test_empty_brackets_append_and_numeric_metadata_keys_stay_a_dict() -> None:
    pairs = [("expand[]", "a"), ("expand[]", "b"), ("metadata[0]", "zero"), ("metadata[1]", "one")]
    assert decode_form(pairs) == {"expand": ["a", "b"], "metadata": {"0": "zero", "1": "one"}}


def test_indexes_are_ordered_numerically_not_as_text() -> None:
    pairs = [(f"items[{i}]", str(i)) for i in (10, 2, 1, 0, 3, 4, 5, 6, 7, 8, 9)]
    assert decode_form(pairs)["items"] == [str(i) for i in range(11)]


def test_signature_header_is_stripes_scheme() -> None:
    body = b'{"id": "evt_1"}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign_payload(body, "whsec_x", 1700000000) == f"t=1700000000,v1={expected}"
