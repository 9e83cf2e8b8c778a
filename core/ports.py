"""Ports between core's own layers: what a lower service needs from a higher one, as a type.

The session lifecycle sits below the dialogs, yet once a session is over it must put the
client's conversation on the after-session questions. It asks through :data:`StartAftercare`,
which the composition root fills with the dialogs' implementation, so the lifecycle never
imports a chat flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from core.db import UnitOfWork
from core.replies import Reply

# (uow, client_id, booking_id, now) -> the replies to send; raises a PathwiseError when the
# flow can't start for that booking. The caller delivers the replies and commits.
StartAftercare = Callable[[UnitOfWork, int, int, datetime], Awaitable[list[Reply]]]
