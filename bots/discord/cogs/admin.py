"""The Pathwise team's commands, for members with the admin role from the settings."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from bots.discord.translator import described
from core import admin
from core.accounts import Platform
from core.billing import Billing
from core.errors import ConfigurationError
from core.models.billing import PayoutState
from core.payments import goodwill
from core.payments.times import local_time
from core.texts import discord_bot as b
from core.texts import discord_commands as d
from core.texts import team_commands as t


class AdminCog(commands.GroupCog, group_name="admin", group_description=described(d.ADMIN)):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Only members holding the role ``PATHWISE_DISCORD_ADMIN_ROLE_ID`` names."""
        role_id = self.bot.settings.discord_admin_role_id
        roles = getattr(interaction.user, "roles", [])
        if role_id is None or not any(role.id == role_id for role in roles):
            raise app_commands.CheckFailure(t.TEAM_ONLY())
        return True

    @app_commands.command(name="approve", description=described(d.APPROVE))
    @app_commands.describe(advisor=described(d.ADVISOR_ID))
    async def approve(self, interaction: discord.Interaction[Any], advisor: str) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.set_standing(uow, advisor, approved=True)
            await uow.commit()
        await reply(interaction, t.APPROVED(advisor_name=found.display_name))

    @app_commands.command(name="suspend", description=described(d.SUSPEND))
    @app_commands.describe(advisor=described(d.ADVISOR_ID))
    async def suspend(self, interaction: discord.Interaction[Any], advisor: str) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.set_standing(uow, advisor, approved=False)
            await uow.commit()
        await reply(interaction, t.SUSPENDED(advisor_name=found.display_name))

    @app_commands.command(name="link-advisor", description=described(d.LINK_ADVISOR))
    @app_commands.describe(advisor=described(d.ADVISOR_ID), member=described(d.MEMBER))
    async def link_advisor(
        self, interaction: discord.Interaction[Any], advisor: str, member: discord.Member
    ) -> None:
        async with self.bot.db.uow() as uow:
            found = await admin.link_advisor(
                uow, advisor, Platform.DISCORD, member.id, self.bot.clock.now()
            )
            await uow.commit()
        await reply(
            interaction, t.ADVISOR_LINKED(mention=member.mention, advisor_name=found.display_name)
        )

    @app_commands.command(name="refund", description=described(d.REFUND))
    @app_commands.describe(
        booking=described(d.BOOKING_NUMBER),
        amount=described(d.REFUND_AMOUNT),
        reason=described(d.REFUND_REASON),
    )
    async def refund(
        self, interaction: discord.Interaction[Any], booking: int, amount: str, reason: str
    ) -> None:
        billing = self._billing()
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await goodwill.goodwill_refund(billing, booking, amount, reason)
        await reply(interaction, _refund_text(outcome, self.bot.settings.team_locale))

    payout = app_commands.Group(name="payout", description=described(d.PAYOUT))

    @payout.command(name="hold", description=described(d.PAYOUT_HOLD))
    @app_commands.describe(booking=described(d.BOOKING_NUMBER))
    async def payout_hold(self, interaction: discord.Interaction[Any], booking: int) -> None:
        held = await goodwill.hold_payout(self._billing(), booking)
        await reply(interaction, _payout_text(held, self.bot.settings.team_locale))

    @payout.command(name="release", description=described(d.PAYOUT_RELEASE))
    @app_commands.describe(booking=described(d.BOOKING_NUMBER))
    async def payout_release(self, interaction: discord.Interaction[Any], booking: int) -> None:
        billing = self._billing()
        await interaction.response.defer(ephemeral=True, thinking=True)
        released = await goodwill.release_payout(billing, booking)
        await reply(interaction, _payout_text(released, self.bot.settings.team_locale))

    def _billing(self) -> Billing:
        if self.bot.billing is None:
            raise ConfigurationError(b.PAYMENTS_OFF())
        return self.bot.billing

    @app_commands.command(name="stats", description=described(d.STATS))
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        async with self.bot.db.uow() as uow:
            numbers = await admin.platform_stats(uow, self.bot.clock.now())
        states = ", ".join(
            t.STATS_STATE(state=k, number=v) for k, v in numbers.sessions_by_state.items() if v
        )
        locale = self.bot.settings.team_locale
        paid = ", ".join(m.format(locale) for m in numbers.paid_last_7_days)
        await reply(
            interaction,
            t.STATS(
                clients=numbers.clients,
                approved=numbers.advisors_approved,
                online=numbers.advisors_online,
                upcoming=numbers.upcoming_bookings,
                sessions=states or t.NO_SESSIONS(),
                paid=paid or t.NOTHING_PAID(),
            ),
        )


def _refund_text(outcome: goodwill.GoodwillOutcome, locale: str) -> str:
    """What the team sees after a goodwill refund, amounts written for the team's ``locale``."""
    amount, booking_id = outcome.amount.format(locale), outcome.booking_id
    done = (
        t.REFUNDED(amount=amount, booking_id=booking_id, credit_note=outcome.credit_note_number)
        if outcome.status == "succeeded"
        else t.REFUND_PROCESSING(amount=amount, booking_id=booking_id)
    )
    share = (t.SHARE_UNDONE if outcome.advisor_share_undone else t.SHARE_KEPT)()
    left = t.STILL_REFUNDABLE(
        amount=outcome.still_refundable.format(locale), fee=outcome.fee.format(locale)
    )
    return f"{done} {share} {left}"


def _payout_text(hold: goodwill.PayoutHold, locale: str) -> str:
    """Where a booking's payout stands, for the team: its date in UTC, written for the
    team's ``locale`` ("Sat 28 Nov 2026, 10:00 (UTC)", "sáb 28 de nov de 2026, 10:00 (UTC)")."""
    when = local_time(hold.release_at, "UTC", locale) if hold.release_at else t.PAYOUT_ITS_DATE()
    booking_id = hold.booking_id
    if hold.state == PayoutState.ON_HOLD:
        return t.PAYOUT_ON_HOLD(booking_id=booking_id)
    if hold.state in (PayoutState.IN_PAYOUT, PayoutState.PAID_OUT):
        return t.PAYOUT_PAID(booking_id=booking_id)
    if hold.state != PayoutState.HELD:
        return t.PAYOUT_STATE(booking_id=booking_id, state=hold.state)
    if hold.due:
        return t.PAYOUT_RELEASED_DUE(booking_id=booking_id, when=when)
    return t.PAYOUT_RELEASED(booking_id=booking_id, when=when)


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(AdminCog(bot))
