"""The link that opens an advisor's profile in the client's chat app: clients pass an advisor
on with it, advisors hand it out to be found.

It is a Telegram deep link, ``https://t.me/<bot username>?start=advisor_<slug>``: Telegram
sends the bot ``/start advisor_<slug>``, and the dialogs open that advisor's card
(``core.dialogs.flows.follow_deep_link``), after the consent card for someone new. The bot's
username is the ``PATHWISE_TELEGRAM_BOT_USERNAME`` setting.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from core.config import Settings
from core.db import UnitOfWork
from core.errors import NotFound
from core.models import Advisor
from core.texts import advisors as ta

DEEP_LINK_PREFIX = "advisor_"  # the /start payload that opens an advisor's card
QR_ERROR = "m"  # error correction level M: still reads with ~15% of the code damaged
QR_SCALE = 8  # pixels per module: a version-4 code is then 328 px wide, border included
QR_BORDER = 4  # the quiet zone, in modules, that the QR standard asks for
QR_FILENAME = "pathwise-profile-qr.png"


@dataclass(frozen=True, slots=True)
class AdvisorShare:
    """What an advisor's profile is shared with: the link, and a QR code of it (``qr_png``)
    so every place that offers the link can offer the code too."""

    name: str
    url: str
    listed: bool  # active and approved: the link opens the card, else it says "not bookable"

    def qr_png(self) -> bytes:
        """A PNG of the QR code that opens ``url``, for a phone's camera."""
        return qr_png(self.url)


def qr_png(url: str) -> bytes:
    """A black-on-white PNG of the QR code of ``url``."""
    code = segno.make(url, error=QR_ERROR, micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def advisor_link(settings: Settings, slug: str) -> str:
    """The deep link that opens the advisor's card in the Telegram bot."""
    username = settings.telegram_bot_username.strip().lstrip("@")
    return f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{slug}"


def share_of(settings: Settings, advisor: Advisor) -> AdvisorShare:
    return AdvisorShare(
        name=advisor.display_name,
        url=advisor_link(settings, advisor.slug),
        listed=advisor.active and advisor.approved,
    )


async def advisor_share(uow: UnitOfWork, settings: Settings, advisor_id: int) -> AdvisorShare:
    """The share of one advisor, whether or not clients can book them yet."""
    advisor = await uow.session.get(Advisor, advisor_id)
    if advisor is None:
        raise NotFound(ta.ADVISOR_NOT_FOUND())
    return share_of(settings, advisor)
