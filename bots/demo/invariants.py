"""The demo's invariants, checked against the database and the Discord stand-in as it goes:
books balanced, fee never refunded, one receipt per purchase, the room private then locked,
nothing said in it kept."""

from __future__ import annotations

from pathlib import Path

import discord
from sqlalchemy import func, select

from bots.demo.report import Checks
from bots.demo.speech import made_from, money, render
from bots.demo.world import ADVISOR_DISCORD, CLIENT_DISCORD, STRANGER_DISCORD, World
from core.ledger import check_ledger
from core.models import Purchase
from core.models.billing import Receipt, Refund
from core.texts import Text
from core.texts import demo as t
from devtools.discord_recorder import BOT_ID

# Discord permission bits (discord.Permissions names them; the raw numbers are what the
# channel's overwrites hold).
VIEW = discord.Permissions(view_channel=True).value
SEND = discord.Permissions(send_messages=True).value


class Invariants:
    """Each check records what held in ``checks``, or raises InvariantBroken. What is told
    is in ``language`` (the client's and the transcript's), amounts as ``locale`` writes
    them; what Ana reads is recognised in ``advisor_language``."""

    def __init__(
        self,
        world: World,
        checks: Checks,
        language: str,
        locale: str,
        advisor_language: str,
        client: str,
    ) -> None:
        self.w, self.checks = world, checks
        self.language, self.locale, self.advisor_language = language, locale, advisor_language
        self.client = client

    def said(self, text: Text, /, **params: object) -> str:
        return render(self.language, text, **params)

    def money(self, minor: int, currency: str) -> str:
        return money(minor, currency, self.locale)

    def advisor_dm_since(self, before: int, name: Text, *texts: Text) -> None:
        """Ana got a DM made from one of ``texts`` (as she reads them) since ``before``."""
        dms = self.w.fake.messages.get(ADVISOR_DISCORD + 1, [])[before:]
        channel = self.w.fake.channels.get(ADVISOR_DISCORD + 1, {})
        found = [
            m["content"]
            for m in dms
            if made_from(m.get("content") or "", self.advisor_language, *texts)
        ]
        excerpt = found[0] if found else ""
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        self.checks.require(
            name,
            channel.get("type") == 1 and bool(found),
            self.said(t.DM_HELD, advisor="Ana", excerpt=excerpt),
        )

    async def books_balance(self, when: Text) -> None:
        async with self.w.db.uow() as uow:
            report = await check_ledger(uow)
        counts = {
            "when": self.said(when),
            "transactions": report.transactions,
            "entries": report.entries,
        }
        self.checks.require(
            t.LEDGER_BALANCED,
            report.ok,
            self.said(t.LEDGER_HELD, **counts)
            if report.ok
            else self.said(t.LEDGER_BROKEN, **counts, violations="; ".join(report.violations)),
        )

    async def fee_never_refunded(self) -> None:
        async with self.w.db.uow() as uow:
            purchases = list(await uow.session.scalars(select(Purchase).order_by(Purchase.id)))
            refunds = list(await uow.session.scalars(select(Refund)))
        booking = next(p for p in purchases if p.fee_minor > 0)
        refunded = sum(r.amount_minor for r in refunds if r.purchase_id == booking.id)
        kept = booking.total_minor - refunded
        self.checks.require(
            t.FEE_NEVER_REFUNDED,
            kept >= booking.fee_minor and refunded == booking.service_minor,
            self.said(
                t.FEE_KEPT_HELD,
                refunded=self.money(refunded, booking.currency),
                total=self.money(booking.total_minor, booking.currency),
                fee=self.money(booking.fee_minor, booking.currency),
            ),
        )

    async def one_receipt_per_purchase(self, receipts: dict[str, bytes]) -> None:
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
            numbers = list(
                await uow.session.scalars(select(Receipt.number).where(Receipt.refund_id.is_(None)))
            )
        # A receipt's file is named for its number, whatever the client's language.
        got = [n for n in receipts if n.endswith(".pdf") and any(no in n for no in numbers)]
        self.checks.require(
            t.ONE_RECEIPT,
            all(counts.get(p.id) == 1 for p in paid) and len(got) == len(paid),
            self.said(t.ONE_RECEIPT_HELD, purchases=len(paid), receipts=len(got)),
        )

    def check_private(self, channel: discord.TextChannel) -> None:
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
            t.CHANNEL_PRIVATE,
            set(raw) == {self.w.guild.id, CLIENT_DISCORD, ADVISOR_DISCORD, BOT_ID}
            and int(everyone.get("deny", 0)) & VIEW == VIEW
            and stranger is not None
            and not channel.permissions_for(stranger).view_channel
            and people_ok,
            self.said(t.PRIVATE_HELD, channel=channel.name, client=self.client, advisor="Ana"),
        )

    def check_locked(self, channel: discord.TextChannel) -> None:
        locked = True
        for uid in (CLIENT_DISCORD, ADVISOR_DISCORD):
            member = self.w.guild.get_member(uid)
            perms = channel.permissions_for(member) if member else None
            locked &= perms is not None and perms.view_channel and not perms.send_messages
        self.checks.require(
            t.CHANNEL_LOCKED,
            locked,
            self.said(t.LOCKED_HELD, channel=channel.name, client=self.client, advisor="Ana"),
        )

    def check_nothing_kept(self, phrases: list[str]) -> None:
        """No transcript by default: what was said in the room is nowhere in the database."""
        url = self.w.settings.database_url
        path = Path(url.split("///", 1)[1])
        stored = b"".join(
            p.read_bytes()
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
            if p.exists()
        )
        found = [p for p in phrases if p.encode() in stored]
        self.checks.require(t.NO_TRANSCRIPT, not found, self.said(t.NO_TRANSCRIPT_HELD))
