"""The in-memory Stripe the benchmarks use (no network), with ids that stay unique across the
runs and worker processes sharing one database."""

from __future__ import annotations

import uuid

from devtools.fake_payments import FakePaymentGateway


class BenchGateway(FakePaymentGateway):
    """``FakePaymentGateway`` whose object ids carry a tag of their own."""

    def __init__(self) -> None:
        super().__init__()
        self._tag = uuid.uuid4().hex[:10]

    def _id(self, prefix: str) -> str:
        return super()._id(f"{prefix}_{self._tag}")
