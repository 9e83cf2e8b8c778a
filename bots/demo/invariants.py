"""The demo's invariants, checked against the database and the Discord stand-in as it goes:
books balanced, fee never refunded, one receipt per purchase, the room private then locked,
nothing said in it kept."""

from __future__ import annotations

from pathlib import Path

import discord
from sqlalchemy import func, select

from bots.demo.report import Checks
from bots.demo.world import ADVISOR_DISCORD, CLIENT_DISCORD, STRANGER_DISCORD, World
from core.ledger import check_ledger
from core.models import Purchase
from core.models.billing import Receipt, Refund
from core.money import Money
from devtools.discord_recorder import BOT_ID

# Discord permission bits (discord.Permissions names them; the raw numbers are what the
# channel's overwrites hold).
VIEW = discord.Permissions(view_channel=True).value
SEND = discord.Permissions(send_messages=True).value


class Invariants:
    """Each check records what held in ``checks``, or raises InvariantBroken."""

    def __init__(self, world: World, checks: Checks) -> None:
        self.w, self.checks = world, checks

    def advisor_dm_since(self, before: int, words: str, what: str) -> None:
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
        got = [n for n in receipts if "receipt" in n]
        self.checks.require(
            "one receipt per purchase",
            all(counts.get(p.id) == 1 for p in paid) and len(got) == len(paid),
            f"{len(paid)} purchases (booking and tip), {len(got)} receipts sent, one each",
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
            "channel private",
            set(raw) == {self.w.guild.id, CLIENT_DISCORD, ADVISOR_DISCORD, BOT_ID}
            and int(everyone.get("deny", 0)) & VIEW == VIEW
            and stranger is not None
            and not channel.permissions_for(stranger).view_channel
            and people_ok,
            f"#{channel.name}: @everyone denied View Channel; only Zoë, Ana and the bot "
            "have overwrites; another server member cannot see it",
        )

    def check_locked(self, channel: discord.TextChannel) -> None:
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
        self.checks.require(
            "no transcript kept",
            not found,
            "nothing said in the room is stored in the database",
        )
