"""The offline demo: one client's whole journey, played through the real adapters.

Zoë (Lucía when the demo is played in Spanish) finds an advisor in Telegram and pays through
Stripe Checkout (the local stand-in, driven by the real Stripe SDK, whose signed webhook
reaches the real web server over HTTP). Ana, the
advisor, is told in a Discord DM. Zoë links Discord, the private room opens, the session runs
and ends, and the room locks. Zoë rates Ana, tips her, and then asks for her money back under
the guarantee. Every step checks what a user would see; the invariants (fee never refunded,
ledger balanced, channel private, one receipt per purchase, ...) are checked as it goes.

The demo is played in one language (``--lang``): the client's Telegram is in it, so the bot
answers her in it, she types in it, and the transcript tells the story in it. Every button
the demo taps and every text it checks is rendered from the catalogue in the language of the
person who reads it (``bots.demo.speech``), so the same journey runs in each language.

Run it with ``pathwise demo --out DIR [--lang es]``."""

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
from babel import Locale
from pypdf import PdfReader
from sqlalchemy import select

from bots.demo.files import write_files
from bots.demo.invariants import Invariants
from bots.demo.player import Player, button, calendar_event, last_with_buttons, one_document
from bots.demo.report import InvariantBroken, StepFailed, Transcript
from bots.demo.speech import made_from, plain, render, script
from bots.demo.world import (
    ADMIN_DISCORD,
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    World,
    demo_world,
)
from core import i18n
from core.documents import receipt_pdf
from core.models import AdviceSession, Booking
from core.models.billing import Receipt
from core.privacy import DELETED_CLIENT, leftovers
from core.taxonomy import Topic
from core.texts import aftercare as ta
from core.texts import billing as tbl
from core.texts import booking as tb
from core.texts import calendar as tcal
from core.texts import catalogue as tcat
from core.texts import chat as tc
from core.texts import demo as t
from core.texts import intake as ti
from core.texts import menu as tm
from core.texts import mybookings as tmb
from core.texts import mydata as tmd
from core.texts import privacy as tp
from core.texts import receipts as tr
from core.texts import refunds as trf
from core.texts import safety as ts
from devtools.telegram_recorder import ApiCall

log = logging.getLogger(__name__)

ADVISOR = "Ana Ruiz"
ADVISOR_SLUG = "ana-ruiz"
OFFER_MINUTES = 60  # Ana's 60-minute live session ...
PRICE_MINOR = 6000  # ... at 60.00 in the sample catalogue
TIP_MINOR = 500
SESSION_LANGUAGE = "es"  # the client asks for a session in Spanish, whatever her own language
STAGES = (
    t.STAGE_LINK_ADVISOR,
    t.STAGE_BOOK,
    t.STAGE_PAY,
    t.STAGE_RECEIPT,
    t.STAGE_SESSION,
    t.STAGE_AFTERCARE,
    t.STAGE_CLOSING,
    t.STAGE_DELETE,
)


@dataclass
class DemoResult:
    """How the demo went: which invariants held (by their English names), and the first
    failure, if any (in the demo's language)."""

    held: list[str] = field(default_factory=list)
    failed: str | None = None
    files: list[Path] = field(default_factory=list)
    language: str = "en"

    @property
    def ok(self) -> bool:
        return self.failed is None


class Journey(Player):
    """The demo's stages, in order, against a running ``World``."""

    def __init__(self, world: World, transcript: Transcript, out: Path, language: str) -> None:
        super().__init__(world, transcript, language)
        self.out = out
        self.inv = Invariants(
            world, self.checks, language, self.locale, self.advisor_language, self.client
        )
        self.dm_mark = 0  # Ana's DMs seen before the refund
        fee = world.settings.handling_fee_minor
        self.price, self.fee, self.total = PRICE_MINOR, fee, PRICE_MINOR + fee

    def stage(self, number: int) -> None:
        title = STAGES[number]
        people = {"client": self.client, "advisor": "Ana", "deleted": DELETED_CLIENT}
        self.t.stage(self.said(title, **{k: v for k, v in people.items() if k in title.params}))

    def fee_row(self) -> str:
        """The handling fee's line on a price or a refund, as the client reads it."""
        return self.said(tbl.FEE_LINE)

    # -- the stages --------------------------------------------------------------------------

    async def setup(self) -> None:
        """The Pathwise team links Ana's Discord account to her advisor profile."""
        self.stage(0)
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
            self.t.say("discord", self.said(t.ONLY_THEY_SEE, name="Max", answer=answer))

    async def book(self) -> ApiCall:
        self.stage(1)
        with i18n.speaking(self.language):
            topic = Topic.CAREER.label.capitalize()
        session_language = str(Locale.parse(self.locale).languages[SESSION_LANGUAGE])
        await self.type("/start")
        await self.tap(self.said(tm.AGREE))
        await self.tap(self.said(tc.FIND_AN_ADVISOR))
        await self.tap(topic)
        await self.tap(self.said(ti.DONE))
        await self.type(self.script.problem)
        await self.tap(session_language[:1].upper() + session_language[1:])
        await self.type(self.script.city)
        await self.tap(self.said(ti.LIVE60))
        await self.type(self.script.a_word_for_a_number)  # a friendly retry
        await self.type(self.script.budget)
        results = await self.tap(self.said(ti.ANY_TIME))
        if not any(ADVISOR in (c.text or "") for c in results):
            raise StepFailed("matching", f"{ADVISOR} was not among the matches")
        await self.tap(self.said(ti.CHOOSE, name=ADVISOR))
        assert self.last is not None
        offer_name = self.said(tcat.LIVE_SESSION, minutes=OFFER_MINUTES)
        offer = next(
            (b for b in self.last.button_labels() if b.lower().startswith(offer_name.lower())), None
        )
        if offer is None:
            raise StepFailed(
                "choosing the offer", f"no {offer_name} among {self.last.button_labels()}"
            )
        await self.tap(offer)
        assert self.last is not None
        slot = button(self.last, lambda b: ":slot:" in b.get("callback_data", ""), "slot")
        summary = await self.tap(str(slot["text"]))
        price = last_with_buttons(summary, "summary")
        text = read(price)
        fee, total = self.money(self.fee), self.money(self.total)
        self.checks.require(
            t.UPFRONT_PRICE,
            made_from(text, self.language, tbl.QUOTE_ROW, label=self.fee_row(), amount=fee)
            and made_from(text, self.language, tbl.QUOTE_TOTAL, total=total),
            self.said(t.UPFRONT_PRICE_HELD, price=self.money(self.price), fee=fee, total=total),
        )
        first = last_with_buttons(await self.tap(self.said(tb.PAY, total=total)), "pay")
        second = last_with_buttons(await self.tap(self.said(tb.NEW_LINK), first), "pay again")
        url = button(first, lambda b: "url" in b, "pay")["url"]
        posts = [
            r
            for r in self.w.sandbox.requests
            if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]
        self.checks.require(
            t.PAY_ONCE,
            button(second, lambda b: "url" in b, "pay again")["url"] == url and len(posts) == 1,
            self.said(t.PAY_ONCE_HELD),
        )
        return first

    async def checkout(self, pay_message: ApiCall) -> None:
        self.stage(2)
        await self.pay(pay_message, "paying")

    async def receipt_and_payment_dm(self) -> None:
        self.stage(3)
        before = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        delivered = await self.deliver()
        name, text = one_document(delivered, "receipt")
        fee, total = self.money(self.fee), self.money(self.total)
        amounts = (ADVISOR, self.money(self.price), fee, total)
        self.checks.require(
            t.RECEIPT_ITEMIZED,
            all(plain(part) in plain(text) for part in amounts)
            and self.said(tr.NON_REFUNDABLE_MARK).lower() in text.lower(),
            self.said(t.RECEIPT_HELD, file=name, fee=fee, total=total),
        )
        ics, event = calendar_event(delivered, "calendar file")
        async with self.w.db.uow() as uow:
            booking = (await uow.session.scalars(select(Booking))).first()
        description = str(event["description"])
        opens = self.w.settings.channel_open_minutes_before
        self.checks.require(
            t.CALENDAR_FILE,
            booking is not None
            and event.decoded("dtstart") == booking.starts_at
            and event.decoded("dtend") == booking.ends_at
            and made_from(description, self.language, tcal.EVENT_JOIN, opens=opens)
            and made_from(
                description, self.language, tcal.EVENT_CHANGES, tcal.EVENT_CHANGES_PASSED
            ),
            self.said(t.CALENDAR_HELD, file=ics),
        )
        self.inv.advisor_dm_since(
            before, t.ADVISOR_PAYMENT_DM, tbl.BOOKING_PAID, tbl.BOOKING_PAID_ON
        )
        await self.inv.books_balance(t.LEDGER_AFTER_PAYMENT)

    async def discord_session(self) -> None:
        self.stage(4)
        report = await self.w.discord_bot.sessions.tick()
        join = await self.deliver()
        code = next(
            (m.group(1) for c in join if (m := re.search(r"/link (\S+)", c.text or ""))), None
        )
        if code is None or not report.join_sent:
            raise StepFailed("joining Discord", f"no invite and link code reached {self.client}")
        self.t.say("client", f"{self.said(t.JOINS)} /link {code}")
        for answer in await self.w.slash(
            "link", CLIENT_DISCORD, [{"type": 3, "name": "code", "value": code}]
        ):
            self.t.say("discord", self.said(t.ONLY_THEY_SEE, name=self.client, answer=answer))

        session = await self._session()
        self.w.clock.set(session.starts_at - timedelta(minutes=10))
        self.t.say("discord", self.said(t.BEFORE_START, minutes=10))
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
            (self.client, CLIENT_DISCORD, self.script.room_client),
            ("Ana", ADVISOR_DISCORD, self.script.room_advisor),
        ):
            await self.w.fake.say(channel.id, user, text)
            self.t.say(
                "discord", self.said(t.SAID_IN, who=who, where=f"#{channel.name}", text=text)
            )
        self.w.clock.set(session.ends_at + timedelta(minutes=1))
        self.t.say("discord", self.said(t.AT_THE_END))
        before = len(self.w.fake.messages[channel.id])
        ended = await self.w.discord_bot.sessions.tick()
        for message in self.w.fake.messages[channel.id][before:]:
            self._discord_line(message)
        if not ended.ended:
            raise StepFailed("ending the session", "the tick did not end it")
        self.inv.check_locked(channel)
        self.inv.check_nothing_kept(list(self.script.room_phrases))

    async def aftercare(self) -> None:
        self.stage(5)
        await self.deliver()  # "How was it?"
        await self.tap("5")
        await self.type(self.script.review)
        tip = self.money(TIP_MINOR)
        tip_offer = await self.tap(tip)
        tip_message = last_with_buttons(tip_offer, "tip")
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        await self.pay(tip_message, "tipping")
        name, text = one_document(await self.deliver(), "tip receipt")
        self.checks.require(
            t.TIP_NO_FEE,
            plain(tip) in plain(text) and plain(self.fee_row()) not in plain(text),
            self.said(t.TIP_NO_FEE_HELD, file=name, tip=tip),
        )
        self.inv.advisor_dm_since(before_dm, t.ADVISOR_TIP_DM, tbl.TIP_RECEIVED)
        await self.tap(self.said(ta.CONTINUE), tip_message)
        await self.tap("8")  # how the client feels today, 1 to 10
        await self.inv.books_balance(t.LEDGER_AFTER_TIP)
        await self.crisis_answer()

        # The next day the client changes her mind and uses the money-back guarantee.
        session = await self._session()
        self.w.clock.set(session.ends_at + timedelta(hours=20))
        self.t.say("client", self.said(t.NEXT_DAY))
        await self.type("/bookings")
        assert self.last is not None
        booking = next((b for b in self.last.button_labels() if ADVISOR in b), None)
        if booking is None:
            raise StepFailed("my bookings", f"no booking with {ADVISOR}")
        await self.tap(booking)
        preview = last_with_buttons(await self.tap(self.said(tmb.ASK_REFUND)), "refund preview")
        text = read(preview)
        back, fee = self.money(self.price), self.money(self.fee)
        self.checks.require(
            t.PREVIEW_KEEPS_FEE,
            made_from(text, self.language, trf.PREVIEW_TOTAL, amount=back)
            and made_from(
                text,
                self.language,
                trf.PREVIEW_LINE,
                tbl.QUOTE_ROW,
                label=self.fee_row(),
                amount=fee,
            ),
            self.said(t.PREVIEW_HELD, amount=back, fee=fee),
        )
        self.dm_mark = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        await self.tap(self.said(tmb.YES_REFUND, amount=back), preview)

    async def closing(self) -> None:
        self.stage(6)
        name, text = one_document(await self.deliver(), "credit note")
        back, fee = self.money(self.price), self.money(self.fee)
        self.checks.require(
            t.CREDIT_NOTE_KEEPS_FEE,
            plain(back) in plain(text)
            and plain(fee) in plain(text)
            and self.said(tr.NON_REFUNDABLE_MARK).lower() in text.lower(),
            self.said(t.CREDIT_NOTE_HELD, file=name, amount=back, fee=fee),
        )
        self.inv.advisor_dm_since(self.dm_mark, t.ADVISOR_REFUND_DM, trf.ADVISOR_GUARANTEE)
        await self.inv.fee_never_refunded()
        await self.inv.one_receipt_per_purchase(self.receipts)
        await self.inv.books_balance(t.LEDGER_AT_THE_END)

    async def delete_data(self) -> None:
        self.stage(7)
        plan = last_with_buttons(await self.type("/deletemydata"), "deletion plan")
        self.checks.require(
            t.DELETION_EXPLAINED,
            made_from(read(plan), self.language, tp.PLAN_KEEPS),
            self.said(t.DELETION_HELD),
        )
        done = await self.tap(self.said(tmd.YES_DELETE), plan)
        said = " ".join(read(c) for c in done)
        found = await leftovers(
            self.w.db,
            [
                str(self.w.client["id"]),
                str(CLIENT_DISCORD),
                str(self.w.client["first_name"]),
                self.script.problem,
                *self.script.client_phrases,
            ],
        )
        async with self.w.db.uow() as uow:
            receipt = await uow.session.scalar(select(Receipt).order_by(Receipt.id).limit(1))
            assert receipt is not None
            pdf = await receipt_pdf(uow, receipt)
            await uow.commit()
        printed = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
        self.checks.require(
            t.DATA_GONE,
            made_from(said, self.language, tmd.ERASED) and not found and DELETED_CLIENT in printed,
            self.said(
                t.DATA_GONE_HELD,
                client=self.client,
                found=found or self.said(t.FOUND_NOTHING),
                deleted=DELETED_CLIENT,
            ),
        )
        await self.inv.books_balance(t.LEDGER_AFTER_DELETION)

    async def crisis_answer(self) -> None:
        """The client writes something that suggests a risk to life: she is answered at once
        with Spain's lines (her time zone), can carry on, and Ana is told without her words."""
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        answer = last_with_buttons(await self.type(self.script.hard_day), "crisis answer")
        text = read(answer)
        carry_on = self.said(ts.CONTINUE)
        self.checks.require(
            t.CRISIS_LINES,
            made_from(text, self.language, ts.NOT_EMERGENCY, emergency="112")
            and made_from(text, self.language, ts.LINE, phone="024")
            and answer.button_labels() == [carry_on],
            self.said(
                t.CRISIS_LINES_HELD,
                client=self.client,
                city=self.script.city,
                line="024",
                emergency="112",
            ),
        )
        menu = await self.tap(carry_on, answer)
        await self.deliver()
        dms = self.w.fake.messages.get(ADVISOR_DISCORD + 1, [])[before_dm:]
        heads_up = [
            m
            for m in dms
            if made_from(m.get("content") or "", self.advisor_language, ts.ADVISOR_HEADS_UP)
        ]
        self.checks.require(
            t.CRISIS_NO_WORDS,
            len(heads_up) == 1
            and self.script.hard_words not in heads_up[0]["content"]
            and any(self.said(tm.HOME) in read(c) for c in menu),
            self.said(t.CRISIS_NO_WORDS_HELD, advisor="Ana", client=self.client),
        )

    # -- reading back ---------------------------------------------------------------------------

    async def _session(self) -> AdviceSession:
        async with self.w.db.uow() as uow:
            session = (await uow.session.scalars(select(AdviceSession))).first()
        if session is None:
            raise StepFailed("the session", "the booking has no session")
        return session

    async def write_files(self) -> list[Path]:
        """The PDFs the client received and the ledger, written under ``out``."""
        return await write_files(self.w, self.out, self.receipts)


def read(call: ApiCall) -> str:
    """A Telegram message's text as the client reads it (HTML entities undone)."""
    return html.unescape(call.text or "")


async def run_demo(
    out: Path,
    echo: Callable[[str], None],
    start: datetime | None = None,
    language: str = "en",
) -> DemoResult:
    """Play the journey in ``out`` (a fresh database there; files written there), with a
    client whose Telegram is in ``language`` and a transcript told in it."""
    language = i18n.supported(language)
    start = start or datetime.now(UTC).replace(second=0, microsecond=0)
    # discord.py warns that voice support is missing; the demo has no voice.
    logging.getLogger("discord.client").setLevel(logging.ERROR)
    transcript = Transcript(echo, len(STAGES), language, client=script(language).client_name)
    result = DemoResult(language=language)
    errors: list[BaseException] = []
    echo(render(language, t.WRITING_TO, out=out))
    journey: Journey | None = None
    try:
        async with demo_world(out, start, errors, language) as (world, advisors):
            echo(
                render(
                    language,
                    t.SET_UP,
                    out=out,
                    advisors=advisors,
                    stripe=world.sandbox.url,
                    webhooks=world.webhook_url,
                )
            )
            journey = Journey(world, transcript, out, language)
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
                result.failed = render(language, t.BROKEN, name=broken.name, detail=broken.detail)
            except StepFailed as failed:
                result.failed = render(language, t.STOPPED, step=failed.step, detail=failed.detail)
            except Exception as error:  # a bug: say where, keep the traceback for developers
                log.exception("the demo stopped")
                stage = (
                    transcript.stages[-1].title
                    if transcript.stages
                    else render(language, t.SETTING_UP)
                )
                result.failed = render(language, t.UNEXPECTED, stage=stage, error=repr(error))
            finally:
                result.held = list(journey.checks.held)
                result.files = await journey.write_files()
    finally:
        summary = _summary(result, start, journey.checks.shown() if journey else [])
        (out / "transcript.md").write_text(
            transcript.markdown(render(language, t.TITLE), summary), encoding="utf-8"
        )
        result.files.insert(0, out / "transcript.md")
    return result


def _summary(result: DemoResult, start: datetime, held: list[str]) -> list[str]:
    language = result.language
    outcome = (
        render(language, t.RESULT_HELD)
        if result.ok
        else render(language, t.RESULT_FAILED, reason=result.failed)
    )
    return [
        render(language, t.PLAYED, when=f"{start:%Y-%m-%d %H:%M}"),
        "",
        render(language, t.CHECKED, names=", ".join(held) or render(language, t.CHECKED_NONE)),
        "",
        outcome,
    ]
