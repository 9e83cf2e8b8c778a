"""The Pathwise team's commands, for members with the admin role from the settings."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from core import admin
from core.accounts import Platform
from core.errors import ConfigurationError, NotFound
from core.models import Booking


class AdminCog(commands.GroupCog, group_name="admin", group_description="Pathwise team tools."):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Only members holding the role ``PATHWISE_DISCORD_ADMIN_ROLE_ID`` names."""
        role_id = self.bot.settings.discord_admin_role_id
        roles = getattr(interaction.user, "roles", [])
        if role_id is None or not any(role.id == role_id for role in roles):
            raise app_commands.CheckFailure("Only the Pathwise team can use this command.")
        return True

    @app_commands.command(name="approve", description="List an advisor and let clients book them.")
    @app_commands.describe(advisor="The advisor's id, like ana-ruiz")
    async def approve(self, interaction: discord.Interaction[Any], advisor: str) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.set_standing(uow, advisor, approved=True)
            await uow.commit()
        await reply(interaction, f"{found.display_name} is approved and listed.")

    @app_commands.command(name="suspend", description="Hide an advisor from clients at once.")
    @app_commands.describe(advisor="The advisor's id, like ana-ruiz")
    async def suspend(self, interaction: discord.Interaction[Any], advisor: str) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.set_standing(uow, advisor, approved=False)
            await uow.commit()
        await reply(
            interaction,
            f"{found.display_name} is suspended: hidden and offline. Paid sessions still happen.",
        )

    @app_commands.command(name="link-advisor", description="Connect an advisor's Discord account.")
    @app_commands.describe(advisor="The advisor's id, like ana-ruiz", member="Their account")
    async def link_advisor(
        self, interaction: discord.Interaction[Any], advisor: str, member: discord.Member
    ) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.link_advisor(
                uow, advisor, Platform.DISCORD, member.id, self.bot.clock.now()
            )
            await uow.commit()
        await reply(interaction, f"{member.mention} is now {found.display_name} on Pathwise.")

    @app_commands.command(
        name="refund", description="Refund a booking's service price under the guarantee."
    )
    @app_commands.describe(booking="The booking number")
    async def refund(self, interaction: discord.Interaction[Any], booking: int) -> None:
        if self.bot.billing is None:
            raise ConfigurationError("Payments are not set up on this Pathwise yet.")
        async with self.bot.db.uow() as uow:
            found = await uow.session.get(Booking, booking)
            if found is None:
                raise NotFound(f"There is no booking {booking}.")
            client_id = found.client_id
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.bot.billing.request_refund(booking, client_id)
        await reply(interaction, f"Refunded {outcome.amount.format()} for booking {booking}.")

    @app_commands.command(name="stats", description="The numbers, without names.")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        async with self.bot.db.uow() as uow:
            numbers = await admin.platform_stats(uow, self.bot.clock.now())
        states = ", ".join(f"{k} {v}" for k, v in numbers.sessions_by_state.items() if v)
        paid = ", ".join(m.format() for m in numbers.paid_last_7_days) or "nothing"
        await reply(
            interaction,
            f"Clients: {numbers.clients}\n"
            f"Advisors approved: {numbers.advisors_approved} ({numbers.advisors_online} online)\n"
            f"Upcoming bookings: {numbers.upcoming_bookings}\n"
            f"Sessions: {states or 'none yet'}\n"
            f"Paid in the last 7 days: {paid}",
        )


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(AdminCog(bot))
