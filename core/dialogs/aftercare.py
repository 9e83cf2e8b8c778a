"""After a session: a rating (1-5) with an optional review, a tip, and how the client feels
(1-10), then a short view of their progress. The mood check-in also stands alone (/checkin,
"How am I doing?" on the menu).

The sessions part starts this flow with :func:`start_aftercare` when a session ends; it puts
the client's conversation on the first step and returns the replies to deliver.

Privacy: only numbers are stored, plus the review's words if the client writes some.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core import billing as billing_rules
from core import catalogue_version
from core.db import UnitOfWork
from core.dialogs import buttons
from core.dialogs.engine import (
    Context,
    Transition,
    lock_conversation,
    move_to,
    pressed,
    rows,
    save,
    typed,
)
from core.dialogs.steps import StepName
from core.errors import Conflict, PathwiseError, ValidationFailed
from core.models import Advisor, Booking, BookingStatus
from core.models.feedback import REVIEW_MAX_CHARS, MoodCheckin, Review
from core.money import Money
from core.parsing import MAX_ID, parse_int
from core.replies import Button, Input, LinkButton, Message, Reply
from core.scheduling import BookingNotFound
from core.texts import aftercare as t
from core.texts import chat as tc

RATINGS = range(1, 6)
MOODS = range(1, 11)
PROGRESS_SHOWN = 5  # the latest check-ins shown in the progress view
# Sessions that took place (a refunded one took place too, it just didn't help).
_HELD_SESSIONS = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.REFUNDED)


class AlreadyRated(Conflict):
    user_message = t.ALREADY_RATED


class NotRateableYet(Conflict):
    user_message = t.NOT_RATEABLE_YET


# -- the rules: who may rate what, once ------------------------------------------------------


async def _client_booking(uow: UnitOfWork, client_id: int, booking_id: int) -> Booking:
    """The client's own booking with its advisor and offer; BookingNotFound otherwise."""
    booking = (
        await uow.session.scalar(
            select(Booking)
            .where(Booking.id == booking_id)
            .options(selectinload(Booking.advisor), selectinload(Booking.offer))
        )
        if 0 < booking_id <= MAX_ID
        else None
    )
    if booking is None or booking.client_id != client_id:
        raise BookingNotFound()
    return booking


def session_has_ended(booking: Booking, now: datetime) -> bool:
    """Whether the session took place and is over (a package: its last day has passed)."""
    if booking.booking_status not in _HELD_SESSIONS:
        return False
    end = booking.ends_at or booking.created_at + timedelta(days=booking.offer.days or 0)
    return end <= now


async def rateable_booking(
    uow: UnitOfWork, client_id: int, booking_id: int, now: datetime
) -> Booking:
    """The client's booking if its session has ended; BookingNotFound or NotRateableYet."""
    booking = await _client_booking(uow, client_id, booking_id)
    if not session_has_ended(booking, now):
        raise NotRateableYet()
    return booking


async def rate_session(
    uow: UnitOfWork, *, client_id: int, booking_id: int, rating: int, now: datetime
) -> Review:
    """Store the client's rating of a session and add it to the advisor's average, once.

    The unique review per booking decides "once", so two taps racing on two workers still
    count one rating.
    """
    if rating not in RATINGS:
        raise ValidationFailed(t.RATING_HINT())
    booking = await rateable_booking(uow, client_id, booking_id, now)
    review = Review(
        booking_id=booking.id,
        client_id=client_id,
        advisor_id=booking.advisor_id,
        rating=rating,
        created_at=now,
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(review)
            await uow.session.flush()
    except IntegrityError:
        raise AlreadyRated() from None
    await uow.session.execute(
        update(Advisor)
        .where(Advisor.id == booking.advisor_id)
        .values(
            rating_sum=Advisor.rating_sum + rating,
            rating_count=Advisor.rating_count + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await catalogue_version.bump(uow, [booking.advisor_id])
    return review


async def add_review_text(uow: UnitOfWork, *, client_id: int, booking_id: int, text: str) -> None:
    """The optional words of a review the client has rated (the only free text kept)."""
    words = " ".join(text.split())
    if not words:
        raise ValidationFailed(t.REVIEW_HINT())
    if len(words) > REVIEW_MAX_CHARS:
        raise ValidationFailed(t.REVIEW_LONG(limit=REVIEW_MAX_CHARS))
    review = await uow.session.scalar(
        select(Review).where(Review.booking_id == booking_id, Review.client_id == client_id)
    )
    if review is None:
        raise BookingNotFound()
    review.text = words


async def check_in_mood(
    uow: UnitOfWork,
    *,
    client_id: int,
    score: int,
    now: datetime,
    booking_id: int | None = None,
) -> MoodCheckin:
    """Store how the client feels, 1 (very low) to 10 (very good)."""
    if score not in MOODS:
        raise ValidationFailed(t.MOOD_HINT())
    if booking_id is not None:
        await _client_booking(uow, client_id, booking_id)
    checkin = MoodCheckin(client_id=client_id, booking_id=booking_id, score=score, created_at=now)
    uow.session.add(checkin)
    await uow.session.flush()
    return checkin


@dataclass(frozen=True)
class Progress:
    """The latest mood scores, oldest first, and how many sessions the client has had."""

    scores: tuple[int, ...]
    sessions: int

    def describe(self) -> str:
        if not self.scores:
            lines = [t.NO_CHECKINS()]
        else:
            lines = [t.CHECKINS(scores=" → ".join(str(s) for s in self.scores))]
        lines.append(t.SESSIONS(count=self.sessions))
        if len(self.scores) >= 2:
            first, last = self.scores[0], self.scores[-1]
            if last > first:
                lines.append(t.BETTER())
            elif last < first:
                lines.append(t.HARDER())
        if self.scores and self.scores[-1] <= 2:
            lines.append(t.SAFETY())
        return "\n".join(lines)


async def mood_progress(uow: UnitOfWork, client_id: int, now: datetime) -> Progress:
    """The client's latest check-ins and their number of past sessions."""
    latest = list(
        await uow.session.scalars(
            select(MoodCheckin.score)
            .where(MoodCheckin.client_id == client_id)
            .order_by(MoodCheckin.created_at.desc(), MoodCheckin.id.desc())
            .limit(PROGRESS_SHOWN)
        )
    )
    sessions = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.client_id == client_id)
        .where(Booking.status.in_([s.value for s in _HELD_SESSIONS]))
        .where(Booking.ends_at <= now)
    )
    return Progress(tuple(reversed(latest)), int(sessions or 0))


def parse_score(text: str | None, allowed: range) -> int | None:
    """A score typed as a plain number within ``allowed``, else None."""
    return None if text is None else parse_int(text, allowed.start, allowed.stop - 1)


# -- starting the flow from the sessions part --------------------------------------------------

MakeButton = Callable[[str, str, str | int], Button]


def rating_prompt(button: MakeButton, advisor_name: str) -> list[Reply]:
    """The first question after a session."""
    stars = [button(str(n), "rate", n) for n in RATINGS]
    return [
        Message(
            t.RATE(advisor=advisor_name),
            (tuple(stars), (button(t.NOT_NOW(), "skip", ""),)),
        )
    ]


async def start_aftercare(
    uow: UnitOfWork, client_id: int, booking_id: int, now: datetime
) -> list[Reply]:
    """Put the client's conversation on the after-session questions for ``booking_id`` and
    return the replies to send them (the caller delivers them and commits).

    BookingNotFound if it is not the client's booking, NotRateableYet if its session has not
    ended. A session already rated starts at the mood question instead.
    """
    booking = await rateable_booking(uow, client_id, booking_id, now)
    rated = await uow.session.scalar(select(Review.id).where(Review.booking_id == booking.id))
    step = StepName.MOOD if rated else StepName.RATE
    # The engine's own conversation code: locked, moved on with a new version, saved.
    conversation = await lock_conversation(uow, client_id, now, first_step=step)
    version = move_to(conversation, step)
    await save(uow, conversation, {"booking_id": booking.id}, now)

    def button(label: str, action: str, arg: str | int = "") -> Button:
        return Button(label, buttons.encode(version, action, arg))

    if rated:
        return mood_prompt(button, after_session=True)
    return rating_prompt(button, booking.advisor.display_name)


# -- the steps ------------------------------------------------------------------------------


async def _advisor_name(ctx: Context) -> str:
    """The advisor of the session these questions are about."""
    try:
        booking = await _client_booking(
            ctx.uow, ctx.client.id, int(ctx.data.get("booking_id") or 0)
        )
    except PathwiseError:
        return t.YOUR_ADVISOR()
    return booking.advisor.display_name


async def _after_review(ctx: Context) -> StepName:
    """The tip offer for a paid session; straight to the mood question otherwise (a refunded
    session takes no tip)."""
    try:
        booking = await _client_booking(
            ctx.uow, ctx.client.id, int(ctx.data.get("booking_id") or 0)
        )
    except PathwiseError:
        return StepName.MOOD
    tippable = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
    return StepName.TIP if booking.booking_status in tippable else StepName.MOOD


class RateStep:
    """How was it, 1 to 5."""

    async def show(self, ctx: Context) -> list[Reply]:
        return rating_prompt(ctx.button, await _advisor_name(ctx))

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            return Transition(goto=await _after_review(ctx))
        rating = parse_score(
            press.arg if press and press.action == "rate" else typed(event), RATINGS
        )
        if rating is None:
            return Transition(replies=[Message(t.RATING_HINT())])
        try:
            await rate_session(
                ctx.uow,
                client_id=ctx.client.id,
                booking_id=int(ctx.data.get("booking_id") or 0),
                rating=rating,
                now=ctx.now,
            )
        except AlreadyRated as error:
            return Transition(goto=await _after_review(ctx), replies=[Message(str(error))])
        except PathwiseError as error:
            return Transition(goto=StepName.HOME, data={}, replies=[Message(str(error))])
        return Transition(goto=StepName.REVIEW)


class ReviewStep:
    """A few optional words about the session."""

    takes_free_text = True  # their review, whatever it says

    async def show(self, ctx: Context) -> list[Reply]:
        name = await _advisor_name(ctx)
        return [
            Message(
                t.REVIEW(advisor=name, limit=REVIEW_MAX_CHARS),
                rows(ctx.button(tc.SKIP(), "skip")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            return Transition(goto=await _after_review(ctx))
        text = typed(event)
        if text is None:
            return Transition(replies=[Message(t.REVIEW_HINT())])
        try:
            await add_review_text(
                ctx.uow,
                client_id=ctx.client.id,
                booking_id=int(ctx.data.get("booking_id") or 0),
                text=text,
            )
        except ValidationFailed as error:
            return Transition(replies=[Message(str(error))])
        except PathwiseError as error:
            return Transition(goto=await _after_review(ctx), replies=[Message(str(error))])
        return Transition(goto=await _after_review(ctx), replies=[Message(t.REVIEW_THANKS())])


class TipStep:
    """An optional tip: preset amounts, another amount, or no thanks."""

    async def show(self, ctx: Context) -> list[Reply]:
        name = await _advisor_name(ctx)
        locale = ctx.locale
        presets = [
            ctx.button(amount.format(locale), "amount", amount.amount)
            for amount in ctx.services.need_billing().tip_options()
        ]
        return [
            Message(
                t.TIP(advisor=name),
                (
                    tuple(presets),
                    (ctx.button(t.OTHER_AMOUNT(), "other"), ctx.button(tc.NO_THANKS(), "skip")),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            return Transition(goto=StepName.MOOD)
        if press is not None and press.action == "other":
            return Transition(goto=StepName.TIP_OTHER)
        if press is not None and press.action == "amount":
            offered = {m.amount: m for m in ctx.services.need_billing().tip_options()}
            amount = offered.get(parse_int(press.arg, 1, MAX_ID) or 0)
            if amount is None:  # never trust the arg: only the amounts we offer
                return Transition(replies=[Message(tc.OPTION_EXPIRED())], reshow=True)
            return _tip_checkout(ctx, amount)
        return Transition(replies=[Message(t.TIP_HINT())])


class TipOtherStep:
    """A tip amount the client types, within billing's minimum and maximum."""

    async def show(self, ctx: Context) -> list[Reply]:
        settings = ctx.settings
        low = Money(settings.tip_min_minor, settings.currency).format(ctx.locale)
        high = Money(settings.tip_max_minor, settings.currency).format(ctx.locale)
        return [
            Message(
                t.TIP_OTHER(low=low, high=high),
                rows(ctx.button(tc.BACK(), "back"), ctx.button(tc.NO_THANKS(), "skip")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "back":
            return Transition(goto=StepName.TIP)
        if press is not None and press.action == "skip":
            return Transition(goto=StepName.MOOD)
        text = typed(event)
        if text is None:
            return Transition(replies=[Message(t.TIP_NUMBER_HINT())])
        try:
            amount = billing_rules.parse_tip(text, ctx.settings)
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))])
        return _tip_checkout(ctx, amount)


def _tip_checkout(ctx: Context, amount: Money) -> Transition:
    """A Stripe Checkout with the tip line only, once the dialog's transaction is committed
    (billing opens its own transactions and calls Stripe)."""
    ctx.services.need_billing()

    async def checkout(ctx: Context) -> Transition:
        billing = ctx.services.need_billing()
        try:
            opened = await billing.start_tip_checkout(
                int(ctx.data.get("booking_id") or 0), ctx.client.id, amount
            )
        except billing_rules.InvalidTip as error:
            return Transition(replies=[Message(str(error))])
        except (billing_rules.TipNotAllowed, billing_rules.NotYourBooking) as error:
            return Transition(goto=StepName.MOOD, replies=[Message(str(error))])
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))])  # Stripe busy: try again
        return Transition(
            goto=StepName.TIP_PAY,
            data={**ctx.data, "tip_url": opened.url, "tip": amount.format(ctx.locale)},
        )

    return Transition(after_commit=checkout)


class TipPayStep:
    """The tip's Stripe Checkout link; the webhook records the payment and sends a receipt."""

    async def show(self, ctx: Context) -> list[Reply]:
        tip = str(ctx.data.get("tip", ""))
        return [
            Message(
                t.TIP_PAY(tip=tip),
                (
                    (LinkButton(t.TIP_WITH_STRIPE(tip=tip), str(ctx.data.get("tip_url", ""))),),
                    (ctx.button(t.CONTINUE(), "next"),),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "next":
            return Transition(goto=StepName.MOOD)
        return Transition(replies=[Message(t.CONTINUE_HINT())])


def mood_prompt(button: MakeButton, *, after_session: bool) -> list[Reply]:
    """How are you feeling, 1 to 10."""
    scores = [button(str(n), "mood", n) for n in MOODS]
    question = t.MOOD_AFTER_SESSION() if after_session else t.MOOD()
    return [
        Message(question, (tuple(scores[:5]), tuple(scores[5:]), (button(tc.SKIP(), "skip", ""),)))
    ]


class MoodStep:
    """How the client feels, then their progress, then the menu."""

    async def show(self, ctx: Context) -> list[Reply]:
        return mood_prompt(ctx.button, after_session=bool(ctx.data.get("booking_id")))

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            progress = await mood_progress(ctx.uow, ctx.client.id, ctx.now)
            return Transition(goto=StepName.HOME, data={}, replies=[Message(progress.describe())])
        score = parse_score(press.arg if press and press.action == "mood" else typed(event), MOODS)
        if score is None:
            return Transition(replies=[Message(t.MOOD_HINT())])
        booking_id = ctx.data.get("booking_id")
        try:
            await check_in_mood(
                ctx.uow,
                client_id=ctx.client.id,
                score=score,
                now=ctx.now,
                booking_id=int(booking_id) if booking_id else None,
            )
        except BookingNotFound:
            # The booking is gone (data deleted): the check-in still counts on its own.
            await check_in_mood(ctx.uow, client_id=ctx.client.id, score=score, now=ctx.now)
        progress = await mood_progress(ctx.uow, ctx.client.id, ctx.now)
        return Transition(
            goto=StepName.HOME,
            data={},
            replies=[Message(t.CHECKED_IN(progress=progress.describe()))],
        )
