"""Slash commands through discord.py's CommandTree with constructed interactions: /link for
clients, the advisor commands, and the team's /admin commands (role-limited)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.accounts import Platform, find_client
from core.models import Advisor
from core.models.billing import Refund
from devtools.discord_recorder import EPHEMERAL
from tests.support.discord_bot import (
    ADMIN,
    MIN,
    STRANGER,
    Env,
    advisor_on_discord,
    options,
    slash,
    sub,
)
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    messages,
    paid_booking,
    the_session,
)


# -- /link --------------------------------------------------------------------------------


async def test_link_with_the_code_from_telegram_joins_the_accounts(env: Env) -> None:
    paid = await advisor_on_discord(env)
    await env.bot.sessions.tick()
    [join] = await messages(env.db, "discord_join")
    code = join.payload["data"]["link_code"]
    # The invite in the Telegram message: made by the bot, single use, for 15 minutes.
    [invite] = [c for c in env.fake.calls if c.path.endswith("/invites")]
    assert (invite.json["max_uses"], invite.json["max_age"]) == (1, 15 * 60)
    assert join.payload["data"]["invite"].startswith("https://discord.gg/inv")
    assert join.payload["data"]["invite"] in join.payload["text"]

    answers = await slash(env, "link", CLIENT_DISCORD, options(code=f"{code[:4]}-{code[4:]}"))

    assert answers == [
        (
            "You're all set. Your private session rooms will appear in this server under "
            "Sessions; we'll send you their links in Telegram.",
            EPHEMERAL,
        )
    ]
    async with env.db.uow() as uow:
        client = await find_client(uow, Platform.DISCORD, CLIENT_DISCORD)
        assert client is not None and client.id == paid.world.client_id


async def test_link_lets_the_client_into_a_room_already_open(env: Env) -> None:
    await advisor_on_discord(env)
    await env.bot.sessions.tick()
    s = await the_session(env.db)
    env.clock.set(s.starts_at - 10 * MIN)
    await env.bot.sessions.tick()
    [room_open] = await messages(env.db, "room_open", audience="client")
    channel = env.guild.get_channel((await the_session(env.db)).channel_id or 0)
    client = env.guild.get_member(CLIENT_DISCORD)
    assert channel is not None and client is not None
    assert not channel.permissions_for(client).view_channel

    await slash(env, "link", CLIENT_DISCORD, options(code=room_open.payload["data"]["link_code"]))

    assert channel.permissions_for(client).view_channel
    assert channel.permissions_for(client).send_messages
    assert (await the_session(env.db)).client_user_id == CLIENT_DISCORD


async def test_wrong_expired_used_and_too_many_codes_get_clear_answers(env: Env) -> None:
    await advisor_on_discord(env)
    await env.bot.sessions.tick()
    [join] = await messages(env.db, "discord_join")
    code = join.payload["data"]["link_code"]

    [(wrong, flags)] = await slash(env, "link", STRANGER, options(code="ABCD-2345"))
    assert "doesn't match any we sent" in wrong and flags == EPHEMERAL
    [(malformed, _)] = await slash(env, "link", STRANGER, options(code="hello"))
    assert "8 letters and digits" in malformed

    await slash(env, "link", CLIENT_DISCORD, options(code=code))
    [(used, _)] = await slash(env, "link", STRANGER, options(code=code))
    assert "already been used" in used

    for _ in range(2):
        await slash(env, "link", STRANGER, options(code="ABCD-2345"))
    [(limited, _)] = await slash(env, "link", STRANGER, options(code="ABCD-2345"))
    assert limited == "Too many tries in a row. Please wait a minute, then try again."


async def test_an_expired_code_says_so(env: Env) -> None:
    await advisor_on_discord(env)
    await env.bot.sessions.tick()
    [join] = await messages(env.db, "discord_join")
    env.clock.advance(timedelta(minutes=15))

    [(answer, _)] = await slash(
        env, "link", CLIENT_DISCORD, options(code=join.payload["data"]["link_code"])
    )
    assert answer.startswith("That code has expired")


# -- advisors -----------------------------------------------------------------------------


async def test_commands_for_advisors_refuse_everyone_else_kindly(env: Env) -> None:
    await advisor_on_discord(env)
    for name, opts in (("bookings", None), ("earnings", None), ("profile", sub("show"))):
        [(answer, flags)] = await slash(env, name, STRANGER, opts)
        assert answer.startswith("These commands are for Pathwise advisors.")
        assert flags == EPHEMERAL


async def test_profile_show_edit_and_price(env: Env) -> None:
    await advisor_on_discord(env)

    [(card, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("show"))
    assert card.startswith("**Ana Ruiz** (approved)") and "60-minute live session: $60.00" in card

    [(saved, _)] = await slash(
        env,
        "profile",
        ADVISOR_DISCORD,
        sub("edit", bio="I help people through career changes and burnout.", languages="en, es"),
    )
    assert saved.startswith("Saved.") and "Languages: en, es" in saved
    [(bad, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("edit", languages="en, xx"))
    assert "xx is not one" in bad
    [(short, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("edit", bio="Hi"))
    assert "bio of 20 to 2000 characters" in short

    [(priced, _)] = await slash(
        env, "profile", ADVISOR_DISCORD, sub("price", offer="live60", amount="75")
    )
    assert priced == "60-minute live session: now $75.00. Bookings already made keep their price."
    [(package, _)] = await slash(
        env, "profile", ADVISOR_DISCORD, sub("price", offer="messaging", amount="40", days=7)
    )
    assert package.startswith("7-day messaging package: now $40.00")
    [(zero, _)] = await slash(
        env, "profile", ADVISOR_DISCORD, sub("price", offer="live30", amount="0")
    )
    assert zero == "A price must be more than zero."


async def test_availability_is_shown_and_set_in_the_advisors_zone(env: Env) -> None:
    await advisor_on_discord(env)

    [(empty, _)] = await slash(env, "availability", ADVISOR_DISCORD)
    assert empty == "Your weekly hours (Europe/Madrid):\nNo weekly hours set."
    [(saved, _)] = await slash(
        env,
        "availability",
        ADVISOR_DISCORD,
        options(hours="mon 09:00-12:00 14:00-18:00; wed 10:00-16:00"),
    )
    assert saved == (
        "Saved. Your weekly hours (Europe/Madrid):\nMon: 09:00-12:00, 14:00-18:00\nWed: 10:00-16:00"
    )
    [(bad, _)] = await slash(env, "availability", ADVISOR_DISCORD, options(hours="mon 9-5"))
    assert bad.startswith("Those hours can't be used")


async def test_bookings_earnings_payouts_and_online(env: Env) -> None:
    await advisor_on_discord(env)

    [(bookings, _)] = await slash(env, "bookings", ADVISOR_DISCORD)
    assert (
        bookings == "• Wed 25 Nov, 10:00 (your time): 60-minute live session with Zoë Łukasz 李雷"
    )

    [(earnings, _)] = await slash(env, "earnings", ADVISOR_DISCORD)
    assert earnings.startswith("Held (money-back window of 72 hours still open): $60.00\n")
    assert "Ready to pay out: $0.00" in earnings and "Paid out: $0.00" in earnings
    assert "Set up payouts with /payouts" in earnings

    answers = await slash(env, "payouts", ADVISOR_DISCORD)
    assert answers[-1][0].startswith("Stripe handles payouts.")
    link_button = env.fake.replies[-1].json["components"][0]["components"][0]
    assert link_button["url"].startswith("https://connect.stripe.test/setup/")

    [(on, _)] = await slash(env, "online", ADVISOR_DISCORD)
    assert on.startswith("You're shown as available now")
    [(off, _)] = await slash(env, "online", ADVISOR_DISCORD)
    assert off == "You're no longer shown as available now."
    [(explicit_off, _)] = await slash(env, "online", ADVISOR_DISCORD, options(available=False))
    assert explicit_off == "You're no longer shown as available now."


# -- the team -------------------------------------------------------------------------------


async def test_admin_commands_need_the_admin_role(env: Env) -> None:
    paid = await advisor_on_discord(env)
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None
        slug = advisor.slug

    for person in (STRANGER, ADVISOR_DISCORD):
        [(refused, flags)] = await slash(env, "admin", person, sub("suspend", advisor=slug))
        assert refused == "Only the Pathwise team can use this command." and flags == EPHEMERAL
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None and advisor.approved

    [(suspended, _)] = await slash(env, "admin", ADMIN, sub("suspend", advisor=slug))
    assert suspended.startswith("Ana Ruiz is suspended")
    [(approved, _)] = await slash(env, "admin", ADMIN, sub("approve", advisor=slug))
    assert approved == "Ana Ruiz is approved and listed."
    [(unknown, _)] = await slash(env, "admin", ADMIN, sub("approve", advisor="nobody"))
    assert "No advisor has the id 'nobody'" in unknown


async def test_admin_stats_and_refund(env: Env) -> None:
    paid = await advisor_on_discord(env)
    await env.bot.sessions.tick()

    [(stats, _)] = await slash(env, "admin", ADMIN, sub("stats"))
    assert "Clients: 2" in stats and "Upcoming bookings: 1" in stats
    assert "Sessions: scheduled 1" in stats and "Paid in the last 7 days: $63.49" in stats

    # An admin refund is the team's goodwill refund, not the client's guarantee: it may be
    # made before the session (tests/bots/test_discord_admin_money.py has the rest).
    answers = await slash(
        env, "admin", ADMIN, sub("refund", booking=paid.booking_id, amount="all", reason="Sorry")
    )
    assert answers[-1][0].startswith(
        f"Refunded $60.00 for booking {paid.booking_id} as a goodwill refund"
    )
    async with env.db.uow() as uow:
        [refund] = list(await uow.session.scalars(select(Refund)))
    assert (refund.kind, refund.amount_minor, refund.reason) == ("goodwill", 6000, "Sorry")


async def test_admin_links_an_advisors_discord_account(env: Env) -> None:
    paid = await paid_booking(env.db, env.settings, env.clock)
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None
        slug = advisor.slug
    member = {
        "user": {"id": str(ADVISOR_DISCORD), "username": "ana", "discriminator": "0"},
        "roles": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": "0",
    }
    resolved = {
        "users": {str(ADVISOR_DISCORD): member["user"]},
        "members": {str(ADVISOR_DISCORD): {k: v for k, v in member.items() if k != "user"}},
    }
    opts = [
        {
            "type": 1,
            "name": "link-advisor",
            "options": [
                {"type": 3, "name": "advisor", "value": slug},
                {"type": 6, "name": "member", "value": str(ADVISOR_DISCORD)},
            ],
        }
    ]

    [(linked, _)] = await slash(env, "admin", ADMIN, opts, resolved=resolved)

    assert linked == f"<@{ADVISOR_DISCORD}> is now Ana Ruiz on Pathwise."
    [(card, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("show"))
    assert card.startswith("**Ana Ruiz**")
