"""Delivers the outbox's Telegram messages (receipts, join instructions, reminders).

At least once, with backoff: a message is claimed with a lease, sent, then marked sent; a
failure is retried later; a client who blocked the bot is marked and not tried again.
"""

from __future__ import annotations

import html
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from core import outbox
from core.accounts import Platform, mark_telegram_blocked, platform_user_id
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork
from core.documents import load_document
from core.models import Client
from core.outbox import Audience, OutboxItem
from core.receipts import ReceiptFonts

log = logging.getLogger(__name__)


class TelegramDelivery:
    """Sends due Telegram outbox messages; ``deliver_due`` is called by the worker loop."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        fonts: ReceiptFonts | None = None,
        settings: Settings | None = None,
    ) -> None:
        """``fonts``: the process's parsed fonts, for receipts rendered on their way out;
        ``settings``: the rules a calendar file states."""
        self.db = db
        self.bot = bot
        self.clock = clock
        self.fonts = fonts
        self.settings = settings

    async def deliver_due(self, limit: int = 20) -> int:
        """Send what is due now; returns how many were sent."""
        async with self.db.uow() as uow:
            items = await outbox.claim_due(uow, Audience.CLIENT, self.clock.now(), limit=limit)
            await uow.commit()
        return await outbox.deliver_each(self.db, self.clock, items, self._deliver)

    async def _deliver(self, item: OutboxItem) -> int:
        """One message: send it and record the outcome in its own transaction."""
        async with self.db.uow() as uow:
            chat_id, blocked, document = await self._recipient(uow, item)
        now = self.clock.now()
        if chat_id is None or blocked:
            reason = "client blocked the bot" if blocked else "client has no Telegram account"
            async with self.db.uow() as uow:
                await outbox.mark_undeliverable(uow, item.id, now, reason)
                await uow.commit()
            return 0
        try:
            await self._send(chat_id, item, document)
        except Forbidden:
            async with self.db.uow() as uow:
                await outbox.mark_undeliverable(uow, item.id, now, "client blocked the bot")
                if item.client_id is not None:
                    await mark_telegram_blocked(uow, item.client_id, now)
                await uow.commit()
            return 0
        except (RetryAfter, NetworkError, BadRequest, TelegramError) as error:
            log.warning("outbox message %s not delivered: %s", item.id, type(error).__name__)
            async with self.db.uow() as uow:
                await outbox.mark_failed(uow, item.id, now, type(error).__name__)
                await uow.commit()
            return 0
        async with self.db.uow() as uow:
            await outbox.mark_sent(uow, item.id, self.clock.now())
            await uow.commit()
        return 1

    async def _recipient(
        self, uow: UnitOfWork, item: OutboxItem
    ) -> tuple[int | None, bool, bytes | None]:
        """The chat to send to, whether the client blocked us, and the document's bytes."""
        if item.client_id is None:
            return None, False, None
        client = await uow.session.get(Client, item.client_id)
        blocked = client is not None and client.telegram_blocked_at is not None
        chat_id = await platform_user_id(uow, Platform.TELEGRAM, client_id=item.client_id)
        if item.document is None:
            return chat_id, blocked, None
        document = await load_document(
            uow, item.document, self.fonts, settings=self.settings, now=self.clock.now()
        )
        await uow.commit()  # a receipt rendered just now is kept
        return chat_id, blocked, document

    async def _send(self, chat_id: int, item: OutboxItem, document: bytes | None) -> None:
        """The Bot API calls for one message: the text, then the document if there is one."""
        text = html.escape(item.text, quote=False)
        markup = outbox_keyboard(item.data.get("buttons"))
        if markup is not None:
            await self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            text = ""
        if document is not None and item.document is not None and len(text) <= 1024:
            await self.bot.send_document(
                chat_id,
                InputFile(document, filename=item.document.filename),
                caption=text,
                parse_mode=ParseMode.HTML,
            )
            return
        if text:
            await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        if document is not None and item.document is not None:
            await self.bot.send_document(
                chat_id, InputFile(document, filename=item.document.filename)
            )


def outbox_keyboard(rows: object) -> InlineKeyboardMarkup | None:
    """Buttons stored with an outbox message (rows of {label, data} or {label, url})."""
    if not isinstance(rows, list) or not rows:
        return None
    keyboard = [
        [
            InlineKeyboardButton(b["label"], url=b["url"])
            if "url" in b
            else InlineKeyboardButton(b["label"], callback_data=b["data"])
            for b in row
            if isinstance(b, dict) and "label" in b
        ]
        for row in rows
        if isinstance(row, list)
    ]
    return InlineKeyboardMarkup(keyboard)
