"""The Telegram adapter: Telegram updates in, core dialog inputs; core replies out, Bot API calls.

No business rule lives here. Every handler parses the update, calls the dialog engine in a
unit of work, and renders what comes back.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from contextlib import suppress

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bots.telegram.retry import DeliveryLimiter, RetryPolicy
from core import commands, i18n
from core.accounts import Platform, get_or_create_client
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    CommandInput,
    DialogEngine,
    Document,
    Image,
    Input,
    Message,
    Reply,
    StartInput,
    TextInput,
)
from core.errors import PathwiseError
from core.texts import chat as t
from core.updates import take_in_once

log = logging.getLogger(__name__)

# Telegram's menu: the client commands of ``core.commands``, in their order (in English, the
# menu of every user whose language has no menu of its own; ``menus`` gives each language's).
COMMANDS = tuple(BotCommand(name, description) for name, description in commands.menu())


def menus() -> dict[str | None, tuple[BotCommand, ...]]:
    """The command menu per Telegram ``language_code`` (None: the default, in English)."""
    found: dict[str | None, tuple[BotCommand, ...]] = {None: COMMANDS}
    for language in i18n.languages():
        if language != i18n.SOURCE:
            with i18n.speaking(language):
                found[language] = tuple(BotCommand(n, d) for n, d in commands.menu())
    return found


# Whatever a person sends that is not text: stickers, photos, voice notes, files, locations...
NOT_TEXT = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
# What a log line may say about an input: its kind, never what the person typed.
INPUT_KINDS: dict[type, str] = {
    StartInput: "start",
    CommandInput: "command",
    TextInput: "text",
    ButtonPress: "button",
}


def keyboard(reply: Message) -> InlineKeyboardMarkup | None:
    """Core's rows of buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, callback_data=b.data)
                if isinstance(b, Button)
                else InlineKeyboardButton(b.label, url=b.url)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


async def render(
    app_bot: Bot, chat_id: int, replies: Sequence[Reply], edit_message_id: int | None = None
) -> None:
    """Send core replies to a chat; the first replacing message edits ``edit_message_id``."""
    for reply in replies:
        if isinstance(reply, Message):
            text = html.escape(reply.text, quote=False)
            if reply.replace and edit_message_id is not None:
                try:
                    await app_bot.edit_message_text(
                        text,
                        chat_id=chat_id,
                        message_id=edit_message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(reply),
                    )
                    edit_message_id = None
                    continue
                except BadRequest:
                    log.info("telegram.edit_failed.sent_new")
            await app_bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
            )
        elif isinstance(reply, Document):
            await app_bot.send_document(
                chat_id,
                InputFile(reply.content, filename=reply.filename),
                caption=html.escape(reply.caption, quote=False) or None,
                parse_mode=ParseMode.HTML,
            )
        elif isinstance(reply, Image):
            await _send_photo(app_bot, chat_id, reply, last=reply is replies[-1])


async def _send_photo(app_bot: Bot, chat_id: int, image: Image, *, last: bool) -> None:
    """A photo is decoration: one Telegram refuses (it could not fetch the URL) or cannot take
    now is left out, so the text that follows still arrives; its caption is sent as text
    when nothing follows."""
    caption = html.escape(image.caption, quote=False)
    try:
        await app_bot.send_photo(
            chat_id, image.url, caption=caption or None, parse_mode=ParseMode.HTML
        )
    except NetworkError as error:  # BadRequest included: "wrong file identifier/HTTP URL"
        log.warning("telegram.photo_failed.left_out", extra={"error": type(error).__name__})
        if last and caption:
            await app_bot.send_message(chat_id, caption, parse_mode=ParseMode.HTML)


class TelegramAdapter:
    """The handlers, holding the dependencies they need (built once at start-up)."""

    def __init__(self, db: Database, engine: DialogEngine, clock: Clock) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock

    def register(self, app: Application) -> None:  # type: ignore[type-arg]
        """All handlers, in one place."""
        private = filters.ChatType.PRIVATE
        app.add_handler(CommandHandler("start", self.on_start, filters=private))
        app.add_handler(MessageHandler(private & filters.COMMAND, self.on_command))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(private & NOT_TEXT, self.on_not_text))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(~private, self.on_group))
        app.add_error_handler(self.on_error)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, with an optional deep-link payload."""
        await self._answer(update, context, StartInput(" ".join(context.args or [])))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any other command; core knows which exist."""
        assert update.effective_message and update.effective_message.text
        name, _, args = update.effective_message.text.lstrip("/").partition(" ")
        await self._answer(update, context, CommandInput(name.split("@")[0], args.strip()))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text."""
        assert update.effective_message and update.effective_message.text is not None
        await self._answer(update, context, TextInput(update.effective_message.text))

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, voice note, file...: say what the bot can read."""
        chat = update.effective_chat
        if chat is not None and await self._take_in(update):
            await context.bot.send_message(chat.id, t.TEXT_ONLY())

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on an inline button; the spinner is stopped at once."""
        query = update.callback_query
        assert query is not None
        with suppress(BadRequest):  # a press delivered twice: "query is too old"
            await query.answer()
        if query.message is None or query.message.chat.type != "private":
            return
        await self._answer(
            update, context, ButtonPress(query.data or ""), edit_message_id=query.message.message_id
        )

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups: answer once, politely, and do nothing else."""
        chat = update.effective_chat
        if chat is None or context.chat_data is None or context.chat_data.get("greeted"):
            return
        if not await self._take_in(update):
            return
        context.chat_data["greeted"] = True
        await context.bot.send_message(chat.id, t.GROUP_REPLY())

    async def _answer(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        event: Input,
        edit_message_id: int | None = None,
    ) -> None:
        """Run the dialog for this user in one transaction and send what it says."""
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        now = self.clock.now()
        try:
            async with self.db.uow() as uow:
                # Taken in with what the dialog does: a redelivery after a commit is dropped,
                # one after a rollback is answered.
                if not await take_in_once(uow, Platform.TELEGRAM, update.update_id, now):
                    log.info("telegram.update.duplicate", extra={"update_id": update.update_id})
                    return
                client = await get_or_create_client(
                    uow,
                    Platform.TELEGRAM,
                    user.id,
                    user.first_name,
                    now,
                    language_code=user.language_code,
                    default_locale=self.engine.settings.locale,
                )
                replies = await self.engine.handle(
                    uow, client, event, now, language_code=user.language_code
                )
                await uow.commit()
        except PathwiseError as error:
            replies = [Message(str(error))]
        await render(context.bot, chat.id, replies, edit_message_id)
        log.info(
            "telegram.update.handled",
            extra={"update_id": update.update_id, "input": INPUT_KINDS[type(event)]},
        )

    async def _take_in(self, update: Update) -> bool:
        """Record the update in its own transaction; False if it came before."""
        async with self.db.uow() as uow:
            new = await take_in_once(uow, Platform.TELEGRAM, update.update_id, self.clock.now())
            await uow.commit()
        if not new:
            log.info("telegram.update.duplicate", extra={"update_id": update.update_id})
        return new

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (never the message contents) and apologise to the user."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram.update.failed", extra={"update_id": update_id}, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:  # through the same retries as every reply
                await context.bot.send_message(update.effective_chat.id, t.APOLOGY())
            except TelegramError as error:
                log.error(
                    "telegram.apology.failed",
                    extra={"update_id": update_id, "error": type(error).__name__},
                )


def build_application(
    settings: Settings,
    adapter: TelegramAdapter,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    retry: RetryPolicy | None = None,
) -> Application:  # type: ignore[type-arg]
    """The python-telegram-bot Application with every handler, built once at start-up; with
    ``rate_limit``, every call goes through :class:`DeliveryLimiter` (429s, 5xx, timeouts)."""
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(token or settings.require("telegram_token"))
        .base_url(settings.telegram_api_base_url)
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(DeliveryLimiter(retry))
    app = builder.build()
    adapter.register(app)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Register the command list users see in Telegram's menu. ``run_polling`` calls this;
    an Application started by hand (``bots.run``) must call ``app.post_init`` itself. The
    menu is a convenience: if Telegram still refuses it after the retries, the bot runs. Each
    language Pathwise speaks gets its own menu (Telegram shows it to users of that language)."""
    try:
        for language, menu in menus().items():
            await app.bot.set_my_commands(menu, language_code=language)
    except TelegramError as error:
        log.warning("telegram.commands.not_set", extra={"error": type(error).__name__})
