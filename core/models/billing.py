"""Money tables: purchases, refunds, payouts, the ledger, receipts and Stripe's event log.

Financial records outlive the people in them (the law wants payment records kept), so no
table here cascades from a client: deleting a client's data leaves the purchase with its
client and booking set to NULL. Amounts are integer minor units with an ISO currency.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.money import Money


class PurchaseKind(StrEnum):
    """What is bought: a booked session (service + handling fee) or a tip (tip only)."""

    BOOKING = "booking"
    TIP = "tip"


class PurchaseStatus(StrEnum):
    """Where a purchase's payment stands."""

    PENDING = "pending"  # checkout being created or open at Stripe
    PROCESSING = "processing"  # checkout completed, a delayed payment method still settling
    PAID = "paid"  # money received and the purchase fulfilled
    FAILED = "failed"  # delayed payment failed
    EXPIRED = "expired"  # checkout expired unpaid
    REJECTED = "rejected"  # money received but not usable as paid (wrong amount, hold gone);
    # it sits in the ledger's suspense account until an admin settles it


class PayoutState(StrEnum):
    """Where a purchase stands on its way to the advisor."""

    NONE = "none"  # not paid yet: nothing owed
    HELD = "held"  # paid; held until the guarantee window passes (or the advisor onboards)
    ON_HOLD = "on_hold"  # frozen for an admin (dispute, refund made outside Pathwise)
    IN_PAYOUT = "in_payout"  # part of a payout being transferred
    PAID_OUT = "paid_out"  # transferred to the advisor
    NOTHING_DUE = "nothing_due"  # refunded under the guarantee: the advisor gets nothing
    REVERSAL_DUE = "reversal_due"  # paid out, then a dispute was lost: the transfer is reversed
    REVERSED = "reversed"  # the transfer was reversed


class Purchase(Base):
    """One thing a client pays for through one Stripe Checkout Session."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("kind IN ('booking', 'tip')", name="known_kind"),
        CheckConstraint(
            "service_minor >= 0 AND fee_minor >= 0 AND tip_minor >= 0 AND commission_minor >= 0",
            name="non_negative_amounts",
        ),
        CheckConstraint(
            "total_minor = service_minor + fee_minor + tip_minor", name="total_adds_up"
        ),
        CheckConstraint("commission_minor <= service_minor", name="commission_within_service"),
        # DESIGN.md: a tip carries no handling fee and buys no service.
        CheckConstraint(
            "kind <> 'tip' OR (fee_minor = 0 AND service_minor = 0)", name="tip_has_no_fee"
        ),
        Index("ix_purchases_booking", "booking_id"),
        Index("ix_purchases_payout_due", "payout_state", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PurchaseStatus.PENDING.value)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    # What the quote said, frozen: receipts and refunds read these, never today's prices.
    description: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    service_minor: Mapped[int] = mapped_column(default=0)
    fee_minor: Mapped[int] = mapped_column(default=0)
    tip_minor: Mapped[int] = mapped_column(default=0)
    commission_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    # "booking:<id>" for a booking (unique, so a booking is sold once) or "tip:<uuid>".
    purchase_key: Mapped[str] = mapped_column(String(80), unique=True)
    # A random base for Stripe idempotency keys: stable for this purchase, never reused by
    # another one (not even after a database reset, which row ids would be).
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    checkout_attempt: Mapped[int] = mapped_column(default=1)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[datetime | None]
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Brand and last four digits only ("Visa •••• 4242"); never more card data than that.
    payment_method_brand: Mapped[str | None] = mapped_column(String(32))
    payment_method_last4: Mapped[str | None] = mapped_column(String(4))
    paid_at: Mapped[datetime | None]
    payout_state: Mapped[str] = mapped_column(String(16), default=PayoutState.NONE.value)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    disputed_at: Mapped[datetime | None]
    # "open" while the card network decides, then "won" or "lost" (charge.dispute.closed).
    dispute_status: Mapped[str | None] = mapped_column(String(16))
    # Reported by the sessions part: opens the money-back guarantee at once.
    advisor_no_show_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    refunds: Mapped[list[Refund]] = relationship(back_populates="purchase", order_by="Refund.id")

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def service(self) -> Money:
        return Money(self.service_minor, self.currency)

    @property
    def fee(self) -> Money:
        return Money(self.fee_minor, self.currency)

    @property
    def tip(self) -> Money:
        return Money(self.tip_minor, self.currency)

    @property
    def commission(self) -> Money:
        return Money(self.commission_minor, self.currency)

    @property
    def advisor_share(self) -> Money:
        """What the advisor earns from this purchase: service − commission + tip."""
        return Money(self.service_minor - self.commission_minor + self.tip_minor, self.currency)


class RefundKind(StrEnum):
    GUARANTEE = "guarantee"  # the money-back guarantee, asked for by the client
    EXTERNAL = "external"  # made outside Pathwise (Stripe dashboard); an admin settles it
    GOODWILL = "goodwill"  # the team's goodwill refund of all or part of the service price


class DisputeStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded, Stripe not yet confirmed
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(Base):
    """Money returned to a client for a purchase."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive_amount"),
        CheckConstraint("kind IN ('guarantee', 'external', 'goodwill')", name="known_kind"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="known_status"),
        Index("ix_refunds_purchase", "purchase_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING.value)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # "refund-<purchase id>" for the guarantee: unique, so a purchase is refunded once.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    purchase: Mapped[Purchase] = relationship(back_populates="refunds")

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class PayoutStatus(StrEnum):
    DUE = "due"  # decided; the transfer is being made
    PAID = "paid"  # Stripe transfer made
    FAILED = "failed"  # Stripe refused the transfer; an admin looks at it


class Payout(Base):
    """One transfer to an advisor's connected account: their share of one booking."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("net_minor > 0", name="positive_net"),
        CheckConstraint("net_minor = gross_minor - commission_minor", name="net_adds_up"),
        CheckConstraint("status IN ('due', 'paid', 'failed')", name="known_status"),
        Index("ix_payouts_status", "status"),
        Index("ix_payouts_advisor", "advisor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=PayoutStatus.DUE.value)
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int]
    commission_minor: Mapped[int]
    net_minor: Mapped[int]
    destination_account: Mapped[str] = mapped_column(String(255))
    transfer_group: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]

    @property
    def net(self) -> Money:
        return Money(self.net_minor, self.currency)


class AdvisorPayoutAccount(Base):
    """An advisor's Stripe Connect Express account and whether it can receive payouts."""

    __tablename__ = "advisor_payout_accounts"

    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"), primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerTransaction(Base):
    """One balanced movement of money; its entries sum to zero per currency. Append-only."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "payment:12", "refund:3", "payout:5": unique, so the same money is never posted twice.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    entries: Mapped[list[LedgerEntry]] = relationship(order_by="LedgerEntry.id")


class LedgerEntry(Base):
    """One leg of a ledger transaction: debit positive, credit negative. Append-only."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="non_zero"),
        Index("ix_ledger_entries_account", "account", "currency"),
        Index("ix_ledger_entries_transaction", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    account: Mapped[str] = mapped_column(String(32))
    # Set on advisor_payable entries: whose money it is.
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id"))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))


class Receipt(Base):
    """A numbered PDF: a purchase's receipt or a refund's credit note. Kept as issued."""

    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("kind", "year", "sequence"),
        CheckConstraint("kind IN ('receipt', 'credit_note')", name="known_kind"),
        Index("ix_receipts_purchase", "purchase_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int]
    sequence: Mapped[int]
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    filename: Mapped[str] = mapped_column(String(120))
    # The PDF is rendered by the document's first reader (core.documents), never under the
    # number counter's lock or while Stripe waits; None until then. ``content`` is what it
    # prints (see core.receipts.document_payload), so it renders with the same bytes whoever
    # reads it first.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_at: Mapped[datetime]


class ReceiptCounter(Base):
    """The last number given per (kind, year); bumped under a row lock, so no gaps."""

    __tablename__ = "receipt_counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int]


class StripeEvent(Base):
    """A Stripe event id seen by the webhook; the primary key makes each one count once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime]
