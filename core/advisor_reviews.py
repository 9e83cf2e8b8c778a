"""What an advisor reads of their own reviews (/reviews in Discord): their average rating and
how many ratings it is made of, and their latest reviews, newest first.

Every rating counts, with or without words. The words are shortened on a word and their
contact details taken out, as on the profile card; a review whose writer deleted their data
(``core.privacy``) keeps its rating and has no words. Reviews are not signed: the advisor
sees what was said, not who said it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from sqlalchemy import func, select

from core.db import UnitOfWork
from core.dialogs.profile_card import client_locale, shorten
from core.errors import NotFound
from core.models import Advisor, Client, Review
from core.redact import redact_contacts
from core.scheduling import format_day, local_day
from core.texts import scheduling as t

__all__ = ["AdvisorReviews", "ReviewLine", "advisor_reviews"]

REVIEWS_LISTED = 8  # the latest ones, so that the answer fits one Discord message
REVIEW_CHARS = 180


@dataclass(frozen=True, slots=True)
class ReviewLine:
    rating: int  # 1 to 5
    day: str  # when it was written: a day heading in the advisor's zone and locale
    text: str | None  # None when it has no words


@dataclass(frozen=True, slots=True)
class AdvisorReviews:
    count: int
    average: str | None  # the mean with one decimal in the advisor's locale; None: no ratings
    latest: tuple[ReviewLine, ...]


async def advisor_reviews(
    uow: UnitOfWork, advisor_id: int, *, limit: int = REVIEWS_LISTED
) -> AdvisorReviews:
    """The advisor's rating and their ``limit`` latest reviews, newest first."""
    session = uow.session
    advisor = await session.get(Advisor, advisor_id)
    if advisor is None:
        raise NotFound(t.ADVISOR_NOT_FOUND())
    count, total = (
        await session.execute(
            select(func.count(Review.id), func.coalesce(func.sum(Review.rating), 0)).where(
                Review.advisor_id == advisor_id
            )
        )
    ).one()
    average = None
    if count:
        tenths = (int(total) * 20 + count) // (2 * count)  # the mean, half rounded up
        locale = client_locale(advisor.locale, "en_US")
        average = format_decimal(Decimal(tenths).scaleb(-1), format="0.0", locale=locale)
    rows = await session.execute(
        select(Review, Client.timezone)
        .join(Client, Client.id == Review.client_id)
        .where(Review.advisor_id == advisor_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )
    latest = tuple(
        ReviewLine(
            rating=review.rating,
            day=format_day(local_day(review.created_at, advisor.timezone), advisor.locale),
            text=(
                shorten(redact_contacts(review.text, timezone), REVIEW_CHARS)
                if review.text and review.text.strip()
                else None
            ),
        )
        for review, timezone in rows.all()
    )
    return AdvisorReviews(int(count), average, latest)
