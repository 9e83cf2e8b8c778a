"""Payments: the parts behind :class:`core.billing.Billing`, one job per module.

* ``gateway`` the payment-gateway port, ``stripe_gateway`` its Stripe adapter;
* ``errors`` what a client can be refused, ``pricing`` fee rules and quotes (pure);
* ``deps`` what billing is built with, ``locks`` row locks and claims, ``guarantee`` the
  money-back window and what a refund can still return, ``times`` moments in a person's zone;
* ``checkout`` Stripe Checkout for bookings and tips;
* ``stripe_parse`` reading a signed event, ``stripe_events`` recording and dispatching it,
  ``checkout_events`` the checkout's news, ``payment_received`` the paid path;
* ``documents`` receipts and credit notes issued, ``notices`` what people are told of a payment;
* ``refunds`` the guarantee's refunds, ``refund_events`` Stripe's news of refunds;
* ``disputes`` bank disputes, ``payouts`` transfers to advisors, ``earnings`` the advisor's
  money and payout account;
* ``goodwill`` the team's goodwill refunds and payout holds, ``reconcile`` the ledger
  compared with Stripe.

Code here logs to ``core.billing``, the logger operators and tests know billing by.
"""

LOGGER = "core.billing"
