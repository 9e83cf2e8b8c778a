"""Advisors' slash commands: profile and prices, weekly hours, bookings, earnings, payouts,
"available now", their share link. Each one parses, calls core, and renders; the rules are
core's."""

from __future__ import annotations

import io
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from bots.discord.translator import described
from core import (
    advisor_reviews,
    advisors,
    earnings_chart,
    i18n,
    scheduling,
    sharing,
    statements,
)
from core.accounts import Platform
from core.advisors import AdvisorCard
from core.commands import SHARE
from core.errors import ConfigurationError
from core.texts import advisor_commands as t
from core.texts import discord_bot as b
from core.texts import discord_commands as d
from core.texts import statements as st
from core.texts import timeoff as off


def render_card(card: AdvisorCard) -> str:
    prices = "\n".join(
        (t.PRICE_LINE if line.active else t.PRICE_LINE_PAUSED)(
            offer_name=line.name, price=line.price.format(card.locale)
        )
        for line in card.prices
    )
    if card.approved:
        standing = t.APPROVED_ONLINE if card.online else t.APPROVED
    else:
        standing = t.WAITING_ONLINE if card.online else t.WAITING
    return t.CARD(
        name=card.name,
        standing=standing(),
        bio=card.bio,
        specialties=", ".join(card.specialties) or t.NONE(),
        languages=", ".join(card.languages) or t.NONE(),
        timezone=card.timezone,
        prices=prices or t.NONE(),
    )


def render_time_off(outcome: scheduling.TimeOffOutcome, limit: int = 15) -> str:
    if not outcome.added:
        lines = [
            off.IN_THE_WAY_LINE(
                when=s.when, what=s.what, client_name=s.client_name, booking_id=s.booking_id
            )
            for s in outcome.in_the_way[:limit]
        ]
        if len(outcome.in_the_way) > limit:
            lines.append(off.LIST_MORE(count=len(outcome.in_the_way) - limit))
        return off.IN_THE_WAY(count=len(outcome.in_the_way), sessions="\n".join(lines))
    if outcome.days == 1 and outcome.hours:
        return off.ADDED_DAY_HOURS(first=outcome.first, hours=outcome.hours)
    if outcome.days == 1:
        return off.ADDED_DAY(first=outcome.first)
    if outcome.hours:
        return off.ADDED_RANGE_HOURS(first=outcome.first, last=outcome.last, hours=outcome.hours)
    return off.ADDED_RANGE(first=outcome.first, last=outcome.last, days=outcome.days)


def render_time_off_list(entries: list[scheduling.TimeOffEntry], limit: int = 20) -> str:
    if not entries:
        return off.LIST_EMPTY()
    lines = []
    for entry in entries[:limit]:
        hours = ", ".join(entry.hours)
        if entry.last is None and hours:
            lines.append(off.LIST_DAY_HOURS(first=entry.first, hours=hours))
        elif entry.last is None:
            lines.append(off.LIST_DAY(first=entry.first))
        elif hours:
            lines.append(off.LIST_RANGE_HOURS(first=entry.first, last=entry.last, hours=hours))
        else:
            lines.append(off.LIST_RANGE(first=entry.first, last=entry.last))
    if len(entries) > limit:
        lines.append(off.LIST_MORE(count=len(entries) - limit))
    return off.LIST(lines="\n".join(lines))


def render_removed(removed: scheduling.RemovedTimeOff) -> str:
    if removed.last is None:
        words = off.REMOVED_DAY if removed.removed else off.NOTHING_TO_REMOVE_DAY
        return words(first=removed.first)
    words = off.REMOVED_RANGE if removed.removed else off.NOTHING_TO_REMOVE_RANGE
    return words(first=removed.first, last=removed.last)


def render_reviews(reviews: advisor_reviews.AdvisorReviews) -> str:
    if reviews.average is None:
        return t.NO_REVIEWS()
    summary = t.REVIEWS_SUMMARY(count=reviews.count, average=reviews.average)
    lines = []
    for review in reviews.latest:
        stars = "★" * review.rating + "☆" * (5 - review.rating)
        if review.text is None:
            lines.append(t.REVIEW_LINE_NO_WORDS(stars=stars, day=review.day))
        else:
            lines.append(t.REVIEW_LINE(stars=stars, day=review.day, text=review.text))
    latest = t.REVIEWS_LATEST(reviews="\n".join(lines))
    return f"{summary}\n\n{latest}"


def render_payouts(found: statements.PayoutStatements) -> str:
    if not found.count:
        return st.NO_PAYOUTS()
    header = st.PAYOUTS_HEADER(
        count=found.count, total=found.total, page=found.page, pages=found.pages
    )
    if found.page < found.pages:
        footer = st.PAYOUTS_FOOTER(next_page=found.page + 1)
    else:
        footer = st.PAYOUTS_FOOTER_LAST()
    return "\n\n".join([header, *found.statements, footer])


def render_month_ready(statement: statements.MonthlyStatement) -> str:
    data = statement.data
    [totals, *_] = data.totals
    gross, refunded, commission, net = data.amounts(totals)
    return st.MONTH_READY(
        count=len(data.rows),
        month=data.month,
        gross=gross,
        refunded=refunded,
        commission=commission,
        net=net,
    )


class AdvisorCog(commands.Cog):
    profile = app_commands.Group(name="profile", description=described(d.PROFILE))
    timeoff = app_commands.Group(name="timeoff", description=described(d.TIMEOFF))

    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    async def _advisor_id(self, interaction: discord.Interaction[Any]) -> int:
        return await self.bot.advisor_id_of(interaction.user.id)

    async def _advisor_locale(self, interaction: discord.Interaction[Any]) -> tuple[int, str]:
        """The advisor acting, and the locale their amounts are written for."""
        async with self.bot.db.uow() as uow:
            advisor = await advisors.advisor_for(uow, Platform.DISCORD, interaction.user.id)
            return advisor.id, advisor.locale or "en_US"

    @profile.command(name="show", description=described(d.PROFILE_SHOW))
    async def profile_show(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            card = await advisors.advisor_card(uow, advisor_id)
        language = t.CARD_LANGUAGE(language=i18n.language_name(i18n.supported(card.locale)))
        await reply(interaction, f"{render_card(card)}\n\n{language}")

    @profile.command(name="edit", description=described(d.PROFILE_EDIT))
    @app_commands.describe(
        bio=described(d.BIO),
        specialties=described(d.SPECIALTIES),
        languages=described(d.LANGUAGES),
    )
    async def profile_edit(
        self,
        interaction: discord.Interaction[Any],
        bio: str | None = None,
        specialties: str | None = None,
        languages: str | None = None,
    ) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            card = await advisors.update_profile(
                uow, advisor_id, bio=bio, specialties=specialties, languages=languages
            )
            await uow.commit()
        await reply(interaction, t.PROFILE_SAVED(card=render_card(card)))

    @profile.command(name="price", description=described(d.PROFILE_PRICE))
    @app_commands.describe(
        offer=described(d.OFFER), amount=described(d.PRICE), days=described(d.DAYS)
    )
    async def profile_price(
        self,
        interaction: discord.Interaction[Any],
        offer: Literal["live30", "live60", "messaging"],
        amount: str,
        days: app_commands.Range[int, 1, 90] | None = None,
    ) -> None:
        advisor_id, locale = await self._advisor_locale(interaction)
        async with self.bot.db.uow() as uow:
            line = await advisors.set_price(uow, advisor_id, offer, amount, days)
            await uow.commit()
        price = line.price.format(locale)
        await reply(interaction, t.PRICE_SET(offer_name=line.name, price=price))

    @profile.command(name="language", description=described(d.PROFILE_LANGUAGE))
    @app_commands.describe(language=described(d.LANGUAGE))
    @app_commands.choices(
        language=[
            app_commands.Choice(name=i18n.language_name(code), value=code)
            for code in i18n.languages()
        ]
    )
    async def profile_language(self, interaction: discord.Interaction[Any], language: str) -> None:
        """Pathwise's language for this advisor: kept, and this answer is already in it."""
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            chosen = await advisors.set_language(uow, advisor_id, language)
            await uow.commit()
        i18n.use(chosen)
        await reply(interaction, t.LANGUAGE_SAVED())

    @app_commands.command(name="availability", description=described(d.AVAILABILITY))
    @app_commands.describe(hours=described(d.HOURS))
    async def availability(
        self, interaction: discord.Interaction[Any], hours: str | None = None
    ) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            if hours is None:
                weekly = await scheduling.weekly_availability(uow, advisor_id)
            else:
                weekly = await advisors.set_hours(uow, advisor_id, hours)
                await uow.commit()
            card = await advisors.advisor_card(uow, advisor_id)
        words = t.HOURS_SAVED if hours is not None else t.HOURS
        await reply(
            interaction, words(timezone=card.timezone, hours=advisors.format_weekly(weekly))
        )

    @timeoff.command(name="add", description=described(d.TIMEOFF_ADD))
    @app_commands.rename(first="from", last="to")
    @app_commands.describe(
        first=described(d.TIMEOFF_FROM),
        last=described(d.TIMEOFF_TO),
        hours=described(d.TIMEOFF_HOURS),
    )
    async def timeoff_add(
        self,
        interaction: discord.Interaction[Any],
        first: str,
        last: str | None = None,
        hours: str | None = None,
    ) -> None:
        """Time off, refused (with the sessions listed) while paid sessions are in the way."""
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            outcome = await scheduling.take_time_off(
                uow, advisor_id, first, last, hours, self.bot.clock.now()
            )
            await uow.commit()
        await reply(interaction, render_time_off(outcome))

    @timeoff.command(name="list", description=described(d.TIMEOFF_LIST))
    async def timeoff_list(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            entries = await scheduling.upcoming_time_off(uow, advisor_id, self.bot.clock.now())
        await reply(interaction, render_time_off_list(entries))

    @timeoff.command(name="remove", description=described(d.TIMEOFF_REMOVE))
    @app_commands.rename(day="date", last="to")
    @app_commands.describe(day=described(d.TIMEOFF_DATE), last=described(d.TIMEOFF_TO))
    async def timeoff_remove(
        self, interaction: discord.Interaction[Any], day: str, last: str | None = None
    ) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            removed = await scheduling.remove_time_off(
                uow, advisor_id, day, last, self.bot.clock.now()
            )
            await uow.commit()
        await reply(interaction, render_removed(removed))

    @app_commands.command(name="bookings", description=described(d.BOOKINGS))
    async def bookings(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            upcoming = await advisors.upcoming_sessions(uow, advisor_id, self.bot.clock.now())
        lines = [
            t.BOOKING_LINE(when=s.when, what=s.what, client_name=s.client_name) for s in upcoming
        ]
        await reply(interaction, "\n".join(lines) or t.NO_BOOKINGS())

    def _billing(self) -> Any:
        if self.bot.billing is None:
            raise ConfigurationError(b.PAYMENTS_OFF())
        return self.bot.billing

    @app_commands.command(name="earnings", description=described(d.EARNINGS))
    async def earnings(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id, locale = await self._advisor_locale(interaction)
        money = await self._billing().advisor_earnings(advisor_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.uow() as uow:
            weekly = await earnings_chart.weekly_net(
                uow, advisor_id, self.bot.settings.currency, self.bot.clock.now()
            )
        chart = await earnings_chart.chart_png(weekly)
        words = t.EARNINGS if money.payouts_enabled else t.EARNINGS_NO_PAYOUTS
        text = words(
            hours=self.bot.settings.guarantee_window_hours,
            held=money.held.format(locale),
            ready=money.ready.format(locale),
            paid_out=money.paid_out.format(locale),
        )
        attached = discord.File(io.BytesIO(chart), filename=earnings_chart.CHART_FILENAME)
        await reply(interaction, f"{text}\n\n{t.EARNINGS_CHART()}", file=attached)

    @app_commands.command(name="statements", description=described(d.STATEMENTS))
    @app_commands.describe(month=described(d.STATEMENTS_MONTH), page=described(d.STATEMENTS_PAGE))
    async def statements(
        self,
        interaction: discord.Interaction[Any],
        month: str | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """Every payout with its statement, a page at a time; with ``month``, that month's
        PDF statement."""
        advisor_id = await self._advisor_id(interaction)
        if month is None:
            async with self.bot.db.uow() as uow:
                found = await statements.payout_statements(uow, advisor_id, page)
            await reply(interaction, render_payouts(found))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.uow() as uow:
            asked = await statements.month_statement(
                uow, self.bot.settings, advisor_id, month, self.bot.clock.now()
            )
        if asked.statement is None:
            await reply(interaction, st.EMPTY_MONTH(month=asked.label))
            return
        pdf = await statements.statement_pdf(asked.statement, self.bot.fonts)
        attached = discord.File(io.BytesIO(pdf), filename=asked.statement.filename)
        await reply(interaction, render_month_ready(asked.statement), file=attached)

    @app_commands.command(name="payouts", description=described(d.PAYOUTS))
    async def payouts(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        back = self.bot.settings.public_url or f"https://discord.com/channels/{self.bot.guild_id}"
        link = await self._billing().start_payout_onboarding(
            advisor_id, refresh_url=back, return_url=back
        )
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label=t.OPEN_STRIPE(), url=link))
        await reply(interaction, t.PAYOUT_LINK(), view=view)

    @app_commands.command(name="online", description=described(d.ONLINE))
    @app_commands.describe(available=described(d.AVAILABLE))
    async def online(
        self, interaction: discord.Interaction[Any], available: bool | None = None
    ) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            card = await advisors.advisor_card(uow, advisor_id)
            advisor = await scheduling.set_online(
                uow, advisor_id, not card.online if available is None else available
            )
            now_online = advisor.online
            await uow.commit()
        await reply(interaction, (t.ONLINE_ON if now_online else t.ONLINE_OFF)())

    @app_commands.command(name="reviews", description=described(d.REVIEWS))
    async def reviews(self, interaction: discord.Interaction[Any]) -> None:
        """Their rating and latest reviews, newest first."""
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            found = await advisor_reviews.advisor_reviews(uow, advisor_id)
        await reply(interaction, render_reviews(found))

    @app_commands.command(name=SHARE.name, description=described(SHARE.on_server_text))
    async def share(self, interaction: discord.Interaction[Any]) -> None:
        """The link that opens the advisor's profile for clients, and its QR code."""
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            shared = await sharing.advisor_share(uow, self.bot.settings, advisor_id)
        words = t.SHARE_LINK if shared.listed else t.SHARE_LINK_UNLISTED
        qr = discord.File(io.BytesIO(shared.qr_png()), filename=sharing.QR_FILENAME)
        await reply(interaction, f"{words(url=shared.url)}\n{t.SHARE_QR()}", file=qr)


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(AdvisorCog(bot))
