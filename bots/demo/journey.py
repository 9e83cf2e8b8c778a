"""The offline demo: one client's whole journey, played through the real adapters.

Zoë finds an advisor in Telegram and pays through Stripe Checkout (the local stand-in, driven
by the real Stripe SDK, whose signed webhook reaches the real web server over HTTP). Ana, the
advisor, is told in a Discord DM. Zoë links Discord, the private room opens, the session runs
and ends, and the room locks. Zoë rates Ana, tips her, and then asks for her money back under
the guarantee. Every step checks what a user would see; the invariants (fee never refunded,
ledger balanced, channel private, one receipt per purchase, ...) are checked as it goes.

Run it with ``pathwise demo --out DIR``."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import discord
from pypdf import PdfReader
from sqlalchemy import select

from bots.demo.files import write_files
from bots.demo.invariants import Invariants
from bots.demo.player import Player, button, calendar_event, last_with_buttons, one_document
from bots.demo.report import InvariantBroken, StepFailed, Transcript
from bots.demo.world import (
    ADMIN_DISCORD,
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    CLIENT_TELEGRAM,
    World,
    demo_world,
)
from core.documents import receipt_pdf
from core.models import AdviceSession, Booking
from core.models.billing import Receipt
from core.privacy import DELETED_CLIENT, leftovers
from devtools.telegram_recorder import ApiCall

log = logging.getLogger(__name__)

ADVISOR = "Ana Ruiz"
ADVISOR_SLUG = "ana-ruiz"
OFFER = "60-minute live session"
TIP = "$5.00"
PROBLEM = "I want to change careers, but I'm afraid of starting over at 40."
HARD_DAY = "Some days I feel like I can't go on anymore."
STAGES = (
    "Before the client arrives: the Pathwise team links Ana's Discord account",
    "Zoë starts the bot, accepts, describes her problem, is matched and books",
    "Zoë pays through Stripe Checkout; the signed webhook reaches Pathwise",
    "The receipt reaches Zoë; Ana gets a payment DM",
    "Zoë links Discord; the private room opens, the session runs, ends and locks",
    "Zoë rates and tips Ana, has a hard moment, then asks for her money back under the guarantee",
    "Ana is told about the tip and the refund; the books are closed",
    "Zoë deletes her data; the receipts stay, made out to “Deleted client”",
)


@dataclass
class DemoResult:
    """How the demo went: which invariants held, and the first failure, if any."""

    held: list[str] = field(default_factory=list)
    failed: str | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None


class Journey(Player):
    """The demo's stages, in order, against a running ``World``."""

    def __init__(self, world: World, transcript: Transcript, out: Path) -> None:
        super().__init__(world, transcript)
        self.out = out
        self.inv = Invariants(world, self.checks)
        self.dm_mark = 0  # Ana's DMs seen before the refund

    # -- the stages --------------------------------------------------------------------------

    async def setup(self) -> None:
        """The Pathwise team links Ana's Discord account to her advisor profile."""
        self.t.stage(STAGES[0])
        member = {"id": str(ADVISOR_DISCORD), "username": "ana", "discriminator": "0"}
        resolved = {
            "users": {str(ADVISOR_DISCORD): member},
            "members": {
                str(ADVISOR_DISCORD): {
                    "roles": [],
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "permissions": "0",
                }
            },
        }
        options = [
            {
                "type": 1,
                "name": "link-advisor",
                "options": [
                    {"type": 3, "name": "advisor", "value": ADVISOR_SLUG},
                    {"type": 6, "name": "member", "value": str(ADVISOR_DISCORD)},
                ],
            }
        ]
        self.t.say("admin", f"/admin link-advisor advisor:{ADVISOR_SLUG} member:@ana")
        for answer in await self.w.slash("admin", ADMIN_DISCORD, options, resolved):
            self.t.say("discord", f"Pathwise bot (only Max sees this): {answer}")

    async def book(self) -> ApiCall:
        self.t.stage(STAGES[1])
        await self.type("/start")
        await self.tap("I understand and agree")
        await self.tap("Find an advisor")
        await self.tap("Career and work")
        await self.tap("Done")
        await self.type(PROBLEM)
        await self.tap("Spanish")
        await self.type("Madrid")
        await self.tap("Live, 60 minutes")
        await self.type("eighty dollars")  # a word where a number belongs: a friendly retry
        await self.type("80")
        results = await self.tap("Any time")
        if not any(ADVISOR in (c.text or "") for c in results):
            raise StepFailed("matching", f"{ADVISOR} was not among the matches")
        await self.tap(f"Choose {ADVISOR}")
        assert self.last is not None
        offer = next((b for b in self.last.button_labels() if b.startswith(OFFER)), None)
        if offer is None:
            raise StepFailed("choosing the offer", f"no {OFFER} among {self.last.button_labels()}")
        await self.tap(offer)
        assert self.last is not None
        slot = button(self.last, lambda b: ":slot:" in b.get("callback_data", ""), "slot")
        summary = await self.tap(str(slot["text"]))
        price = last_with_buttons(summary, "summary")
        text = price.text or ""
        self.checks.require(
            "upfront itemized price",
            "Handling fee (non-refundable): $3.49" in text and "Total: $63.49" in text,
            "the summary lists $60.00 + the $3.49 non-refundable handling fee = $63.49",
        )
        pay_label = next((b for b in price.button_labels() if b.startswith("Pay ")), "Pay")
        first = last_with_buttons(await self.tap(pay_label), "pay")
        second = last_with_buttons(await self.tap("Get a new payment link", first), "pay again")
        url = button(first, lambda b: "url" in b, "pay")["url"]
        posts = [
            r
            for r in self.w.sandbox.requests
            if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]
        self.checks.require(
            "a second click on Pay charges once",
            button(second, lambda b: "url" in b, "pay again")["url"] == url and len(posts) == 1,
            "both taps gave the same Checkout page; Stripe was asked for one session",
        )
        return first

    async def checkout(self, pay_message: ApiCall) -> None:
        self.t.stage(STAGES[2])
        await self.pay(pay_message, "paying")

    async def receipt_and_payment_dm(self) -> None:
        self.t.stage(STAGES[3])
        before = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        delivered = await self.deliver()
        name, text = one_document(delivered, "receipt")
        self.checks.require(
            "receipt itemized",
            all(part in text for part in (ADVISOR, "$60.00", "$3.49", "$63.49", "non-refundable")),
            f"{name} lists the session, the non-refundable $3.49 fee and the $63.49 total",
        )
        ics, event = calendar_event(delivered, "calendar file")
        async with self.w.db.uow() as uow:
            booking = (await uow.session.scalars(select(Booking))).first()
        self.checks.require(
            "calendar file for the session",
            booking is not None
            and event.decoded("dtstart") == booking.starts_at
            and event.decoded("dtend") == booking.ends_at
            and "How to join" in str(event["description"])
            and "Changes:" in str(event["description"]),
            f"{ics} holds the session's start and end, how to join and the change rule",
        )
        self.inv.advisor_dm_since(before, "New booking paid", "payment DM")
        await self.inv.books_balance("after the payment")

    async def discord_session(self) -> None:
        self.t.stage(STAGES[4])
        report = await self.w.discord_bot.sessions.tick()
        join = await self.deliver()
        code = next(
            (m.group(1) for c in join if (m := re.search(r"/link (\S+)", c.text or ""))), None
        )
        if code is None or not report.join_sent:
            raise StepFailed("joining Discord", "no invite and link code reached Zoë")
        self.t.say("client", f"[joins the Pathwise Discord server] /link {code}")
        for answer in await self.w.slash(
            "link", CLIENT_DISCORD, [{"type": 3, "name": "code", "value": code}]
        ):
            self.t.say("discord", f"Pathwise bot (only Zoë sees this): {answer}")

        session = await self._session()
        self.w.clock.set(session.starts_at - timedelta(minutes=10))
        self.t.say("discord", "[10 minutes before the start: the worker's tick]")
        opened = await self.w.discord_bot.sessions.tick()
        for message in self.w.fake.messages.get((await self._session()).channel_id or 0, []):
            self._discord_line(message)
        await self.deliver()
        session = await self._session()
        if not opened.opened or session.channel_id is None:
            raise StepFailed("opening the room", "the tick opened no room")
        channel = self.w.guild.get_channel(session.channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise StepFailed("opening the room", "the room is not a text channel in the server")
        self.inv.check_private(channel)

        for who, user, text in (
            ("Zoë", CLIENT_DISCORD, "Hi Ana, thanks for making time."),
            ("Ana", ADVISOR_DISCORD, "Hi Zoë! Tell me what changing careers means to you."),
        ):
            await self.w.fake.say(channel.id, user, text)
            self.t.say("discord", f"{who} in #{channel.name}: {text}")
        self.w.clock.set(session.ends_at + timedelta(minutes=1))
        self.t.say("discord", "[the session's end: the worker's tick]")
        before = len(self.w.fake.messages[channel.id])
        ended = await self.w.discord_bot.sessions.tick()
        for message in self.w.fake.messages[channel.id][before:]:
            self._discord_line(message)
        if not ended.ended:
            raise StepFailed("ending the session", "the tick did not end it")
        self.inv.check_locked(channel)
        self.inv.check_nothing_kept(
            ["Hi Ana, thanks for making time.", "Tell me what changing careers means"]
        )

    async def aftercare(self) -> None:
        self.t.stage(STAGES[5])
        await self.deliver()  # "How was it?"
        await self.tap("5")
        await self.type("Ana helped me see my first step. Thank you!")
        tip_offer = await self.tap(TIP)
        tip_message = last_with_buttons(tip_offer, "tip")
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        await self.pay(tip_message, "tipping")
        name, text = one_document(await self.deliver(), "tip receipt")
        self.checks.require(
            "tip receipt has no fee",
            TIP in text and "Handling fee" not in text,
            f"{name} shows the {TIP} tip and no handling fee",
        )
        self.inv.advisor_dm_since(before_dm, "tip", "tip DM")
        await self.tap("Continue", tip_message)
        await self.tap("8")  # how Zoë feels today, 1 to 10
        await self.inv.books_balance("after the tip")
        await self.crisis_answer()

        # The next day Zoë changes her mind and uses the money-back guarantee.
        session = await self._session()
        self.w.clock.set(session.ends_at + timedelta(hours=20))
        self.t.say("client", "[the next day]")
        await self.type("/bookings")
        assert self.last is not None
        booking = next((b for b in self.last.button_labels() if ADVISOR in b), None)
        if booking is None:
            raise StepFailed("my bookings", f"no booking with {ADVISOR}")
        await self.tap(booking)
        preview = last_with_buttons(await self.tap("Ask for a refund"), "refund preview")
        text = preview.text or ""
        self.checks.require(
            "refund preview keeps the fee",
            "Total refund: $60.00" in text and "Handling fee (non-refundable): $3.49" in text,
            "the preview offers $60.00 back and shows the $3.49 fee is not refunded",
        )
        self.dm_mark = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        await self.tap("Yes, refund $60.00", preview)

    async def closing(self) -> None:
        self.t.stage(STAGES[6])
        name, text = one_document(await self.deliver(), "credit note")
        self.checks.require(
            "credit note keeps the fee",
            "$60.00" in text and "3.49" in text and "non-refundable" in text.lower(),
            f"{name} credits $60.00 and states the $3.49 handling fee is kept",
        )
        self.inv.advisor_dm_since(self.dm_mark, "money-back guarantee", "refund DM")
        await self.inv.fee_never_refunded()
        await self.inv.one_receipt_per_purchase(self.receipts)
        await self.inv.books_balance("at the end")

    async def delete_data(self) -> None:
        self.t.stage(STAGES[7])
        plan = last_with_buttons(await self.type("/deletemydata"), "deletion plan")
        self.checks.require(
            "deletion explained first",
            "We keep, because the law requires payment records" in (plan.text or ""),
            "before anything is erased, the bot lists what goes and what stays",
        )
        done = await self.tap("Yes, delete my data", plan)
        said = " ".join(c.text or "" for c in done)
        found = await leftovers(
            self.w.db,
            [
                str(CLIENT_TELEGRAM["id"]),
                str(CLIENT_DISCORD),
                str(CLIENT_TELEGRAM["first_name"]),
                PROBLEM,
                "afraid of starting over",
                "helped me see my first step",
            ],
        )
        async with self.w.db.uow() as uow:
            receipt = await uow.session.scalar(select(Receipt).order_by(Receipt.id).limit(1))
            assert receipt is not None
            pdf = await receipt_pdf(uow, receipt)
            await uow.commit()
        printed = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
        self.checks.require(
            "deleted client's data gone",
            "your data is deleted" in said and not found and DELETED_CLIENT in printed,
            "no table holds Zoë's Telegram or Discord id, her name or her words "
            f"(found: {found or 'nothing'}); her first receipt, rendered again, is made out "
            "to “Deleted client”",
        )
        await self.inv.books_balance("after the deletion")

    async def crisis_answer(self) -> None:
        """Zoë writes something that suggests a risk to life: she is answered at once with
        Spain's lines (her time zone), can carry on, and Ana is told without her words."""
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        answer = last_with_buttons(await self.type(HARD_DAY), "crisis answer")
        text = html.unescape(answer.text or "")
        self.checks.require(
            "crisis answered with local lines",
            "Pathwise is not an emergency service" in text
            and "call 112 now" in text
            and "call 024" in text
            and answer.button_labels() == ["Continue where I was"],
            "Zoë (in Madrid) got Spain's 024 line and 112, and a button to carry on",
        )
        menu = await self.tap("Continue where I was", answer)
        await self.deliver()
        dms = self.w.fake.messages.get(ADVISOR_DISCORD + 1, [])[before_dm:]
        heads_up = [m for m in dms if "heads-up" in (m.get("content") or "")]
        self.checks.require(
            "advisor told of a crisis without the words",
            len(heads_up) == 1
            and "go on" not in heads_up[0]["content"]
            and any("What would you like to do?" in (c.text or "") for c in menu),
            "Ana got a private heads-up that holds none of Zoë's words; Zoë is back at the menu",
        )

    # -- reading back ---------------------------------------------------------------------------

    async def _session(self) -> AdviceSession:
        async with self.w.db.uow() as uow:
            session = (await uow.session.scalars(select(AdviceSession))).first()
        if session is None:
            raise StepFailed("the session", "the booking has no session")
        return session

    async def write_files(self) -> list[Path]:
        """The PDFs Zoë received and the ledger, written under ``out``."""
        return await write_files(self.w, self.out, self.receipts)


async def run_demo(
    out: Path, echo: Callable[[str], None], start: datetime | None = None
) -> DemoResult:
    """Play the journey in ``out`` (a fresh database there; files written there)."""
    start = start or datetime.now(UTC).replace(second=0, microsecond=0)
    # discord.py warns that voice support is missing; the demo has no voice.
    logging.getLogger("discord.client").setLevel(logging.ERROR)
    transcript = Transcript(echo, len(STAGES))
    result = DemoResult()
    errors: list[BaseException] = []
    echo(f"Pathwise offline demo — writing to {out}")
    journey: Journey | None = None
    try:
        async with demo_world(out, start, errors) as (world, advisors):
            echo(
                f"Set-up: fresh SQLite database in {out}, {advisors} sample advisors, "
                f"Stripe stand-in at {world.sandbox.url}, webhooks to {world.webhook_url}"
            )
            journey = Journey(world, transcript, out)
            try:
                await journey.setup()
                pay = await journey.book()
                await journey.checkout(pay)
                await journey.receipt_and_payment_dm()
                await journey.discord_session()
                await journey.aftercare()
                await journey.closing()
                await journey.delete_data()
                if errors:
                    raise StepFailed("handlers", f"a Telegram handler raised {errors[0]!r}")
            except InvariantBroken as broken:
                result.failed = f"invariant “{broken.name}” did not hold: {broken.detail}"
            except StepFailed as failed:
                result.failed = f"the journey stopped at “{failed.step}”: {failed.detail}"
            except Exception as error:  # a bug: say where, keep the traceback for developers
                log.exception("the demo stopped")
                stage = transcript.stages[-1].title if transcript.stages else "set-up"
                result.failed = f"unexpected error during “{stage}”: {error!r}"
            finally:
                result.held = list(journey.checks.held)
                result.files = await journey.write_files()
    finally:
        summary = _summary(result, start)
        (out / "transcript.md").write_text(
            transcript.markdown("Pathwise offline demo", summary), encoding="utf-8"
        )
        result.files.insert(0, out / "transcript.md")
    return result


def _summary(result: DemoResult, start: datetime) -> list[str]:
    lines = [
        f"Played on {start:%Y-%m-%d %H:%M} UTC (simulated clock) through the real "
        "python-telegram-bot Application, the real discord.py bot and the real Stripe SDK, "
        "with nothing sent beyond this machine.",
        "",
        "Invariants checked: " + (", ".join(dict.fromkeys(result.held)) or "none"),
        "",
        "Result: " + ("every invariant held." if result.ok else f"FAILED — {result.failed}"),
    ]
    return lines
