"""The offline demo: one client's whole journey, played through the real adapters.

Zoë finds an advisor in Telegram and pays through Stripe Checkout (the local stand-in, driven
by the real Stripe SDK, whose signed webhook reaches the real web server over HTTP). Ana, the
advisor, is told in a Discord DM. Zoë links Discord, the private room opens, the session runs
and ends, and the room locks. Zoë rates Ana, tips her, and then asks for her money back under
the guarantee. Every step checks what a user would see; the invariants (fee never refunded,
ledger balanced, channel private, one receipt per purchase, ...) are checked as it goes.

Run it with ``pathwise demo --out DIR``."""

from __future__ import annotations

import csv
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import discord
from pypdf import PdfReader
from sqlalchemy import func, select

from bots.demo.report import Checks, InvariantBroken, StepFailed, Transcript
from bots.demo.world import (
    ADMIN_DISCORD,
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    CLIENT_TELEGRAM,
    STRANGER_DISCORD,
    World,
    demo_world,
)
from core.documents import receipt_pdf
from core.ledger import check_ledger
from core.models import AdviceSession, Purchase
from core.models.billing import LedgerEntry, LedgerTransaction, Receipt, Refund
from core.money import Money
from core.privacy import DELETED_CLIENT, leftovers
from devtools.discord_recorder import BOT_ID
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

# Discord permission bits (discord.Permissions names them; the raw numbers are what the
# channel's overwrites hold).
VIEW = discord.Permissions(view_channel=True).value
SEND = discord.Permissions(send_messages=True).value


@dataclass
class DemoResult:
    """How the demo went: which invariants held, and the first failure, if any."""

    held: list[str] = field(default_factory=list)
    failed: str | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None


def _button(
    call: ApiCall, predicate: Callable[[dict[str, Any]], bool], step: str
) -> dict[str, Any]:
    for row in call.keyboard:
        for button in row:
            if predicate(button):
                return dict(button)
    raise StepFailed(step, f"no such button among {call.button_labels()}")


def _last_with_buttons(calls: list[ApiCall], step: str) -> ApiCall:
    found = [c for c in calls if c.keyboard]
    if not found:
        raise StepFailed(step, "the bot answered without buttons: " + repr([c.text for c in calls]))
    return found[-1]


def _one_document(calls: list[ApiCall], what: str) -> tuple[str, str]:
    """The one PDF among ``calls``: its file name and its text, read back."""
    documents = [c for c in calls if c.method == "sendDocument"]
    if len(documents) != 1:
        raise StepFailed(what, f"expected one {what}, got {len(documents)}")
    name, content, _ = next(iter(documents[0].files.values()))
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return name, text


class Journey:
    """The demo's steps, in order, against a running ``World``."""

    def __init__(self, world: World, transcript: Transcript, out: Path) -> None:
        self.w, self.t, self.out = world, transcript, out
        self.checks = Checks(transcript)
        self.receipts: dict[str, bytes] = {}  # filename -> PDF, as Zoë received them
        self.last: ApiCall | None = None  # the last bot message with buttons
        self.dm_mark = 0  # Ana's DMs seen before the refund

    # -- talking, as Zoë -------------------------------------------------------------------

    async def type(self, text: str) -> list[ApiCall]:
        self.t.say("client", text)
        return self._heard(await self.w.telegram.text(text))

    async def tap(self, label: str, call: ApiCall | None = None) -> list[ApiCall]:
        call = call or self.last
        if call is None or label not in call.button_labels():
            shown = call.button_labels() if call else []
            raise StepFailed(f"tap {label!r}", f"the bot offered {shown}")
        self.t.say("client", f"[taps “{label}”]")
        return self._heard(await self.w.telegram.press(call, label))

    def _heard(self, calls: list[ApiCall]) -> list[ApiCall]:
        self.t.bot_calls(calls)
        with_buttons = [c for c in calls if c.keyboard]
        if with_buttons:
            self.last = with_buttons[-1]
        for call in calls:
            for name, content, _ in call.files.values():
                self.receipts[name] = content
        return calls

    async def deliver(self) -> list[ApiCall]:
        """The outbox's Telegram and Discord messages go out (the worker's job)."""
        calls = self._heard(await self.w.deliver_telegram())
        for message in await self.w.deliver_discord():
            self._discord_line(message)
        return calls

    def _discord_line(self, message: dict[str, Any]) -> None:
        channel = self.w.fake.channels.get(int(message["channel_id"]), {})
        author = int(message["author"]["id"])
        where = "DM" if channel.get("type") == 1 else f"#{channel.get('name', '?')}"
        who = {BOT_ID: "Pathwise bot", CLIENT_DISCORD: "Zoë", ADVISOR_DISCORD: "Ana"}.get(
            author, str(author)
        )
        text = message.get("content") or ""
        for embed in message.get("embeds", []):
            text += "\n" + "\n".join(
                part for part in (embed.get("title"), embed.get("description")) if part
            )
        buttons = [
            b["label"] for row in message.get("components", []) for b in row.get("components", [])
        ]
        self.t.say("discord", f"{who} in {where}: {text.strip()}", buttons)

    async def pay(self, call: ApiCall, step: str) -> str:
        """Zoë pays on the Checkout page behind ``call``'s URL button."""
        link = _button(call, lambda b: "url" in b, step)["url"]
        session_id = str(link).rsplit("/", 1)[1]
        self.t.say("client", f"[pays with a test card on the Stripe Checkout page]\n{link}")
        before = len(self.w.sandbox.deliveries)
        await self.w.sandbox.pay(session_id)
        for delivery in self.w.sandbox.deliveries[before:]:
            self.t.say(
                "stripe",
                f"signed webhook {delivery.event_type} → POST {self.w.webhook_url}: "
                f"HTTP {delivery.status}",
            )
        statuses = {d.status for d in self.w.sandbox.deliveries[before:]}
        self.checks.require(
            "webhooks accepted",
            statuses == {200},
            f"every signed webhook answered 200 (saw {sorted(map(str, statuses))})",
        )
        return session_id

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
        slot = _button(self.last, lambda b: ":slot:" in b.get("callback_data", ""), "slot")
        summary = await self.tap(str(slot["text"]))
        price = _last_with_buttons(summary, "summary")
        text = price.text or ""
        self.checks.require(
            "upfront itemized price",
            "Handling fee (non-refundable): $3.49" in text and "Total: $63.49" in text,
            "the summary lists $60.00 + the $3.49 non-refundable handling fee = $63.49",
        )
        pay_label = next((b for b in price.button_labels() if b.startswith("Pay ")), "Pay")
        first = _last_with_buttons(await self.tap(pay_label), "pay")
        second = _last_with_buttons(await self.tap("Get a new payment link", first), "pay again")
        url = _button(first, lambda b: "url" in b, "pay")["url"]
        posts = [
            r
            for r in self.w.sandbox.requests
            if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]
        self.checks.require(
            "a second click on Pay charges once",
            _button(second, lambda b: "url" in b, "pay again")["url"] == url and len(posts) == 1,
            "both taps gave the same Checkout page; Stripe was asked for one session",
        )
        return first

    async def checkout(self, pay_message: ApiCall) -> None:
        self.t.stage(STAGES[2])
        await self.pay(pay_message, "paying")

    async def receipt_and_payment_dm(self) -> None:
        self.t.stage(STAGES[3])
        before = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        name, text = _one_document(await self.deliver(), "receipt")
        self.checks.require(
            "receipt itemized",
            all(part in text for part in (ADVISOR, "$60.00", "$3.49", "$63.49", "non-refundable")),
            f"{name} lists the session, the non-refundable $3.49 fee and the $63.49 total",
        )
        self._advisor_dm_since(before, "New booking paid", "payment DM")
        await self.books_balance("after the payment")

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
        self._check_private(channel)

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
        self._check_locked(channel)
        self._check_nothing_kept(
            ["Hi Ana, thanks for making time.", "Tell me what changing careers means"]
        )

    async def aftercare(self) -> None:
        self.t.stage(STAGES[5])
        await self.deliver()  # "How was it?"
        await self.tap("5")
        await self.type("Ana helped me see my first step. Thank you!")
        tip_offer = await self.tap(TIP)
        tip_message = _last_with_buttons(tip_offer, "tip")
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        await self.pay(tip_message, "tipping")
        name, text = _one_document(await self.deliver(), "tip receipt")
        self.checks.require(
            "tip receipt has no fee",
            TIP in text and "Handling fee" not in text,
            f"{name} shows the {TIP} tip and no handling fee",
        )
        self._advisor_dm_since(before_dm, "tip", "tip DM")
        await self.tap("Continue", tip_message)
        await self.tap("8")  # how Zoë feels today, 1 to 10
        await self.books_balance("after the tip")
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
        preview = _last_with_buttons(await self.tap("Ask for a refund"), "refund preview")
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
        name, text = _one_document(await self.deliver(), "credit note")
        self.checks.require(
            "credit note keeps the fee",
            "$60.00" in text and "3.49" in text and "non-refundable" in text.lower(),
            f"{name} credits $60.00 and states the $3.49 handling fee is kept",
        )
        self._advisor_dm_since(self.dm_mark, "money-back guarantee", "refund DM")
        await self.fee_never_refunded()
        await self.one_receipt_per_purchase()
        await self.books_balance("at the end")

    async def delete_data(self) -> None:
        self.t.stage(STAGES[7])
        plan = _last_with_buttons(await self.type("/deletemydata"), "deletion plan")
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
        await self.books_balance("after the deletion")
    async def crisis_answer(self) -> None:
        """Zoë writes something that suggests a risk to life: she is answered at once with
        Spain's lines (her time zone), can carry on, and Ana is told without her words."""
        before_dm = len(self.w.fake.messages.get(ADVISOR_DISCORD + 1, []))
        answer = _last_with_buttons(await self.type(HARD_DAY), "crisis answer")
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

    # -- invariants ----------------------------------------------------------------------------

    def _advisor_dm_since(self, before: int, words: str, what: str) -> None:
        dms = self.w.fake.messages.get(ADVISOR_DISCORD + 1, [])[before:]
        channel = self.w.fake.channels.get(ADVISOR_DISCORD + 1, {})
        self.checks.require(
            f"advisor {what}",
            channel.get("type") == 1 and any(words in (m.get("content") or "") for m in dms),
            f"Ana got a Discord DM mentioning “{words}”",
        )

    async def books_balance(self, when: str) -> None:
        async with self.w.db.uow() as uow:
            report = await check_ledger(uow)
        self.checks.require(
            "ledger balanced",
            report.ok,
            f"{when}: {report.transactions} transactions, {report.entries} entries, "
            + ("every one balanced" if report.ok else "; ".join(report.violations)),
        )

    async def fee_never_refunded(self) -> None:
        async with self.w.db.uow() as uow:
            purchases = list(await uow.session.scalars(select(Purchase).order_by(Purchase.id)))
            refunds = list(await uow.session.scalars(select(Refund)))
        booking = next(p for p in purchases if p.fee_minor > 0)
        refunded = sum(r.amount_minor for r in refunds if r.purchase_id == booking.id)
        kept = booking.total_minor - refunded
        self.checks.require(
            "fee never refunded",
            kept >= booking.fee_minor and refunded == booking.service_minor,
            f"refunded {Money(refunded, booking.currency).format()} of "
            f"{Money(booking.total_minor, booking.currency).format()}; the "
            f"{Money(booking.fee_minor, booking.currency).format()} handling fee was kept",
        )

    async def one_receipt_per_purchase(self) -> None:
        async with self.w.db.uow() as uow:
            paid = list(
                await uow.session.scalars(select(Purchase).where(Purchase.paid_at.is_not(None)))
            )
            rows = await uow.session.execute(
                select(Receipt.purchase_id, func.count())
                .where(Receipt.refund_id.is_(None))
                .group_by(Receipt.purchase_id)
            )
            counts = {purchase_id: count for purchase_id, count in rows}
        got = [n for n in self.receipts if "receipt" in n]
        self.checks.require(
            "one receipt per purchase",
            all(counts.get(p.id) == 1 for p in paid) and len(got) == len(paid),
            f"{len(paid)} purchases (booking and tip), {len(got)} receipts sent, one each",
        )

    def _check_private(self, channel: discord.TextChannel) -> None:
        raw = {int(o["id"]): o for o in self.w.fake.channels[channel.id]["permission_overwrites"]}
        everyone = raw.get(self.w.guild.id, {})
        stranger = self.w.guild.get_member(STRANGER_DISCORD)
        people_ok = all(
            (member := self.w.guild.get_member(uid)) is not None
            and channel.permissions_for(member).view_channel
            and channel.permissions_for(member).send_messages
            for uid in (CLIENT_DISCORD, ADVISOR_DISCORD)
        )
        self.checks.require(
            "channel private",
            set(raw) == {self.w.guild.id, CLIENT_DISCORD, ADVISOR_DISCORD, BOT_ID}
            and int(everyone.get("deny", 0)) & VIEW == VIEW
            and stranger is not None
            and not channel.permissions_for(stranger).view_channel
            and people_ok,
            f"#{channel.name}: @everyone denied View Channel; only Zoë, Ana and the bot "
            "have overwrites; another server member cannot see it",
        )

    def _check_locked(self, channel: discord.TextChannel) -> None:
        locked = True
        for uid in (CLIENT_DISCORD, ADVISOR_DISCORD):
            member = self.w.guild.get_member(uid)
            perms = channel.permissions_for(member) if member else None
            locked &= perms is not None and perms.view_channel and not perms.send_messages
        self.checks.require(
            "channel locked after the session",
            locked,
            f"#{channel.name} is read-only for Zoë and Ana",
        )

    def _check_nothing_kept(self, phrases: list[str]) -> None:
        """No transcript by default: what was said in the room is nowhere in the database."""
        url = self.w.settings.database_url
        path = Path(url.split("///", 1)[1])
        stored = b"".join(
            p.read_bytes()
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
            if p.exists()
        )
        found = [p for p in phrases if p.encode() in stored]
        self.checks.require(
            "no transcript kept",
            not found,
            "nothing said in the room is stored in the database",
        )

    async def _session(self) -> AdviceSession:
        async with self.w.db.uow() as uow:
            session = (await uow.session.scalars(select(AdviceSession))).first()
        if session is None:
            raise StepFailed("the session", "the booking has no session")
        return session

    # -- files ---------------------------------------------------------------------------

    async def write_files(self) -> list[Path]:
        receipts = self.out / "receipts"
        receipts.mkdir(parents=True, exist_ok=True)
        written = []
        for name, content in self.receipts.items():
            target = receipts / name
            target.write_bytes(content)
            written.append(target)
        written.append(await self._ledger_csv(self.out / "ledger.csv"))
        return written

    async def _ledger_csv(self, target: Path) -> Path:
        async with self.w.db.uow() as uow:
            rows = (
                await uow.session.execute(
                    select(LedgerTransaction, LedgerEntry)
                    .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
                    .order_by(LedgerTransaction.id, LedgerEntry.id)
                )
            ).all()
            with target.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    [
                        "transaction",
                        "kind",
                        "purchase_id",
                        "account",
                        "advisor_id",
                        "amount_minor",
                        "currency",
                        "amount",
                    ]
                )
                for transaction, entry in rows:
                    writer.writerow(
                        [
                            transaction.key,
                            transaction.kind,
                            transaction.purchase_id or "",
                            entry.account,
                            entry.advisor_id or "",
                            entry.amount_minor,
                            entry.currency,
                            Money(entry.amount_minor, entry.currency).format(),
                        ]
                    )
        return target


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
