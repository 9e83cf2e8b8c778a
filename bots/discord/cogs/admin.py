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
from core.billing import Billing
from core.errors import ConfigurationError
from core.models.billing import PayoutState
from core.payments import goodwill


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
        name="refund",
        description="Goodwill refund: all or part of a booking's service price, at any time.",
    )
    @app_commands.describe(
        booking="The booking number",
        amount="How much, like 20 or 12.50, or all (the handling fee is never refunded)",
        reason="Why (printed on the client's credit note)",
    )
    async def refund(
        self, interaction: discord.Interaction[Any], booking: int, amount: str, reason: str
    ) -> None:
        billing = self._billing()
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await goodwill.goodwill_refund(billing, booking, amount, reason)
        await reply(interaction, _refund_text(outcome))

    payout = app_commands.Group(name="payout", description="Hold or release an advisor's payout.")

    @payout.command(name="hold", description="Keep a booking's payout from being released.")
    @app_commands.describe(booking="The booking number")
    async def payout_hold(self, interaction: discord.Interaction[Any], booking: int) -> None:
        held = await goodwill.hold_payout(self._billing(), booking)
        await reply(interaction, _payout_text(held, self.bot.settings.locale))

    @payout.command(name="release", description="Let a held payout go on its normal date.")
    @app_commands.describe(booking="The booking number")
    async def payout_release(self, interaction: discord.Interaction[Any], booking: int) -> None:
        billing = self._billing()
        await interaction.response.defer(ephemeral=True, thinking=True)
        released = await goodwill.release_payout(billing, booking)
        await reply(interaction, _payout_text(released, self.bot.settings.locale))

    def _billing(self) -> Billing:
        if self.bot.billing is None:
            raise ConfigurationError("Payments are not set up on this Pathwise yet.")
        return self.bot.billing

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


def _refund_text(outcome: goodwill.GoodwillOutcome) -> str:
    """What the team sees after a goodwill refund."""
    done = (
        f"Refunded {outcome.amount.format()} for booking {outcome.booking_id} as a goodwill "
        f"refund; credit note {outcome.credit_note_number} sent to the client."
        if outcome.status == "succeeded"
        else f"Stripe is still processing the goodwill refund of {outcome.amount.format()} for "
        f"booking {outcome.booking_id}."
    )
    share = (
        "The advisor's session share won't be paid out."
        if outcome.advisor_share_undone
        else "Pathwise bears it; the advisor's share is unchanged."
    )
    return (
        f"{done} {share} Still refundable: {outcome.still_refundable.format()} "
        f"(the {outcome.fee.format()} handling fee is never refunded)."
    )


def _payout_text(hold: goodwill.PayoutHold, locale: str) -> str:
    """Where a booking's payout stands, for the team."""
    when = f"{hold.release_at:%a %d %b %Y, %H:%M} UTC" if hold.release_at else "its date"
    if hold.state == PayoutState.ON_HOLD:
        return f"Booking {hold.booking_id}'s payout is on hold; it won't be paid until released."
    if hold.state in (PayoutState.IN_PAYOUT, PayoutState.PAID_OUT):
        return f"Booking {hold.booking_id}'s payout was released and paid to the advisor now."
    if hold.state != PayoutState.HELD:
        return f"Booking {hold.booking_id}'s payout state: {hold.state}."
    if hold.due:
        return (
            f"Booking {hold.booking_id}'s payout is released; its date ({when}) has passed, so "
            "it is paid as soon as the advisor's payout account can receive it."
        )
    return (
        f"Booking {hold.booking_id}'s payout is released: it will be paid on its normal date, "
        f"{when}, once the advisor can receive payouts."
    )


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(AdminCog(bot))
