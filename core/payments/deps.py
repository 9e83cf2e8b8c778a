"""What billing is built with, handed to the modules that do its work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from babel import Locale, UnknownLocaleError

from core import scheduling
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.models.accounts import Client
from core.payments.gateway import PaymentGateway
from core.receipts import ReceiptFonts


@dataclass(frozen=True, slots=True)
class BillingDeps:
    """The database, the payment gateway, the settings and the clock billing works with."""

    db: Database
    gateway: PaymentGateway
    settings: Settings
    clock: Clock
    rules: scheduling.SchedulingRules
    fonts: ReceiptFonts | None = None


class BillingParts(Protocol):
    """What a money service built beside billing needs of it; :class:`core.billing.Billing`
    and :class:`BillingDeps` both have it."""

    @property
    def db(self) -> Database: ...

    @property
    def gateway(self) -> PaymentGateway: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...


def client_locale(client: Client | None, settings: Settings) -> str:
    """The client's locale if babel knows it, else the platform's."""
    locale = client.locale if client is not None and client.locale else settings.locale
    try:
        Locale.parse(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return "en_US"
    return locale
