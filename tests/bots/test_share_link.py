"""The share link through the real adapters: a client taps "Share this advisor" on the card in
Telegram (python-telegram-bot's Application on a recorded HTTP layer), an advisor runs /share
in Discord (discord.py's CommandTree on the recorded HTTP layer), and the link each gets opens
the advisor's card for someone new in Telegram."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from sqlalchemy import update

from bots.telegram.adapter import COMMANDS
from core.clock import ManualClock
from core.commands import ADVISOR_COMMANDS
from core.config import Settings
from core.db import Database
from core.models import Advisor
from core.sharing import QR_ERROR
from devtools.discord_recorder import EPHEMERAL
from devtools.telegram_recorder import ApiCall, TelegramUser
from tests.support import png
from tests.support.chat import import_sample
from tests.support.discord_bot import STRANGER, Env, slash
from tests.support.reviews import reviewed_session
from tests.support.sessions import ADVISOR_DISCORD, link_discord
from tests.support.telegram_bot import Bot, only

BOT = "PathwiseShareBot"  # PATHWISE_TELEGRAM_BOT_USERNAME in these tests
ANA_LINK = f"https://t.me/{BOT}?start=advisor_ana-ruiz"
# The Discord bot's settings keep the default username, PathwiseBot.
ANA_LINK_DEFAULT = "https://t.me/PathwiseBot?start=advisor_ana-ruiz"
QR_LINE = (
    "\nThe QR code attached opens the same link: print it or show it on a screen, and a "
    "phone's camera takes clients straight to your profile."
)
FRIEND = {"id": 5550002, "is_bot": False, "first_name": "Ben"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The `bot` fixture's settings: a bot username of its own, so the link must come from it."""
    return Settings(_env_file=None, database_url=database_url, telegram_bot_username=BOT)  # type: ignore[call-arg]


@pytest.fixture
async def ids(db: Database) -> dict[str, int]:
    return await import_sample(db)


@pytest.fixture
async def server(env: Env, ids: dict[str, int]) -> Env:
    """The Discord bot with Ana Ruiz of the sample catalogue linked as an advisor."""
    await link_discord(env.db, env.clock.now(), advisor_id=ids["ana-ruiz"], user_id=ADVISOR_DISCORD)
    return env


async def opened_by_someone_new(bot: Bot, url: str) -> list[ApiCall]:
    """What a person new to Pathwise sees after opening ``url`` in Telegram, which sends the bot
    /start with the link's payload, and agreeing to the consent card."""
    [payload] = parse_qs(urlsplit(url).query)["start"]
    friend = TelegramUser(bot.app, bot.request, FRIEND)
    consent = only(await friend.text(f"/start {payload}"), "sendMessage")
    assert consent.text is not None and consent.text.startswith("Welcome to Pathwise.")
    return await friend.press(consent, "I understand and agree")


async def test_a_client_shares_an_advisor_from_the_card_in_telegram(
    bot: Bot, db: Database, clock: ManualClock, ids: dict[str, int]
) -> None:
    ana, now = ids["ana-ruiz"], clock.now()
    await reviewed_session(db, ana, now, 5, "Clear, warm and practical.", client_name="Lea")
    await reviewed_session(db, ana, now, 4, None, client_name="Max")
    await reviewed_session(
        db, ana, now, 5, "I left with a plan.", client_name="Zoë", advisor_name="Quiet Harbor"
    )
    consent = only(await bot.text("/start advisor_ana-ruiz"), "sendMessage")
    calls = await bot.press(consent, "I understand and agree")
    card = calls[-1]
    assert only(calls, "sendPhoto").params["photo"] == ("https://example.com/advisors/ana-ruiz.jpg")
    assert card.text is not None and card.text.startswith(
        "Ana Ruiz\n4.7 ★ from 3 ratings · 3 sessions held · speaks English, Spanish\n"
    )
    assert "How it works: a live text chat at a time you choose, or a messaging package" in (
        card.text
    )
    reviews = "What clients say:\n“I left with a plan.” — Q.\n“Clear, warm and practical.” — L.\n"
    assert reviews in card.text
    assert card.button_labels()[-1] == "Share this advisor"

    shared = await bot.press(card, "Share this advisor")

    assert [c.method for c in shared] == ["answerCallbackQuery", "sendMessage"]
    assert shared[1].text == (
        "Here is Ana Ruiz's link. Send it to anyone it could help: it opens Ana Ruiz's "
        f"profile in Pathwise.\n{ANA_LINK}"
    )
    # The card's buttons still work after sharing.
    slots = only(await bot.press(card, "60-minute live session — $60.00"), "sendMessage")
    assert slots.text is not None and slots.text.startswith("When would you like your")

    opened = await opened_by_someone_new(bot, ANA_LINK)
    assert opened[-1].text is not None and opened[-1].text.startswith("Ana Ruiz\n4.7 ★")


async def test_an_advisor_gets_their_link_with_share_in_discord(server: Env, bot: Bot) -> None:
    [(answer, flags)] = await slash(server, "share", ADVISOR_DISCORD)

    assert flags == EPHEMERAL  # only the advisor sees it
    assert answer == (
        f"Your link: {ANA_LINK_DEFAULT}\nAnyone who opens it sees your profile in the Pathwise "
        "bot on Telegram and can book you there." + QR_LINE
    )
    opened = await opened_by_someone_new(bot, ANA_LINK_DEFAULT)
    assert opened[-1].text is not None and opened[-1].text.startswith(
        "Ana Ruiz\nNew on Pathwise · speaks English, Spanish\n"
    )


def modules(image: png.Png, border: int) -> list[list[bool]]:
    """The QR code's modules read off the picture: the centre pixel of each square, after
    the quiet zone (which must be all light)."""
    count = None
    for scale in range(1, image.width // (2 * border) + 1):  # the smallest square that fits
        side = image.width // scale - 2 * border
        if image.width % scale == 0 and image.dark(border * scale, border * scale):
            count = side
            break
    assert count is not None, "no code in the picture"
    quiet = [
        image.dark(x, y)
        for y in range(image.height)
        for x in range(image.width)
        if min(x, y) < border * scale or max(x, y) >= image.width - border * scale
    ]
    assert not any(quiet), "the quiet zone has dark pixels"
    half = scale // 2
    return [
        [image.dark((border + c) * scale + half, (border + r) * scale + half) for c in range(count)]
        for r in range(count)
    ]


async def test_share_attaches_a_qr_code_png_of_exactly_the_link(server: Env) -> None:
    [(answer, _)] = await slash(server, "share", ADVISOR_DISCORD)
    assert answer.endswith(QR_LINE)
    [sent] = [call for call in server.fake.replies if call.files]
    [(filename, data)] = sent.files

    assert filename == "pathwise-profile-qr.png"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = png.size(data)
    assert width == height and 150 <= width <= 1000  # a square a phone's camera reads
    assert 200 < len(data) < 20_000
    image = png.decode(data)
    assert (image.width, image.height) == (width, height)
    read = modules(image, border=4)
    # The same link encoded from scratch gives the same modules; another link does not.
    expected = [
        [bool(m) for m in row]
        for row in segno.make(ANA_LINK_DEFAULT, error=QR_ERROR, micro=False).matrix
    ]
    assert read == expected
    other = segno.make(
        ANA_LINK_DEFAULT.replace("ana-ruiz", "ana-ruix"), error=QR_ERROR, micro=False
    ).matrix
    assert read != [[bool(m) for m in row] for row in other]


async def test_share_says_when_the_link_cannot_book_yet_and_is_for_advisors_only(
    server: Env, bot: Bot, db: Database, ids: dict[str, int]
) -> None:
    async with db.uow() as uow:
        await uow.session.execute(
            update(Advisor).where(Advisor.id == ids["ana-ruiz"]).values(approved=False)
        )
        await uow.commit()

    [(answer, _)] = await slash(server, "share", ADVISOR_DISCORD)

    assert answer == (
        f"Your link: {ANA_LINK_DEFAULT}\nClients can't book you right now, so for now it says "
        "you aren't taking bookings; it opens your profile as soon as the Pathwise team lists you."
        + QR_LINE
    )
    opened = await opened_by_someone_new(bot, ANA_LINK_DEFAULT)
    assert "That advisor isn't taking bookings right now. Here is the menu:" in [
        c.text for c in opened
    ]

    [(refused, flags)] = await slash(server, "share", STRANGER)
    assert refused.startswith("These commands are for Pathwise advisors.")
    assert flags == EPHEMERAL


async def test_share_is_a_server_command_for_advisors_not_in_the_clients_menu(env: Env) -> None:
    command = env.bot.tree.get_command("share")
    assert command is not None
    assert command.description == "Get the link that opens your profile for clients"
    for defined in ADVISOR_COMMANDS:  # each advisor command of core.commands is in the server
        registered = env.bot.tree.get_command(defined.name)
        assert registered is not None and registered.description == defined.on_server()
    assert "share" not in [c.command for c in COMMANDS]
