"""The intake that leads to matching: topics, the client's own words (and whether to share
them), language, kind of session, budget, when; then the matched advisors."""

from __future__ import annotations

from babel import Locale

from core.config import Settings
from core.dialogs.engine import Context, Transition, pressed, rows, typed
from core.dialogs.profile_settings import after_language
from core.dialogs.steps import StepName
from core.money import AmountProblem, InvalidAmount, Money
from core.parsing import parse_id
from core.redact import redact_contacts
from core.replies import Input, Message, Reply
from core.taxonomy import OfferKind, Topic
from core.texts import Text
from core.texts import chat as tc
from core.texts import intake as t

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
LANGUAGE_CHOICES = ("en", "es", "de", "fr", "pt", "it", "zh", "ja", "ar", "hi", "pl", "he")
TIME_PREFERENCES: dict[str, Text] = {
    "soon": t.SOON,
    "evenings": t.EVENINGS,
    "weekends": t.WEEKENDS,
    "any": t.ANY_TIME,
}
KINDS: tuple[tuple[OfferKind, Text], ...] = (
    (OfferKind.LIVE30, t.LIVE30),
    (OfferKind.LIVE60, t.LIVE60),
    (OfferKind.MESSAGING, t.MESSAGING),
)


def fee_text(settings: Settings, locale: str | None = None) -> str:
    """The handling fee in the client's words, e.g. "$3.49" (in ``locale``, else the
    settings' own)."""
    return Money(settings.handling_fee_minor, settings.currency).format(locale or settings.locale)


def _tap_hint() -> Transition:
    return Transition(replies=[Message(tc.TAP_AN_OPTION())], reshow=True)


class TopicsStep:
    """Intake 1: what it is about (one or more topics)."""

    async def show(self, ctx: Context) -> list[Reply]:
        chosen = set(ctx.data.get("topics", []))
        topic_buttons = [
            ctx.button(
                t.TOPIC_CHOSEN(topic=topic.label.capitalize())
                if topic.value in chosen
                else topic.label.capitalize(),
                "topic",
                topic.value,
            )
            for topic in Topic
        ]
        done = ctx.button(t.DONE(), "done")
        return [Message(t.TOPICS(), (*rows(*topic_buttons), (done,)))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        chosen: list[str] = list(ctx.data.get("topics", []))
        if (
            press is not None
            and press.action == "topic"
            and press.arg in Topic.__members__.values()
        ):
            chosen = (
                [c for c in chosen if c != press.arg]
                if press.arg in chosen
                else [*chosen, press.arg]
            )
            return Transition(data={**ctx.data, "topics": chosen}, reshow=True)
        if press is not None and press.action == "done":
            if not chosen:
                return Transition(replies=[Message(t.TOPIC_FIRST())])
            return Transition(goto=StepName.DESCRIPTION)
        return Transition(replies=[Message(t.TOPICS_HINT())])


class DescriptionStep:
    """Intake 2: the client's own words (used for matching, then forgotten)."""

    takes_free_text = True  # "help" or "stop" here are the client's own words

    async def show(self, ctx: Context) -> list[Reply]:
        return [Message(t.DESCRIPTION())]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        text = typed(event)
        if text is None:
            return Transition(replies=[Message(t.DESCRIPTION_HINT())])
        if len(text) < DESCRIPTION_MIN:
            return Transition(replies=[Message(t.DESCRIPTION_SHORT())])
        if len(text) > DESCRIPTION_MAX:
            return Transition(replies=[Message(t.DESCRIPTION_LONG(limit=DESCRIPTION_MAX))])
        return Transition(goto=StepName.LANGUAGE, data={**ctx.data, "description": text})


def share_choice(ctx: Context, action: str) -> Transition:
    """Sharing the description with the advisor: off unless the client says so, after seeing
    exactly what would be shared (contact details taken out)."""
    description = str(ctx.data.get("description") or "")
    if not description:
        return Transition(reshow=True)
    if action == "share_no":
        return Transition(
            data={**ctx.data, "share_description": False},
            replies=[Message(t.KEPT_PRIVATE())],
            reshow=True,
        )
    shared = redact_contacts(description, ctx.client.timezone)
    if action == "share_yes":
        # What is kept from here on is the shared text, contact details already out.
        return Transition(
            data={**ctx.data, "description": shared, "share_description": True},
            replies=[Message(t.SHARED())],
            reshow=True,
        )
    return Transition(
        replies=[
            Message(
                t.SHARE_PREVIEW(shared=shared),
                rows(
                    ctx.button(t.SHARE_YES(), "share_yes"),
                    ctx.button(t.SHARE_NO(), "share_no"),
                    per_row=1,
                ),
            )
        ]
    )


def _capitalised(name: str) -> str:
    """A language's name as a button reads it: "Español", not "español"."""
    return name[:1].upper() + name[1:]


class LanguageStep:
    """Intake 3: the language of the session."""

    async def show(self, ctx: Context) -> list[Reply]:
        names = Locale.parse(ctx.locale).languages
        choices = [
            ctx.button(_capitalised(str(names.get(code, code))), "lang", code)
            for code in LANGUAGE_CHOICES
        ]
        buttons = rows(*choices, per_row=3)
        if ctx.data.get("description"):
            if ctx.data.get("share_description"):
                toggle = ctx.button(t.STOP_SHARING(), "share_no")
            else:
                toggle = ctx.button(t.SHARE_ASK(), "share_ask")
            buttons = (*buttons, (toggle,))
        return [Message(t.LANGUAGE(), buttons)]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action in ("share_ask", "share_yes", "share_no"):
            return share_choice(ctx, press.action)
        if press is not None and press.action == "lang" and press.arg in LANGUAGE_CHOICES:
            return Transition(goto=after_language(ctx), data={**ctx.data, "language": press.arg})
        return Transition(replies=[Message(t.LANGUAGE_HINT())], reshow=True)


class KindStep:
    """Intake 4: a live session of 30 or 60 minutes, or a messaging package."""

    async def show(self, ctx: Context) -> list[Reply]:
        choices = [ctx.button(label(), "kind", kind.value) for kind, label in KINDS]
        return [Message(t.KIND(), rows(*choices, per_row=1))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if (
            press is not None
            and press.action == "kind"
            and press.arg in OfferKind.__members__.values()
        ):
            return Transition(goto=StepName.BUDGET, data={**ctx.data, "kind": press.arg})
        return _tap_hint()


class BudgetStep:
    """Intake 5: the most the client wants to pay for the session itself."""

    async def show(self, ctx: Context) -> list[Reply]:
        example = Money(4000, ctx.settings.currency).format(ctx.locale)
        return [
            Message(
                t.BUDGET(example=example, fee=fee_text(ctx.settings, ctx.locale)),
                rows(ctx.button(t.NO_LIMIT(), "nolimit"), per_row=1),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "nolimit":
            return Transition(goto=StepName.WHEN, data={**ctx.data, "budget": None})
        try:
            budget = Money.parse(typed(event) or "", ctx.settings.currency, ctx.locale)
        except InvalidAmount as error:
            return _budget_again(_BUDGET_PROBLEMS[error.problem]())
        if budget.amount == 0:
            return _budget_again(t.BUDGET_ZERO())
        largest = Money(ctx.settings.budget_max_minor, ctx.settings.currency)
        if budget > largest:
            return _budget_again(t.BUDGET_TOO_LARGE(largest=largest.format(ctx.locale)))
        return Transition(goto=StepName.WHEN, data={**ctx.data, "budget": budget.amount})


_BUDGET_PROBLEMS = {
    AmountProblem.NOT_A_NUMBER: t.BUDGET_HINT,
    AmountProblem.NEGATIVE: t.BUDGET_NEGATIVE,
    AmountProblem.TOO_MANY_DECIMALS: t.BUDGET_DECIMALS,
}


def _budget_again(hint: str) -> Transition:
    """The hint; the engine shows the step's No limit button again with it."""
    return Transition(replies=[Message(hint)])


class WhenStep:
    """Intake 6: when suits the client."""

    async def show(self, ctx: Context) -> list[Reply]:
        choices = [ctx.button(label(), "when", key) for key, label in TIME_PREFERENCES.items()]
        return [Message(t.WHEN(), rows(*choices))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "when" and press.arg in TIME_PREFERENCES:
            return Transition(goto=StepName.RESULTS, data={**ctx.data, "when": press.arg})
        return _tap_hint()


class ResultsStep:
    """Intake done: the best-matched advisors, each with the reasons it matched."""

    async def show(self, ctx: Context) -> list[Reply]:
        suggestions = await ctx.services.need_matcher().suggest(ctx, ctx.data)
        # The client's own words were needed only to match; forget them now (privacy),
        # unless they chose to share them with their advisor (``share_description``).
        if not ctx.data.get("share_description"):
            ctx.data.pop("description", None)
        ctx.data["suggested"] = [s.advisor_id for s in suggestions]
        if not suggestions:
            again = ctx.button(t.START_AGAIN(), "again")
            return [Message(t.NO_MATCH(), rows(again, per_row=1))]
        lines = [
            t.MATCH(
                name=s.display_name,
                price=s.price.format(ctx.locale),
                reasons="\n".join(t.REASON(reason=reason) for reason in s.reasons),
            )
            for s in suggestions
        ]
        choose = [
            ctx.button(t.CHOOSE(name=s.display_name), "advisor", s.advisor_id) for s in suggestions
        ]
        return [
            Message(
                t.MATCHES(matches="\n\n".join(lines)),
                (*rows(*choose, per_row=1), (ctx.button(t.START_AGAIN(), "again"),)),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "again":
            return Transition(goto=StepName.TOPICS, data={"topics": []})
        advisor_id = parse_id(press.arg) if press is not None else None
        if press is not None and press.action == "advisor" and advisor_id is not None:
            if advisor_id not in ctx.data.get("suggested", []):
                return Transition(replies=[Message(t.STALE_CHOICE())], reshow=True)
            return Transition(goto=StepName.PROFILE, data={**ctx.data, "advisor_id": advisor_id})
        return Transition(replies=[Message(t.ADVISOR_HINT())], reshow=True)
