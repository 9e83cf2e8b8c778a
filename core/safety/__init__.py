"""Client safety: every free text is screened first, and a risk to life is answered at once
with local crisis lines (see ``screening``, ``resources`` and ``crisis``)."""

from __future__ import annotations

from core.safety.crisis import CrisisAnswer, Where, respond
from core.safety.screening import Detection, Screener, default_screener

__all__ = ["CrisisAnswer", "Detection", "Screener", "Where", "default_screener", "respond"]
