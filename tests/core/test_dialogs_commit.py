"""Work a step leaves for after the commit (billing, Stripe) runs only once the conversation
is committed and its lock released; what it comes to is written under the lock again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import ButtonPress, StepName, Transition
from core.dialogs.engine import Context
from core.models import Conversation
from core.replies import Input, Message, Reply
from tests.support.chat import Chat, make_engine


class Probe:
    """A home step whose press leaves work for after the commit, which looks at the row."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: dict[str, Any] = {}

    async def show(self, ctx: Context) -> list[Reply]:
        return [Message("probe", ((ctx.button("Go", "go"),),))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        return Transition(data={"saved": "before"}, after_commit=self.after)

    async def after(self, ctx: Context) -> Transition:
        async with self.db.uow() as uow:  # another connection, as billing's own would be
            query = select(Conversation).where(Conversation.client_id == ctx.client.id)
            if self.db.dialect == "postgresql":
                query = query.with_for_update(nowait=True)  # fails if still locked
            row = await uow.session.scalar(query)
            assert row is not None
            self.seen = {"step": row.step, "data": dict(row.data), "version": row.version}
        return Transition(goto=StepName.HOME, replies=[Message("after")])


async def test_after_commit_work_sees_the_conversation_committed_and_unlocked(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    chat = Chat(db, make_engine(settings), clock)
    await chat.start()
    probe = Probe(db)
    chat.engine.steps = {**chat.engine.steps, StepName.HOME: probe}
    await chat.send(ButtonPress("garbled"))  # shows where we are: the probe and its button
    await chat.press("Go")
    assert probe.seen["step"] == StepName.HOME and probe.seen["data"] == {"saved": "before"}
    assert chat.texts() == ["after", "probe"]
    async with db.uow() as uow:
        row = await uow.session.scalar(select(Conversation))
        assert row is not None
        assert row.data == {"saved": "before"} and row.version == probe.seen["version"] + 1
