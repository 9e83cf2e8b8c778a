"""Benchmarks: ``python -m bench.<name>``; each module exposes ``run()`` returning its numbers."""

from __future__ import annotations

import os

# PostgreSQL figures are measured only on a server named here (or with ``pathwise bench
# --postgres URL``): never on a guessed one, which may hold someone's data.
POSTGRES_URL_VAR = "PATHWISE_BENCH_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server the benchmarks may make scratch databases on, if one is named."""
    return os.environ.get(POSTGRES_URL_VAR) or None
