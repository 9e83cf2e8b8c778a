"""Delivers the outbox's Discord messages: advisors' DMs (payments, tips, refunds, payouts,
reminders) and the team's admin notices.

At least once, with backoff, like the Telegram delivery. An advisor whose DMs are closed
(Discord error 50007) gets the message in a private advisor channel instead, which only they,
the bot (and server administrators) can see.
"""

from __future__ import annotations

import io
import logging

import discord

from bots.discord.channels import hidden_category
from core import outbox
from core.accounts import Platform, platform_user_id
from core.clock import Clock
from core.db import Database
from core.documents import load_document
from core.outbox import Audience, OutboxItem
from core.receipts import ReceiptFonts
from core.texts import discord_bot as b

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # Discord: "Cannot send messages to this user"
ADVISORS_CATEGORY = "Advisors"
ADMIN_CHANNEL = "pathwise-admin"
MESSAGE_LIMIT = 2000


def inbox_name(advisor_id: int) -> str:
    return f"advisor-{advisor_id}"


class DiscordDelivery:
    """Sends due outbox messages to advisors (as DMs) and to the team (its admin channel);
    the worker loop calls ``deliver_due``."""

    def __init__(
        self,
        db: Database,
        client: discord.Client,
        clock: Clock,
        guild_id: int,
        admin_role_id: int | None = None,
        fonts: ReceiptFonts | None = None,
    ) -> None:
        """``fonts``: the process's parsed fonts, for receipts rendered on their way out."""
        self.db = db
        self.fonts = fonts
        self.client = client
        self.clock = clock
        self.guild_id = guild_id
        self.admin_role_id = admin_role_id

    async def deliver_due(self, limit: int = 20) -> int:
        """Send what is due now; returns how many were sent."""
        sent = 0
        for audience in (Audience.ADVISOR, Audience.ADMIN):
            async with self.db.uow() as uow:
                items = await outbox.claim_due(uow, audience, self.clock.now(), limit=limit)
                await uow.commit()
            sent += await outbox.deliver_each(self.db, self.clock, items, self._deliver)
        return sent

    async def _deliver(self, item: OutboxItem) -> int:
        """One message, its outcome recorded in its own transaction."""
        try:
            if item.audience is Audience.ADMIN:
                await self._to_admins(item)
            else:
                delivered = await self._to_advisor(item)
                if not delivered:
                    await self._settle(item, undeliverable="advisor has no Discord account")
                    return 0
        except discord.HTTPException as error:
            log.warning("outbox message %s not delivered: HTTP %s", item.id, error.status)
            async with self.db.uow() as uow:
                await outbox.mark_failed(uow, item.id, self.clock.now(), f"HTTP {error.status}")
                await uow.commit()
            return 0
        await self._settle(item)
        return 1

    async def _settle(self, item: OutboxItem, undeliverable: str | None = None) -> None:
        async with self.db.uow() as uow:
            if undeliverable:
                await outbox.mark_undeliverable(uow, item.id, self.clock.now(), undeliverable)
            else:
                await outbox.mark_sent(uow, item.id, self.clock.now())
            await uow.commit()

    async def _file(self, item: OutboxItem) -> discord.File | None:
        if item.document is None:
            return None
        async with self.db.uow() as uow:
            data = await load_document(uow, item.document, self.fonts)
            await uow.commit()  # a receipt rendered just now is kept
        return discord.File(io.BytesIO(data), filename=item.document.filename)

    async def _to_advisor(self, item: OutboxItem) -> bool:
        """A DM; if their DMs are closed, their private advisor channel. False if the advisor
        has no Discord account at all."""
        if item.advisor_id is None:
            return False
        async with self.db.uow() as uow:
            user_id = await platform_user_id(uow, Platform.DISCORD, advisor_id=item.advisor_id)
        if user_id is None:
            return False
        text = item.text[:MESSAGE_LIMIT]
        try:
            dm = await self.client.create_dm(discord.Object(user_id))
            await dm.send(text, file=await self._file(item) or discord.utils.MISSING)
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                raise
            inbox = await self._advisor_inbox(item.advisor_id, user_id)
            await inbox.send(
                f"<@{user_id}> {text}"[:MESSAGE_LIMIT],
                file=await self._file(item) or discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions(users=True),
            )
        return True

    def _guild(self) -> discord.Guild:
        guild = self.client.get_guild(self.guild_id)
        if guild is None:
            raise RuntimeError(f"the bot is not in the Discord server {self.guild_id}")
        return guild

    async def _private_channel(
        self,
        name: str,
        category_name: str,
        allowed: discord.Role | discord.Object | None,
        topic: str,
        *,
        allowed_may_write: bool = False,
    ) -> discord.TextChannel:
        """A text channel only ``allowed``, the bot and server administrators can see."""
        guild = self._guild()
        existing = discord.utils.get(guild.text_channels, name=name)
        if existing is not None:
            return existing
        hidden = discord.PermissionOverwrite(view_channel=False)
        category = discord.utils.get(guild.categories, name=category_name)
        if category is None:
            category = await guild.create_category(
                category_name, overwrites=hidden_category(guild), reason="private notices"
            )
        overwrites: dict[
            discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
        ] = {
            guild.default_role: hidden,
            guild.me: discord.PermissionOverwrite(
                view_channel=True, send_messages=True, attach_files=True
            ),
        }
        if allowed is not None:
            overwrites[allowed] = discord.PermissionOverwrite(
                view_channel=True, read_message_history=True, send_messages=allowed_may_write
            )
        return await guild.create_text_channel(
            name, category=category, overwrites=overwrites, topic=topic, reason=topic
        )

    async def _advisor_inbox(self, advisor_id: int, user_id: int) -> discord.TextChannel:
        name = inbox_name(advisor_id)
        known = discord.utils.get(self._guild().text_channels, name=name)
        if known is not None:
            return known
        channel = await self._private_channel(
            name,
            ADVISORS_CATEGORY,
            discord.Object(user_id, type=discord.Member),
            b.INBOX_TOPIC(),
        )
        await channel.send(b.INBOX_INTRO())
        return channel

    async def _to_admins(self, item: OutboxItem) -> None:
        guild = self._guild()
        role = guild.get_role(self.admin_role_id) if self.admin_role_id else None
        channel = await self._private_channel(
            ADMIN_CHANNEL,
            "Pathwise team",
            role,
            b.TEAM_TOPIC(),
            allowed_may_write=True,
        )
        await channel.send(
            item.text[:MESSAGE_LIMIT], file=await self._file(item) or discord.utils.MISSING
        )
