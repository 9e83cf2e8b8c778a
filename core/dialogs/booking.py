"""From a chosen advisor to a chosen offer: the profile card and the offer buttons."""

from __future__ import annotations

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.dialogs.engine import Context, Transition, pressed, rows
from core.dialogs.replies import Image, Input, Message, Reply
from core.models import Advisor, Offer

NOT_BOOKABLE = "That advisor isn't taking bookings right now. Here is the menu:"


async def bookable_advisor(ctx: Context, advisor_id: int) -> Advisor | None:
    """The advisor with their offers, if they are active and approved."""
    return await ctx.uow.session.scalar(
        select(Advisor)
        .where(Advisor.id == advisor_id, Advisor.active.is_(True), Advisor.approved.is_(True))
        .options(selectinload(Advisor.offers))
    )


async def advisor_id_by_slug(ctx: Context, slug: str) -> int | None:
    """The id of a bookable advisor from a shareable link's slug."""
    return await ctx.uow.session.scalar(
        select(Advisor.id).where(
            Advisor.slug == slug, Advisor.active.is_(True), Advisor.approved.is_(True)
        )
    )


def rating_text(advisor: Advisor) -> str:
    """ "4.8★ from 32 reviews", or "New on Pathwise" before the first review."""
    if advisor.rating_count == 0:
        return "New on Pathwise"
    average = advisor.rating_sum / advisor.rating_count
    noun = "review" if advisor.rating_count == 1 else "reviews"
    return f"{average:.1f}★ from {advisor.rating_count} {noun}"


def languages_text(advisor: Advisor, locale: str) -> str:
    """The advisor's languages in the client's words, e.g. "English, Spanish"."""
    names = Locale.parse(locale).languages
    return ", ".join(str(names.get(code, code)) for code in advisor.languages)


def offer_label(offer: Offer, locale: str) -> str:
    return f"{offer.name.capitalize()} — {offer.price.format(locale)}"


class ProfileStep:
    """An advisor's card: photo, who they are, what they sell."""

    async def show(self, ctx: Context) -> list[Reply]:
        advisor = await bookable_advisor(ctx, int(ctx.data.get("advisor_id", 0)))
        if advisor is None:
            return [Message(NOT_BOOKABLE, rows(ctx.button("Back to the menu", "menu")))]
        locale = ctx.settings.locale
        card = (
            f"{advisor.display_name}\n"
            f"{rating_text(advisor)} · speaks {languages_text(advisor, locale)}\n"
            f"Specialises in {', '.join(advisor.specialties)}\n\n"
            f"{advisor.bio.strip()}\n\n"
            "Choose what you'd like to book:"
        )
        offers = [
            ctx.button(offer_label(o, locale), "offer", o.id) for o in advisor.offers if o.active
        ]
        back = [ctx.button("Back to my matches", "back")] if ctx.data.get("suggested") else []
        replies: list[Reply] = []
        if advisor.photo_url:
            replies.append(Image(advisor.photo_url, advisor.display_name))
        replies.append(Message(card, (*rows(*offers, per_row=1), *rows(*back, per_row=1))))
        return replies

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        advisor = await bookable_advisor(ctx, int(ctx.data.get("advisor_id", 0)))
        if advisor is None:
            return Transition(goto="home", data={}, replies=[Message(NOT_BOOKABLE)])
        if press is not None and press.action == "back" and ctx.data.get("suggested"):
            return Transition(goto="results")
        if press is not None and press.action == "offer" and press.arg.isdigit():
            offer = next((o for o in advisor.offers if o.id == int(press.arg) and o.active), None)
            if offer is None:
                return Transition(replies=[Message("That option has expired.")], reshow=True)
            next_step = "summary" if offer.kind == "messaging" else "slot"
            return Transition(goto=next_step, data={**ctx.data, "offer_id": offer.id})
        return Transition(replies=[Message("Please tap one of the options below.")], reshow=True)
