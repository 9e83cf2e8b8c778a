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
from core.db import UnitOfWork
from core.dialogs import buttons
from core.dialogs.engine import Context, Transition, pressed, rows, typed
from core.errors import Conflict, PathwiseError, ValidationFailed
from core.models import Advisor, Booking, BookingStatus, Conversation
from core.models.feedback import REVIEW_MAX_CHARS, MoodCheckin, Review
from core.money import Money
from core.parsing import MAX_ID, parse_int
from core.replies import Button, Input, LinkButton, Message, Reply
from core.scheduling import BookingNotFound

RATINGS = range(1, 6)
MOODS = range(1, 11)
PROGRESS_SHOWN = 5  # the latest check-ins shown in the progress view
# Sessions that took place (a refunded one took place too, it just didn't help).
_HELD_SESSIONS = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.REFUNDED)

SAFETY = (
    "If you are in danger or thinking of harming yourself, please call your local emergency "
    "number now."
)


class AlreadyRated(Conflict):
    user_message = "You've already rated this session. Thank you!"


class NotRateableYet(Conflict):
    user_message = "You can rate a session once it has taken place."


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
        raise ValidationFailed("Please tap a number from 1 to 5.")
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
    return review


async def add_review_text(uow: UnitOfWork, *, client_id: int, booking_id: int, text: str) -> None:
    """The optional words of a review the client has rated (the only free text kept)."""
    words = " ".join(text.split())
    if not words:
        raise ValidationFailed("Please send a few words, or tap Skip.")
    if len(words) > REVIEW_MAX_CHARS:
        raise ValidationFailed(
            f"That's a little long. Please keep it under {REVIEW_MAX_CHARS} characters."
        )
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
        raise ValidationFailed("Please tap a number from 1 to 10.")
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
            lines = ["No check-ins yet. Tap “How am I doing?” on the menu whenever you like."]
        else:
            lines = ["Your check-ins: " + " → ".join(str(s) for s in self.scores)]
        noun = "session" if self.sessions == 1 else "sessions"
        lines.append(f"You've had {self.sessions} {noun} so far.")
        if len(self.scores) >= 2:
            first, last = self.scores[0], self.scores[-1]
            if last > first:
                lines.append("You're feeling better than when you started. Well done.")
            elif last < first:
                lines.append(
                    "It's been a harder stretch. Talking it through can help: /find an "
                    "advisor whenever you're ready."
                )
        if self.scores and self.scores[-1] <= 2:
            lines.append(SAFETY)
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
            f"Your session with {advisor_name} has ended. How was it? "
            "Tap 1 to 5: 1 is not helpful, 5 is very helpful.",
            (tuple(stars), (button("Not now", "skip", ""),)),
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
    step = "mood" if rated else "rate"
    conversation = await uow.session.scalar(
        select(Conversation).where(Conversation.client_id == client_id).with_for_update()
    )
    if conversation is None:
        conversation = Conversation(
            client_id=client_id, step=step, version=0, data={}, updated_at=now
        )
        uow.session.add(conversation)
    conversation.step = step
    conversation.version = (conversation.version or 0) + 1
    conversation.data = {"booking_id": booking.id}
    conversation.updated_at = now
    await uow.session.flush()
    version = conversation.version

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
        return "your advisor"
    return booking.advisor.display_name


async def _after_review(ctx: Context) -> str:
    """The tip offer for a paid session; straight to the mood question otherwise (a refunded
    session takes no tip)."""
    try:
        booking = await _client_booking(
            ctx.uow, ctx.client.id, int(ctx.data.get("booking_id") or 0)
        )
    except PathwiseError:
        return "mood"
    tippable = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
    return "tip" if booking.booking_status in tippable else "mood"


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
            return Transition(replies=[Message("Please tap a number from 1 to 5.")])
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
            return Transition(goto="home", data={}, replies=[Message(str(error))])
        return Transition(goto="review")


class ReviewStep:
    """A few optional words about the session."""

    async def show(self, ctx: Context) -> list[Reply]:
        name = await _advisor_name(ctx)
        return [
            Message(
                f"Thank you. Would you like to add a few words for {name}? Send a short "
                f"message (up to {REVIEW_MAX_CHARS} characters), or tap Skip. Please leave out "
                "anything private.",
                rows(ctx.button("Skip", "skip")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            return Transition(goto=await _after_review(ctx))
        text = typed(event)
        if text is None:
            return Transition(replies=[Message("Please send a few words, or tap Skip.")])
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
        return Transition(
            goto=await _after_review(ctx), replies=[Message("Thank you for your review.")]
        )


class TipStep:
    """An optional tip: preset amounts, another amount, or no thanks."""

    async def show(self, ctx: Context) -> list[Reply]:
        name = await _advisor_name(ctx)
        locale = ctx.settings.locale
        presets = [
            ctx.button(amount.format(locale), "amount", amount.amount)
            for amount in ctx.services["billing"].tip_options()
        ]
        return [
            Message(
                f"Would you like to leave {name} a tip? It's entirely optional, and all of it "
                f"goes to {name}: there's no handling fee on tips.",
                (
                    tuple(presets),
                    (ctx.button("Other amount", "other"), ctx.button("No thanks", "skip")),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            return Transition(goto="mood")
        if press is not None and press.action == "other":
            return Transition(goto="tip_other")
        if press is not None and press.action == "amount":
            offered = {m.amount: m for m in ctx.services["billing"].tip_options()}
            amount = offered.get(parse_int(press.arg, 1, MAX_ID) or 0)
            if amount is None:  # never trust the arg: only the amounts we offer
                return Transition(replies=[Message("That option has expired.")], reshow=True)
            return await _tip_checkout(ctx, amount)
        return Transition(replies=[Message("Please tap an amount, “Other amount” or “No thanks”.")])


class TipOtherStep:
    """A tip amount the client types, within billing's minimum and maximum."""

    async def show(self, ctx: Context) -> list[Reply]:
        settings = ctx.settings
        low = Money(settings.tip_min_minor, settings.currency).format(settings.locale)
        high = Money(settings.tip_max_minor, settings.currency).format(settings.locale)
        return [
            Message(
                f"How much would you like to give? Send a number, like 5 ({low} to {high}).",
                rows(ctx.button("Back", "back"), ctx.button("No thanks", "skip")),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "back":
            return Transition(goto="tip")
        if press is not None and press.action == "skip":
            return Transition(goto="mood")
        text = typed(event)
        if text is None:
            return Transition(replies=[Message("Please send a number, like 5.")])
        try:
            amount = billing_rules.parse_tip(text, ctx.settings)
        except PathwiseError as error:
            return Transition(replies=[Message(str(error))])
        return await _tip_checkout(ctx, amount)


async def _tip_checkout(ctx: Context, amount: Money) -> Transition:
    """A Stripe Checkout with the tip line only, outside the dialog's transaction."""
    billing = ctx.services["billing"]
    await ctx.uow.commit()  # billing opens its own transactions and calls Stripe
    try:
        checkout = await billing.start_tip_checkout(
            int(ctx.data.get("booking_id") or 0), ctx.client.id, amount
        )
    except billing_rules.InvalidTip as error:
        return Transition(replies=[Message(str(error))])
    except (billing_rules.TipNotAllowed, billing_rules.NotYourBooking) as error:
        return Transition(goto="mood", replies=[Message(str(error))])
    except PathwiseError as error:
        return Transition(replies=[Message(str(error))])  # Stripe busy: try again
    return Transition(
        goto="tip_pay",
        data={**ctx.data, "tip_url": checkout.url, "tip": amount.format(ctx.settings.locale)},
    )


class TipPayStep:
    """The tip's Stripe Checkout link; the webhook records the payment and sends a receipt."""

    async def show(self, ctx: Context) -> list[Reply]:
        tip = str(ctx.data.get("tip", ""))
        return [
            Message(
                f"Thank you! Tap below to pay your {tip} tip securely with Stripe. "
                "I'll send your receipt once it's through. Then tap Continue.",
                (
                    (LinkButton(f"Tip {tip} with Stripe", str(ctx.data.get("tip_url", ""))),),
                    (ctx.button("Continue", "next"),),
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "next":
            return Transition(goto="mood")
        return Transition(replies=[Message("Tap Continue when you're ready.")])


def mood_prompt(button: MakeButton, *, after_session: bool) -> list[Reply]:
    """How are you feeling, 1 to 10."""
    scores = [button(str(n), "mood", n) for n in MOODS]
    lead = "One last question: how" if after_session else "How"
    return [
        Message(
            f"{lead} are you feeling today, from 1 (very low) to 10 (very good)?",
            (tuple(scores[:5]), tuple(scores[5:]), (button("Skip", "skip", ""),)),
        )
    ]


class MoodStep:
    """How the client feels, then their progress, then the menu."""

    async def show(self, ctx: Context) -> list[Reply]:
        return mood_prompt(ctx.button, after_session=bool(ctx.data.get("booking_id")))

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "skip":
            progress = await mood_progress(ctx.uow, ctx.client.id, ctx.now)
            return Transition(goto="home", data={}, replies=[Message(progress.describe())])
        score = parse_score(press.arg if press and press.action == "mood" else typed(event), MOODS)
        if score is None:
            return Transition(replies=[Message("Please tap a number from 1 to 10.")])
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
            goto="home",
            data={},
            replies=[Message("Thank you for checking in.\n" + progress.describe())],
        )
