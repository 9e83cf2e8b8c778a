"""The session lifecycle: from a paid booking to a private room, its end, and its settlement.

States (``core.models.sessions.SessionState``)::

    scheduled -> open -> ended -> settled | refunded
                     \\-> no_show            (the advisor did not write in the first minutes)
    scheduled -> cancelled                  (the booking was cancelled before the room opened)

Nothing here waits in memory. The tick (:mod:`core.lifecycle.tick`) asks the database what is
due now and does it; any worker may run it, as often as it likes, and a restart loses nothing:

- Work that is only database writes (reminders into the outbox, no-show bookkeeping,
  settling) is claimed and done in one transaction, under row locks.
- Work that calls the chat platform (open a room, post a warning, lock, delete) takes a
  short *lease* on the session in one transaction, calls the platform outside any
  transaction, then records the result in a second one. Another worker skips a leased
  session; if a worker dies mid-way its lease runs out and the work is tried again. Rooms
  are opened under a name chosen here, so a retried open finds the room made before.

On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``; SQLite has no row locks, so a claim
first takes SQLite's single write lock (a no-op write), and a second worker waits its turn.

The modules: ``ports`` (the rooms port the platform adapter implements), ``context`` (what
the steps share, and how they claim sessions), ``people`` (who is who in a session),
``words`` (the room's texts put together), the tick's steps (``bookings``, ``reminders``,
``opening``, ``closing``, ``aftercare``, ``retention``), ``tick`` (the steps in order),
``presses`` (what the room's buttons and messages ask) and ``transcripts``.
``core.sessions.SessionService`` is their public face. Nothing here imports a chat library
or a chat flow: the after-session flow is started through ``core.ports.StartAftercare``.
"""
