"""What the steps use besides the database: the matcher, billing and privacy, typed.

The composition root builds one :class:`DialogServices` and hands it to ``build_engine``;
a step reads ``ctx.services.billing`` rather than looking a name up. A service a flow needs
but the root left out raises :class:`ServiceMissing` when that step runs (a test builds an
engine with only what it exercises).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from core.money import Money

if TYPE_CHECKING:
    from core.billing import Billing
    from core.dialogs.engine import Context
    from core.privacy import Privacy


@dataclass(frozen=True)
class Suggestion:
    """One matched advisor as the results step shows it."""

    advisor_id: int
    display_name: str
    price: Money
    reasons: tuple[str, ...]


class Matcher(Protocol):
    """Finds advisors for the intake answers saved in the conversation."""

    async def suggest(self, ctx: Context, answers: dict[str, Any]) -> list[Suggestion]: ...


class ServiceMissing(RuntimeError):
    """A step needs a service this engine was built without (a wiring mistake)."""


@dataclass
class DialogServices:
    """The services the steps call; each may be left out where no flow under test needs it."""

    matcher: Matcher | None = None
    billing: Billing | None = None
    privacy: Privacy | None = None

    def need_matcher(self) -> Matcher:
        if self.matcher is None:
            raise ServiceMissing("matcher")
        return self.matcher

    def need_billing(self) -> Billing:
        if self.billing is None:
            raise ServiceMissing("billing")
        return self.billing

    def need_privacy(self) -> Privacy:
        if self.privacy is None:
            raise ServiceMissing("privacy")
        return self.privacy
