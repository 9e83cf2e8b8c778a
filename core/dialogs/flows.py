"""The client's flows: welcome and consent, the home menu, help, privacy, cancel, and the
intake that leads to matching. Every rule shown to the client comes from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from babel import Locale
from sqlalchemy import select

from core.config import Settings
from core.dialogs import aftercare, mybookings, privacy
from core.dialogs.booking import (
    NOT_BOOKABLE,
    PayStep,
    ProfileStep,
    ReceiptNameStep,
    SlotStep,
    SummaryStep,
    advisor_id_by_slug,
)
from core.dialogs.engine import (
    CommandHandler,
    Context,
    DialogEngine,
    Step,
    Transition,
    pressed,
    rows,
    typed,
)
from core.dialogs.payments import returned_from_checkout
from core.dialogs.profile_settings import TimezoneStep, after_language
from core.models import Consent
from core.money import Money
from core.parsing import parse_id
from core.privacy import Privacy
from core.redact import redact_contacts
from core.replies import Input, Message, Reply
from core.safety import default_screener
from core.taxonomy import OfferKind, Topic

TERMS_VERSION = "2026-11"
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
LANGUAGE_CHOICES = ("en", "es", "de", "fr", "pt", "it", "zh", "ja", "ar", "hi", "pl", "he")
TIME_PREFERENCES = {
    "soon": "As soon as possible",
    "evenings": "Evenings",
    "weekends": "Weekends",
    "any": "Any time",
}


def fee_text(settings: Settings) -> str:
    """The handling fee in the client's words, e.g. "$3.49"."""
    return Money(settings.handling_fee_minor, settings.currency).format(settings.locale)


def welcome_text(settings: Settings) -> str:
    """The consent card: what Pathwise is and is not, confidentiality, the fee, the guarantee."""
    return (
        f"Welcome to {settings.platform_name}.\n\n"
        "We connect you with an advisor for confidential advice on the hard parts of life: "
        "relationships, career, family, grief, stress and direction.\n\n"
        "Before you start:\n"
        "• Advisors give advice and a second pair of eyes. This is not therapy, medical care "
        "or an emergency service. If you are in danger or thinking of harming yourself, "
        "call your local emergency number now.\n"
        "• Confidential: your session happens in a private Discord channel that only you, "
        "your advisor and our bot can see. We keep no transcript unless you ask for one, and "
        "you can download or delete your data at any time (/privacy, /deletemydata).\n"
        f"• Prices are shown in full before you pay. Every purchase except a tip carries a "
        f"{fee_text(settings)} handling fee, which is not refundable.\n"
        f"• Money-back guarantee: not happy with a session? Ask within "
        f"{settings.guarantee_window_hours} hours after it ends and get the session price back."
    )


HELP_TEXT = (
    "Here is what I can do:\n"
    "/find - find an advisor and book a session\n"
    "/bookings - see, reschedule or cancel your bookings, or ask for a refund\n"
    "/checkin - tell us how you're feeling and see your progress\n"
    "/timezone - change your time zone\n"
    "/privacy - what we keep about you and for how long; download it\n"
    "/deletemydata - delete your data (payment records stay, anonymised)\n"
    "/cancel - stop what we are doing and go back to the start\n"
    "/help - this message"
)

async def has_consented(ctx: Context) -> bool:
    """Whether the client accepted the current welcome card."""
    found = await ctx.uow.session.scalar(
        select(Consent.id)
        .where(Consent.client_id == ctx.client.id)
        .where(Consent.terms_version == TERMS_VERSION)
    )
    return found is not None


class WelcomeStep:
    """The consent card, accepted with a button; the time of acceptance is stored."""

    async def show(self, ctx: Context) -> list[Reply]:
        accept = ctx.button("I understand and agree", "agree")
        return [Message(welcome_text(ctx.settings), rows(accept, per_row=1))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None or press.action != "agree":
            return Transition(replies=[Message("Please tap “I understand and agree” to continue.")])
        ctx.uow.session.add(
            Consent(client_id=ctx.client.id, terms_version=TERMS_VERSION, accepted_at=ctx.now)
        )
        payload = str(ctx.data.get("after_consent", ""))
        transition = await follow_deep_link(ctx, payload)
        transition.replies.insert(0, Message("Thank you. You're all set."))
        return transition


class HomeStep:
    """The main menu."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                "What would you like to do?",
                rows(
                    ctx.button("Find an advisor", "find"),
                    ctx.button("My bookings", "bookings"),
                    ctx.button("How am I doing?", "checkin"),
                    ctx.button("Help", "help"),
                    per_row=2,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "find":
            return Transition(goto="topics", data={"topics": []})
        if press is not None and press.action == "help":
            return Transition(replies=[Message(HELP_TEXT)], reshow=True)
        if press is not None and press.action == "bookings" and "bookings" in _step_names(ctx):
            return Transition(goto="bookings")
        if press is not None and press.action == "checkin" and "mood" in _step_names(ctx):
            return Transition(goto="mood", data={})
        return Transition(replies=[Message("Please choose one of the options below.")], reshow=True)


def _step_names(ctx: Context) -> set[str]:
    """Names of steps the running engine knows (optional flows are added as they exist)."""
    engine = ctx.services.get("engine") if isinstance(ctx.services, dict) else None
    return set(engine.steps) if engine is not None else set()


class TopicsStep:
    """Intake 1: what it is about (one or more topics)."""

    async def show(self, ctx: Context) -> list[Reply]:
        chosen = set(ctx.data.get("topics", []))
        topic_buttons = [
            ctx.button(
                ("✓ " if topic.value in chosen else "") + topic.label.capitalize(),
                "topic",
                topic.value,
            )
            for topic in Topic
        ]
        done = ctx.button("Done", "done")
        return [
            Message(
                "What is on your mind? Choose one or more, then tap Done.",
                (*rows(*topic_buttons), (done,)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        chosen: list[str] = list(ctx.data.get("topics", []))
        if (
            press is not None
            and press.action == "topic"
            and press.arg in Topic.__members__.values()
        ):
            chosen = (
                [t for t in chosen if t != press.arg]
                if press.arg in chosen
                else [*chosen, press.arg]
            )
            return Transition(data={**ctx.data, "topics": chosen}, reshow=True)
        if press is not None and press.action == "done":
            if not chosen:
                return Transition(replies=[Message("Please choose at least one topic first.")])
            return Transition(goto="description")
        return Transition(replies=[Message("Please tap one or more topics, then Done.")])


class DescriptionStep:
    """Intake 2: the client's own words (used for matching, then forgotten)."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                "In a few sentences, what would you like help with? "
                "Only your advisor match uses this."
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        text = typed(event)
        if text is None:
            return Transition(
                replies=[Message("Please type a few sentences about your situation.")]
            )
        if len(text) < DESCRIPTION_MIN:
            return Transition(
                replies=[
                    Message(
                        "Could you say a little more? "
                        "A sentence or two helps us find the right advisor."
                    )
                ]
            )
        if len(text) > DESCRIPTION_MAX:
            return Transition(
                replies=[
                    Message(
                        f"That is a lot to take in at once. Please keep it under {DESCRIPTION_MAX} "
                        "characters; you can tell your advisor the rest."
                    )
                ]
            )
        return Transition(goto="language", data={**ctx.data, "description": text})


def share_choice(ctx: Context, action: str) -> Transition:
    """Sharing the description with the advisor: off unless the client says so, after seeing
    exactly what would be shared (contact details taken out)."""
    description = str(ctx.data.get("description") or "")
    if not description:
        return Transition(reshow=True)
    if action == "share_no":
        return Transition(
            data={**ctx.data, "share_description": False},
            replies=[Message("Okay: what you wrote stays private, forgotten after matching.")],
            reshow=True,
        )
    shared = redact_contacts(description, ctx.client.timezone)
    if action == "share_yes":
        # What is kept from here on is the shared text, contact details already out.
        return Transition(
            data={**ctx.data, "description": shared, "share_description": True},
            replies=[Message("Thank you: your advisor will get this when you have paid.")],
            reshow=True,
        )
    preview = (
        "This is what your advisor would read, with contact details taken out "
        "(phone numbers, e-mail, @handles and links):\n\n"
        f"“{shared}”\n\n"
        "It is kept only for them, and deleted with your data. Share it?"
    )
    return Transition(
        replies=[
            Message(
                preview,
                rows(
                    ctx.button("Share this with my advisor", "share_yes"),
                    ctx.button("Keep it private", "share_no"),
                    per_row=1,
                ),
            )
        ]
    )


class LanguageStep:
    """Intake 3: the language of the session."""

    async def show(self, ctx: Context) -> list[Reply]:
        names = Locale.parse(ctx.settings.locale).languages
        choices = [
            ctx.button(str(names.get(code, code)), "lang", code) for code in LANGUAGE_CHOICES
        ]
        buttons = rows(*choices, per_row=3)
        if ctx.data.get("description"):
            if ctx.data.get("share_description"):
                toggle = ctx.button("Stop sharing what I wrote", "share_no")
            else:
                toggle = ctx.button("Share what I wrote with my advisor (off)", "share_ask")
            buttons = (*buttons, (toggle,))
        return [Message("Which language would you like to talk in?", buttons)]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action in ("share_ask", "share_yes", "share_no"):
            return share_choice(ctx, press.action)
        if press is not None and press.action == "lang" and press.arg in LANGUAGE_CHOICES:
            return Transition(goto=after_language(ctx), data={**ctx.data, "language": press.arg})
        return Transition(replies=[Message("Please tap one of the languages below.")], reshow=True)


class KindStep:
    """Intake 4: a live session of 30 or 60 minutes, or a messaging package."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                "What kind of session would you like?",
                rows(
                    ctx.button("Live, 30 minutes", "kind", OfferKind.LIVE30.value),
                    ctx.button("Live, 60 minutes", "kind", OfferKind.LIVE60.value),
                    ctx.button("Messaging over several days", "kind", OfferKind.MESSAGING.value),
                    per_row=1,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if (
            press is not None
            and press.action == "kind"
            and press.arg in OfferKind.__members__.values()
        ):
            return Transition(goto="budget", data={**ctx.data, "kind": press.arg})
        return Transition(replies=[Message("Please tap one of the options below.")], reshow=True)


class BudgetStep:
    """Intake 5: the most the client wants to pay for the session itself."""

    async def show(self, ctx: Context) -> list[Reply]:
        example = Money(4000, ctx.settings.currency).format(ctx.settings.locale)
        return [
            Message(
                "What is the most you'd like to spend on the session itself? "
                f"Send a number, like 40 for {example}. "
                f"The {fee_text(ctx.settings)} handling fee comes on top.",
                rows(ctx.button("No limit", "nolimit"), per_row=1),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "nolimit":
            return Transition(goto="when", data={**ctx.data, "budget": None})
        text = typed(event)
        try:
            budget = Money.parse(text or "", ctx.settings.currency)
        except ValueError:
            budget = None
        if budget is None or budget.amount <= 0:
            return Transition(replies=[Message("Please send a number, like 40.")])
        return Transition(goto="when", data={**ctx.data, "budget": budget.amount})


class WhenStep:
    """Intake 6: when suits the client."""

    async def show(self, ctx: Context) -> list[Reply]:
        choices = [ctx.button(label, "when", key) for key, label in TIME_PREFERENCES.items()]
        return [Message("When would suit you?", rows(*choices))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "when" and press.arg in TIME_PREFERENCES:
            return Transition(goto="results", data={**ctx.data, "when": press.arg})
        return Transition(replies=[Message("Please tap one of the options below.")], reshow=True)


@dataclass(frozen=True)
class Suggestion:
    """One matched advisor as the results step shows it."""

    advisor_id: int
    display_name: str
    price: Money
    reasons: tuple[str, ...]


class Matcher(Protocol):
    """Finds advisors for the intake answers saved in the conversation."""

    async def suggest(self, ctx: Context, answers: dict[str, Any]) -> list[Suggestion]: ...


class ResultsStep:
    """Intake done: the best-matched advisors, each with the reasons it matched."""

    async def show(self, ctx: Context) -> list[Reply]:
        matcher: Matcher = ctx.services["matcher"]
        suggestions = await matcher.suggest(ctx, ctx.data)
        # The client's own words were needed only to match; forget them now (privacy),
        # unless they chose to share them with their advisor (``share_description``).
        if not ctx.data.get("share_description"):
            ctx.data.pop("description", None)
        ctx.data["suggested"] = [s.advisor_id for s in suggestions]
        if not suggestions:
            return [
                Message(
                    "I couldn't find an advisor for all of that right now. You could raise your "
                    "budget, choose another language or kind of session, or try again later.",
                    rows(ctx.button("Start again", "again"), per_row=1),
                )
            ]
        lines = [
            f"{s.display_name} — {s.price.format(ctx.settings.locale)}\n"
            + "\n".join(f"• {reason}" for reason in s.reasons)
            for s in suggestions
        ]
        choose = [
            ctx.button(f"Choose {s.display_name}", "advisor", s.advisor_id) for s in suggestions
        ]
        return [
            Message(
                "Here are the advisors who fit best:\n\n" + "\n\n".join(lines),
                (*rows(*choose, per_row=1), (ctx.button("Start again", "again"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "again":
            return Transition(goto="topics", data={"topics": []})
        advisor_id = parse_id(press.arg) if press is not None else None
        if press is not None and press.action == "advisor" and advisor_id is not None:
            if advisor_id not in ctx.data.get("suggested", []):
                return Transition(replies=[Message(STALE_CHOICE)], reshow=True)
            return Transition(goto="profile", data={**ctx.data, "advisor_id": advisor_id})
        return Transition(replies=[Message("Please tap one of the advisors below.")], reshow=True)


STALE_CHOICE = "That advisor is no longer in your list. Here are your current matches:"


async def follow_deep_link(ctx: Context, payload: str) -> Transition:
    """Where a /start payload leads: ``advisor_<slug>`` opens that advisor's profile;
    ``paid_<id>``/``unpaid_<id>`` say where a payment stands."""
    if payload.startswith(("paid_", "unpaid_")):
        return await returned_from_checkout(ctx, payload)
    if payload.startswith("advisor_"):
        advisor_id = await advisor_id_by_slug(ctx, payload.removeprefix("advisor_"))
        if advisor_id is not None:
            return Transition(goto="profile", data={"advisor_id": advisor_id})
        return Transition(goto="home", data={}, replies=[Message(NOT_BOOKABLE)])
    return Transition(goto="home", data={})


@dataclass
class Flows:
    """Commands and /start, which work from any step."""

    settings: Settings

    async def start(self, ctx: Context, payload: str) -> Transition:
        """/start: the consent card first; then the deep link's target, or the menu."""
        if not await has_consented(ctx):
            return Transition(goto="welcome", data={"after_consent": payload} if payload else {})
        return await follow_deep_link(ctx, payload)

    async def find(self, ctx: Context, _args: str) -> Transition:
        if not await has_consented(ctx):
            return Transition(goto="welcome", data={})
        return Transition(goto="topics", data={"topics": []})

    def opens(self, step: str, data: dict[str, Any] | None = None) -> CommandHandler:
        """A command that opens ``step`` from anywhere, once the consent card is accepted."""

        async def command(ctx: Context, _args: str) -> Transition:
            if not await has_consented(ctx):
                return Transition(goto="welcome", data={})
            return Transition(goto=step, data=dict(data or {}))

        return command

    async def help(self, ctx: Context, _args: str) -> Transition:
        return Transition(replies=[Message(HELP_TEXT)])

    async def privacy(self, ctx: Context, _args: str) -> Transition:
        return Transition(goto="privacy")

    async def delete_my_data(self, ctx: Context, _args: str) -> Transition:
        return Transition(goto="delete_data")

    async def cancel(self, ctx: Context, _args: str) -> Transition:
        """Stop whatever is going on; nothing half-done is kept."""
        if not await has_consented(ctx):
            return Transition(goto="welcome", data={})
        return Transition(goto="home", data={}, replies=[Message("Okay, I've stopped that.")])


def build_engine(
    settings: Settings,
    extra_steps: dict[str, Step] | None = None,
    services: dict[str, Any] | None = None,
) -> DialogEngine:
    """The engine with every flow; later flows (results, booking, bookings, after-session)
    plug in through ``extra_steps``."""
    flows = Flows(settings)
    steps: dict[str, Step] = {
        "welcome": WelcomeStep(),
        "home": HomeStep(),
        "topics": TopicsStep(),
        "description": DescriptionStep(),
        "language": LanguageStep(),
        "kind": KindStep(),
        "budget": BudgetStep(),
        "when": WhenStep(),
        "results": ResultsStep(),
        "profile": ProfileStep(),
        "slot": SlotStep(),
        "summary": SummaryStep(),
        "receipt_name": ReceiptNameStep(),
        "pay": PayStep(),
        "timezone": TimezoneStep(),
        "bookings": mybookings.BookingsStep(),
        "booking": mybookings.BookingStep(),
        "reschedule": mybookings.RescheduleStep(),
        "cancel_booking": mybookings.CancelStep(),
        "refund": mybookings.RefundStep(),
        "rate": aftercare.RateStep(),
        "review": aftercare.ReviewStep(),
        "tip": aftercare.TipStep(),
        "tip_other": aftercare.TipOtherStep(),
        "tip_pay": aftercare.TipPayStep(),
        "mood": aftercare.MoodStep(),
        "privacy": privacy.PrivacyStep(),
        "delete_data": privacy.DeleteDataStep(),
        **(extra_steps or {}),
    }
    commands = {
        "find": flows.find,
        "help": flows.help,
        "privacy": flows.privacy,
        "deletemydata": flows.delete_my_data,
        "cancel": flows.cancel,
        "bookings": flows.opens("bookings"),
        "checkin": flows.opens("mood"),
        "timezone": flows.opens("timezone", {"tz_then": "home"}),
    }
    shared: dict[str, Any] = dict(services or {})
    if "privacy" not in shared and "billing" in shared:
        billing = shared["billing"]
        shared["privacy"] = Privacy(billing.db, settings, billing.clock, refunds=billing)
    engine = DialogEngine(
        steps=steps,
        commands=commands,
        start=flows.start,
        first_step="welcome",
        home_step="home",
        settings=settings,
        services=shared,
        stale_answers={"erase_yes": privacy.STALE_ERASE},
        screener=default_screener(),
    )
    shared["engine"] = engine
    return engine
