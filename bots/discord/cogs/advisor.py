"""Advisors' slash commands: profile and prices, weekly hours, bookings, earnings, payouts,
"available now". Each one parses, calls core, and renders; the rules are core's."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from core import advisors, scheduling
from core.accounts import Platform
from core.advisors import AdvisorCard
from core.errors import ConfigurationError


def render_card(card: AdvisorCard) -> str:
    prices = "\n".join(
        f"• {line.name}: {line.price.format()}" + ("" if line.active else " (paused)")
        for line in card.prices
    )
    standing = "approved" if card.approved else "waiting for approval"
    return (
        f"**{card.name}** ({standing}{', online now' if card.online else ''})\n"
        f"{card.bio}\n\n"
        f"Specialties: {', '.join(card.specialties) or '—'}\n"
        f"Languages: {', '.join(card.languages) or '—'}\n"
        f"Time zone: {card.timezone}\n"
        f"Prices:\n{prices or '—'}"
    )


class AdvisorCog(commands.Cog):
    profile = app_commands.Group(name="profile", description="Your advisor profile and prices.")

    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    async def _advisor_id(self, interaction: discord.Interaction[Any]) -> int:
        async with self.bot.db.uow() as uow:
            advisor = await advisors.advisor_for(uow, Platform.DISCORD, interaction.user.id)
            return advisor.id

    @profile.command(name="show", description="See your profile as clients see it.")
    async def profile_show(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            card = await advisors.advisor_card(uow, advisor_id)
        await reply(interaction, render_card(card))

    @profile.command(name="edit", description="Change your bio, specialties or languages.")
    @app_commands.describe(
        bio="A few sentences about how you help",
        specialties="Separated by commas, e.g. career change, burnout",
        languages="Two-letter codes separated by commas, e.g. en, es",
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
        await reply(interaction, "Saved. Here is your profile now:\n\n" + render_card(card))

    @profile.command(name="price", description="Set the price of one of your offers.")
    @app_commands.describe(
        offer="Which offer", amount="The price, e.g. 45 or 45.50", days="Messaging packages only"
    )
    async def profile_price(
        self,
        interaction: discord.Interaction[Any],
        offer: Literal["live30", "live60", "messaging"],
        amount: str,
        days: app_commands.Range[int, 1, 90] | None = None,
    ) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            line = await advisors.set_price(uow, advisor_id, offer, amount, days)
            await uow.commit()
        await reply(
            interaction,
            f"{line.name}: now {line.price.format()}. Bookings already made keep their price.",
        )

    @app_commands.command(
        name="availability", description="See or set your weekly hours, in your own time zone."
    )
    @app_commands.describe(
        hours="e.g. mon 09:00-12:00 14:00-18:00; tue 10:00-16:00 (or 'none'). Leave empty to see."
    )
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
        head = "Saved. " if hours is not None else ""
        await reply(
            interaction,
            f"{head}Your weekly hours ({card.timezone}):\n{advisors.format_weekly(weekly)}",
        )

    @app_commands.command(name="bookings", description="Your upcoming paid sessions.")
    async def bookings(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            upcoming = await advisors.upcoming_sessions(uow, advisor_id, self.bot.clock.now())
        lines = [f"• {s.when} (your time): {s.what} with {s.client_name}" for s in upcoming]
        await reply(interaction, "\n".join(lines) or "No upcoming sessions yet.")

    def _billing(self) -> Any:
        if self.bot.billing is None:
            raise ConfigurationError("Payments are not set up on this Pathwise yet.")
        return self.bot.billing

    @app_commands.command(name="earnings", description="Money held, ready and paid out.")
    async def earnings(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        money = await self._billing().advisor_earnings(advisor_id)
        hours = self.bot.settings.guarantee_window_hours
        note = (
            ""
            if money.payouts_enabled
            else "\nSet up payouts with /payouts to receive what is ready."
        )
        await reply(
            interaction,
            f"Held (money-back window of {hours} hours still open): {money.held.format()}\n"
            f"Ready to pay out: {money.ready.format()}\n"
            f"Paid out: {money.paid_out.format()}" + note,
        )

    @app_commands.command(name="payouts", description="Set up or update how you get paid.")
    async def payouts(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        back = self.bot.settings.public_url or f"https://discord.com/channels/{self.bot.guild_id}"
        link = await self._billing().start_payout_onboarding(
            advisor_id, refresh_url=back, return_url=back
        )
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Open Stripe", url=link))
        await reply(
            interaction,
            "Stripe handles payouts. This private link sets up (or updates) your payout "
            "account; if it expires, run /payouts again.",
            view=view,
        )

    @app_commands.command(name="online", description="Tell clients you're free to talk now.")
    @app_commands.describe(available="On or off; leave empty to switch")
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
        await reply(
            interaction,
            "You're shown as available now: clients can book you for a session starting soon."
            if now_online
            else "You're no longer shown as available now.",
        )


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(AdvisorCog(bot))
