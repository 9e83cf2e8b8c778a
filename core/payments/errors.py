"""The reasons billing refuses a client, each with the message the client sees."""

from __future__ import annotations

from core.errors import Conflict, NotAllowed, ValidationFailed
from core.texts import billing as t
from core.texts import refunds as rt


class InvalidTip(ValidationFailed):
    """A tip amount that is not a number or outside the allowed range."""

    user_message = t.INVALID_TIP


class HoldExpired(Conflict):
    user_message = t.HOLD_EXPIRED


class AlreadyPaid(Conflict):
    user_message = t.ALREADY_PAID


class PaymentInProgress(Conflict):
    user_message = t.PAYMENT_IN_PROGRESS


class NotYourBooking(NotAllowed):
    user_message = t.NOT_YOUR_BOOKING


class RefundRefused(NotAllowed):
    """Base of every reason a refund is refused; the message says which."""

    user_message = rt.REFUSED


class AlreadyRefunded(RefundRefused):
    user_message = rt.ALREADY_REFUNDED


class RefundNotYetAvailable(RefundRefused):
    user_message = rt.NOT_YET


class RefundWindowClosed(RefundRefused):
    user_message = rt.WINDOW_CLOSED


class NothingToRefund(RefundRefused):
    user_message = rt.NOTHING_TO_REFUND


class PaymentUnderReview(RefundRefused):
    user_message = rt.UNDER_REVIEW


class TipNotAllowed(Conflict):
    user_message = t.TIP_NOT_ALLOWED
