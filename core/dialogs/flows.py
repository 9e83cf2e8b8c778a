"""The client's flows put together: welcome and consent, the home menu, the commands that work
from anywhere, and the engine with every step. Every rule shown to the client comes from
settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from core import commands
from core.commands import Command
from core.config import Settings
from core.dialogs import aftercare, booking, booking_changes, intake, mybookings, privacy
from core.dialogs.booking import advisor_id_by_slug
from core.dialogs.engine import (
    CommandHandler,
    Context,
    DialogEngine,
    Step,
    Transition,
    pressed,
    rows,
)
from core.dialogs.payments import returned_from_checkout
from core.dialogs.profile_settings import TimezoneStep, UiLanguageStep
from core.dialogs.services import DialogServices
from core.dialogs.steps import StepName
from core.models import Consent
from core.privacy import Privacy
from core.replies import Input, Message, Reply
from core.safety import default_screener
from core.texts import booking as tb
from core.texts import chat as tc
from core.texts import menu as t
from core.texts import mydata as tp

TERMS_VERSION = "2026-11"


def welcome_text(settings: Settings, locale: str | None = None) -> str:
    """The consent card: what Pathwise is and is not, confidentiality, the fee, the guarantee."""
    return t.WELCOME(
        platform=settings.platform_name,
        fee=intake.fee_text(settings, locale),
        guarantee_hours=settings.guarantee_window_hours,
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
        accept = ctx.button(t.AGREE(), "agree")
        language = ctx.button(t.OTHER_LANGUAGE(), "language")
        return [Message(welcome_text(ctx.settings, ctx.locale), rows(accept, language, per_row=1))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is not None and press.action == "language":
            back = {"lang_then": StepName.WELCOME, "lang_data": dict(ctx.data)}
            return Transition(goto=StepName.UI_LANGUAGE, data=back)
        if press is None or press.action != "agree":
            return Transition(replies=[Message(t.AGREE_HINT())])
        ctx.uow.session.add(
            Consent(client_id=ctx.client.id, terms_version=TERMS_VERSION, accepted_at=ctx.now)
        )
        payload = str(ctx.data.get("after_consent", ""))
        transition = await follow_deep_link(ctx, payload)
        transition.replies.insert(0, Message(t.ALL_SET()))
        return transition


class HomeStep:
    """The main menu."""

    async def show(self, ctx: Context) -> list[Reply]:
        return [
            Message(
                t.HOME(),
                rows(
                    ctx.button(tc.FIND_AN_ADVISOR(), "find"),
                    ctx.button(t.MY_BOOKINGS(), "bookings"),
                    ctx.button(t.HOW_AM_I(), "checkin"),
                    ctx.button(t.HELP(), "help"),
                    per_row=2,
                ),
            )
        ]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        action = press.action if press is not None else None
        if action == "find":
            return Transition(goto=StepName.TOPICS, data={"topics": []})
        if action == "help":
            return Transition(replies=[Message(commands.help_text())], reshow=True)
        if action == "bookings" and StepName.BOOKINGS in ctx.installed:
            return Transition(goto=StepName.BOOKINGS)
        if action == "checkin" and StepName.MOOD in ctx.installed:
            return Transition(goto=StepName.MOOD, data={})
        return Transition(replies=[Message(t.CHOOSE_AN_OPTION())], reshow=True)


async def follow_deep_link(ctx: Context, payload: str) -> Transition:
    """Where a /start payload leads: ``advisor_<slug>`` opens that advisor's profile;
    ``paid_<id>``/``unpaid_<id>`` say where a payment stands."""
    if payload.startswith(("paid_", "unpaid_")):
        return await returned_from_checkout(ctx, payload)
    if payload.startswith("advisor_"):
        advisor_id = await advisor_id_by_slug(ctx, payload.removeprefix("advisor_"))
        if advisor_id is not None:
            return Transition(goto=StepName.PROFILE, data={"advisor_id": advisor_id})
        return Transition(goto=StepName.HOME, data={}, replies=[Message(tb.NOT_BOOKABLE())])
    return Transition(goto=StepName.HOME, data={})


# Steps at which a time is held for the client while they decide to pay.
PAYING_STEPS = frozenset({StepName.SUMMARY, StepName.RECEIPT_NAME, StepName.PAY})


@dataclass
class Flows:
    """Commands and /start, which work from any step."""

    settings: Settings

    async def start(self, ctx: Context, payload: str) -> Transition:
        """/start: the consent card first; then the deep link's target, or the menu."""
        if not await has_consented(ctx):
            return Transition(
                goto=StepName.WELCOME, data={"after_consent": payload} if payload else {}
            )
        return await follow_deep_link(ctx, payload)

    async def find(self, ctx: Context, _args: str) -> Transition:
        if not await has_consented(ctx):
            return Transition(goto=StepName.WELCOME, data={})
        return Transition(goto=StepName.TOPICS, data={"topics": []})

    def opens(self, step: StepName, data: dict[str, Any] | None = None) -> CommandHandler:
        """A command that opens ``step`` from anywhere, once the consent card is accepted."""

        async def command(ctx: Context, _args: str) -> Transition:
            if not await has_consented(ctx):
                return Transition(goto=StepName.WELCOME, data={})
            return Transition(goto=step, data=dict(data or {}))

        return command

    async def help(self, ctx: Context, _args: str) -> Transition:
        return Transition(replies=[Message(commands.help_text())])

    async def privacy(self, ctx: Context, _args: str) -> Transition:
        return Transition(goto=StepName.PRIVACY)

    async def delete_my_data(self, ctx: Context, _args: str) -> Transition:
        return Transition(goto=StepName.DELETE_DATA)

    async def cancel(self, ctx: Context, _args: str) -> Transition:
        """Stop whatever is going on; nothing half-done is kept, a held time included."""
        if not await has_consented(ctx):
            return Transition(goto=StepName.WELCOME, data={})
        stopped = t.STOPPED()
        if ctx.step in PAYING_STEPS and await booking.release_held(ctx):
            stopped = t.STOPPED_AND_RELEASED()
        return Transition(goto=StepName.HOME, data={}, replies=[Message(stopped)])

    async def timezone(self, ctx: Context, _args: str) -> Transition:
        """/timezone from anywhere; mid-flow, the flow resumes where it was once it is set."""
        if not await has_consented(ctx):
            return Transition(goto=StepName.WELCOME, data={})
        if ctx.step == StepName.TIMEZONE:
            return Transition(reshow=True)
        if ctx.step in (StepName.HOME, StepName.WELCOME, ""):
            return Transition(goto=StepName.TIMEZONE, data={"tz_then": "home"})
        resume = {"tz_then": "resume", "tz_step": ctx.step, "tz_data": dict(ctx.data)}
        return Transition(goto=StepName.TIMEZONE, data=resume)

    async def language(self, ctx: Context, _args: str) -> Transition:
        """/language from anywhere, the welcome card included; then back to the menu (or to
        the welcome card, not yet accepted)."""
        if ctx.step == StepName.UI_LANGUAGE:
            return Transition(reshow=True)
        then = StepName.HOME if await has_consented(ctx) else StepName.WELCOME
        data = {} if then == StepName.HOME else dict(ctx.data)
        return Transition(goto=StepName.UI_LANGUAGE, data={"lang_then": then, "lang_data": data})

    def handlers(self) -> dict[Command, CommandHandler]:
        """What each chat command of ``core.commands`` does."""
        return {
            commands.FIND: self.find,
            commands.HELP: self.help,
            commands.PRIVACY: self.privacy,
            commands.DELETE_MY_DATA: self.delete_my_data,
            commands.CANCEL: self.cancel,
            commands.BOOKINGS: self.opens(StepName.BOOKINGS),
            commands.CHECKIN: self.opens(StepName.MOOD),
            commands.TIMEZONE: self.timezone,
            commands.LANGUAGE: self.language,
        }


def all_steps() -> dict[str, Step]:
    """One step for every name in :class:`StepName`."""
    return {
        StepName.WELCOME: WelcomeStep(),
        StepName.HOME: HomeStep(),
        StepName.TOPICS: intake.TopicsStep(),
        StepName.DESCRIPTION: intake.DescriptionStep(),
        StepName.LANGUAGE: intake.LanguageStep(),
        StepName.KIND: intake.KindStep(),
        StepName.BUDGET: intake.BudgetStep(),
        StepName.WHEN: intake.WhenStep(),
        StepName.RESULTS: intake.ResultsStep(),
        StepName.PROFILE: booking.ProfileStep(),
        StepName.SLOT: booking.SlotStep(),
        StepName.SUMMARY: booking.SummaryStep(),
        StepName.RECEIPT_NAME: booking.ReceiptNameStep(),
        StepName.PAY: booking.PayStep(),
        StepName.TIMEZONE: TimezoneStep(),
        StepName.UI_LANGUAGE: UiLanguageStep(),
        StepName.BOOKINGS: mybookings.BookingsStep(),
        StepName.BOOKING: mybookings.BookingStep(),
        StepName.RESCHEDULE: booking_changes.RescheduleStep(),
        StepName.CANCEL_BOOKING: booking_changes.CancelStep(),
        StepName.REFUND: booking_changes.RefundStep(),
        StepName.RATE: aftercare.RateStep(),
        StepName.REVIEW: aftercare.ReviewStep(),
        StepName.TIP: aftercare.TipStep(),
        StepName.TIP_OTHER: aftercare.TipOtherStep(),
        StepName.TIP_PAY: aftercare.TipPayStep(),
        StepName.MOOD: aftercare.MoodStep(),
        StepName.PRIVACY: privacy.PrivacyStep(),
        StepName.DELETE_DATA: privacy.DeleteDataStep(),
    }


def build_engine(settings: Settings, services: DialogServices | None = None) -> DialogEngine:
    """The engine with every flow and every chat command of ``core.commands``. Privacy is
    built from billing when the root did not give one."""
    wired = services or DialogServices()
    if wired.privacy is None and wired.billing is not None:
        billing = wired.billing
        privacy = Privacy(billing.db, settings, billing.clock, refunds=billing)
        wired = replace(wired, privacy=privacy)
    flows = Flows(settings)
    handlers = flows.handlers()
    return DialogEngine(
        steps=all_steps(),
        commands={command.name: handlers[command] for command in commands.CHAT_COMMANDS},
        start=flows.start,
        first_step=StepName.WELCOME,
        home_step=StepName.HOME,
        settings=settings,
        services=wired,
        stale_answers={"erase_yes": tp.STALE_ERASE()},
        screener=default_screener(),
    )
