"""Random input never breaks a conversation (issue #14, "Bad input").

A hypothesis state machine plays clients against the real dialog engine, on the real database
with the sample catalogue, billing (over the in-memory gateway) and the crisis screen: random
text, numbers written every way people (and attackers) write them, commands with random words,
``/start`` payloads, presses on the buttons just offered, forged and tampered button data, and
time passing. Every input must be answered: an exception out of ``DialogEngine.handle`` is the
client's "something went wrong", so one is a failure here. A few thousand steps in all,
derandomized so CI sees the same run every time.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.accounts import Platform, get_or_create_client
from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    CommandInput,
    DialogEngine,
    Input,
    Message,
    Reply,
    StartInput,
    TextInput,
    build_engine,
)
from core.dialogs.services import DialogServices
from core.dialogs.suggest import CatalogueMatcher
from devtools.fake_payments import FakePaymentGateway
from tests.conftest import _truncate_all
from tests.support.billing import billing_settings, fonts
from tests.support.chat import import_sample

# Numbers as people and forgers write them: superscripts, other scripts' digits, signs,
# separators, exponents, huge ids, blanks around digits.
AWKWARD = [
    "²",
    "¹⁰",
    "٣",
    "７",
    "-1",
    "+1",
    " 7",
    "7 ",
    "1,000",
    "1.000,50",
    "1e9",
    "40.555",
    "0",
    "99999999999999999999",
    "9223372036854775808",
    "NaN",
    "∞",
    "½",
    "",
    " ",
    "\u200b",
    "1_0",
    "0x10",
    "$40",
    "40$",
    "forty",
    "I want to kill myself",
    "back",
    "cancel",
    "help",
    "Evenings",
    "Weekends",
    "Europe/Madrid",
    "UTC+2",
    "London",
    "zoe@example.com",
    "+1 202 555 0143",
    "<b>bold</b>",
    "&amp;",
    "a" * 5000,
]
COMMANDS = [
    "find",
    "help",
    "privacy",
    "deletemydata",
    "cancel",
    "bookings",
    "checkin",
    "timezone",
    "start",
    "nosuchcommand",
    "",
]
PAYLOADS = [
    "",
    "paid_1",
    "paid_²",
    "paid_99999999999999999999",
    "paid_-1",
    "unpaid_1",
    "unpaid_¹⁰",
    "advisor_ana-ruiz",
    "advisor_",
    "advisor_../../etc",
    "paid_",
    "x" * 70,
]

# What a client on the way to a booking would type.
SENSIBLE = [
    "I lost my job and I feel stuck",
    "My partner and I keep fighting",
    "40",
    "80",
    "Evenings",
    "Weekends",
    "English",
    "Spanish",
    "yes",
    "no",
    "Mi padre murió y no sé qué hacer",
]

texts = st.one_of(st.sampled_from(AWKWARD), st.sampled_from(SENSIBLE), st.text(max_size=40))


class Wiring:
    """One event loop, database, billing and engine for every machine of the run."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database(database_url)
        self.clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        self.users = itertools.count(10_000)
        config = billing_settings(database_url)
        self.billing = Billing(self.db, FakePaymentGateway(), config, self.clock, fonts=fonts())
        self.engine: DialogEngine = build_engine(
            config, DialogServices(matcher=CatalogueMatcher(), billing=self.billing)
        )
        self.loop.run_until_complete(self._prepare())

    async def _prepare(self) -> None:
        if self.db.dialect == "postgresql":
            await _truncate_all(self.db)
        await import_sample(self.db)

    async def _send(self, user: int, event: Input) -> list[Reply]:
        async with self.db.uow() as uow:
            client = await get_or_create_client(
                uow, Platform.TELEGRAM, user, "Zoë", self.clock.now()
            )
            replies = await self.engine.handle(uow, client, event, self.clock.now())
            await uow.commit()
        return replies

    def send(self, user: int, event: Input) -> list[Reply]:
        return self.loop.run_until_complete(self._send(user, event))

    def close(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()


def machine_for(wiring: Wiring) -> type[RuleBasedStateMachine]:
    class Conversations(RuleBasedStateMachine):
        """One new client per run, talking to the engine; every reply is checked."""

        def __init__(self) -> None:
            super().__init__()
            self.user = next(wiring.users)
            self.offered: list[str] = []  # the data of the buttons in the last replies
            self.swept = False
            self.walked = 0  # presses made by walk_forward: the sweep waits for some depth

        def send(self, event: Input) -> None:
            replies = wiring.send(self.user, event)
            assert isinstance(replies, list)
            buttons = [
                button.data
                for reply in replies
                if isinstance(reply, Message)
                for row in reply.buttons
                for button in row
                if isinstance(button, Button)
            ]
            if buttons:
                self.offered = buttons

        @initialize()
        def start(self) -> None:
            self.send(StartInput())

        @rule(index=st.integers(min_value=0, max_value=40))
        def press_an_offered_button(self, index: int) -> None:
            if self.offered:
                self.send(ButtonPress(self.offered[index % len(self.offered)]))

        @rule(
            choices=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=10),
            answer=st.sampled_from(SENSIBLE),
        )
        def walk_forward(self, choices: list[int], answer: str) -> None:
            """Several presses on what is offered in a row, answering sensibly where a step
            wants words: this is what takes runs deep (matches, slots, summary, checkout)."""
            for index in choices:
                self.walked += 1
                if self.offered:
                    before = self.offered
                    self.send(ButtonPress(self.offered[index % len(self.offered)]))
                    if self.offered is before:  # a step that wants words, not a press
                        self.send(TextInput(answer))
                else:
                    self.send(TextInput(answer))

        @rule(index=st.integers(min_value=0, max_value=40), digits=st.sampled_from(AWKWARD))
        def press_a_tampered_button(self, index: int, digits: str) -> None:
            if self.offered:
                data = self.offered[index % len(self.offered)]
                self.send(ButtonPress(re.sub(r"\d+", lambda _: digits, data, count=1)))

        @rule(data=st.one_of(st.text(max_size=64), st.sampled_from(AWKWARD)))
        def press_a_forged_button(self, data: str) -> None:
            self.send(ButtonPress(data))

        @precondition(lambda self: not self.swept and self.walked >= 8)
        @rule()
        def try_every_awkward_answer_here(self) -> None:
            """Once a run, wherever it has got to: every awkward answer in turn (random
            choice alone leaves some of them out)."""
            self.swept = True
            for text in AWKWARD:
                self.send(TextInput(text))

        @rule(text=st.sampled_from(AWKWARD))
        def type_something_awkward(self, text: str) -> None:
            self.send(TextInput(text))

        @rule(text=st.text(max_size=40))
        def type_anything(self, text: str) -> None:
            self.send(TextInput(text))

        @rule(name=st.one_of(st.sampled_from(COMMANDS), st.text(max_size=12)), args=texts)
        def send_a_command(self, name: str, args: str) -> None:
            self.send(CommandInput(name, args))

        @rule(payload=st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=30)))
        def follow_a_deep_link(self, payload: str) -> None:
            self.send(StartInput(payload))

        @rule(minutes=st.sampled_from([1, 20, 60 * 3, 60 * 30, 60 * 24 * 8]))
        def let_time_pass(self, minutes: int) -> None:
            wiring.clock.advance(timedelta(minutes=minutes))

    return Conversations


def test_thousands_of_random_steps_never_raise(database_url: str) -> None:
    wiring = Wiring(database_url)
    try:
        run_state_machine_as_test(
            machine_for(wiring),
            settings=settings(
                max_examples=50,
                stateful_step_count=40,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        wiring.close()
