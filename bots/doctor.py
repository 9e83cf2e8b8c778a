"""The network half of ``pathwise doctor``: is the public URL reachable from here, and is the
Discord server set up as the bot needs it?

The Discord check uses discord.py's HTTP client only (log in with the token, then read the
application, the server, the bot's member and the channels): no gateway connection, nothing
changed on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import discord

from bots import preflight
from bots.discord.channels import SESSIONS_CATEGORY
from bots.discord.permissions import (
    PRIVILEGED_INTENTS,
    REQUIRED,
    invite_url,
    permission_label,
)
from bots.discord.rooms import WELCOME_CHANNEL
from core import doctor
from core.config import ENV_PREFIX, Settings
from core.doctor import Finding

GUILD_VAR = f"{ENV_PREFIX}DISCORD_GUILD_ID"
TOKEN_VAR = f"{ENV_PREFIX}DISCORD_TOKEN"
PORTAL = "https://discord.com/developers/applications"
# Everything but Create Invite is needed inside the Sessions category too: the bot makes the
# session channels there, posts in them and may only grant what it has in the category.
CATEGORY_NEEDS = tuple(name for name in REQUIRED if name != "create_instant_invite")


async def check_public_url_reachable(settings: Settings, seconds: float = 5.0) -> list[Finding]:
    """GET <public URL>/healthz answers 200."""
    if not settings.public_url:
        return []
    url = settings.public_url.rstrip("/") + "/healthz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as http,
            http.get(url) as response,
        ):
            if response.status == 200:
                return [Finding(True, f"{url} answers.")]
            return [Finding(False, f"{url} answered HTTP {response.status}, not 200.")]
    except (aiohttp.ClientError, TimeoutError) as error:
        return [Finding(False, f"{url} is not reachable: {type(error).__name__}.")]


def discord_client() -> discord.Client:
    """A client that is only ever logged in over HTTP, never connected to the gateway."""
    return discord.Client(intents=discord.Intents(guilds=True))


async def check_discord_server(
    settings: Settings,
    *,
    client_factory: Callable[[], discord.Client] | None = None,
    seconds: float = 20.0,
) -> list[Finding]:
    """The token is accepted, the privileged intents are on, the bot is in the server with
    every permission the rooms need, and the Sessions category (if made yet) lets it work."""
    if not doctor.discord_token_well_formed(settings) or settings.discord_guild_id is None:
        return []  # check_tokens already said what to set
    token = settings.require("discord_token")
    client = (client_factory or discord_client)()
    try:
        async with asyncio.timeout(seconds):
            return await _inspect_server(client, token, settings.discord_guild_id)
    except discord.LoginFailure:
        return [
            Finding(
                False,
                f"{TOKEN_VAR} was refused by Discord: reset the token ({PORTAL} > your "
                "application > Bot > Reset Token) and set the new one.",
            )
        ]
    except discord.HTTPException as error:
        return [Finding(False, f"Discord answered HTTP {error.status} while checking the server.")]
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return [Finding(False, f"Discord is not reachable from here: {type(error).__name__}.")]
    finally:
        await client.close()


async def _inspect_server(client: discord.Client, token: str, guild_id: int) -> list[Finding]:
    await client.login(token)
    application, me = client.application, client.user
    assert application is not None and me is not None
    invite = invite_url(application.id)
    findings = _intent_findings(application.flags)
    try:
        guild = await client.fetch_guild(guild_id, with_counts=False)
    except (discord.Forbidden, discord.NotFound):
        findings.append(
            Finding(
                False,
                f"The bot is not in the Discord server {guild_id} ({GUILD_VAR}), or the id is "
                f"wrong: add the bot with {invite}",
            )
        )
        return findings
    member = await guild.fetch_member(me.id)
    findings += _server_permission_findings(member.guild_permissions, invite)
    channels = await guild.fetch_channels()
    findings += _category_findings(member, channels)
    findings += _welcome_findings(member, channels)
    return findings


def _intent_findings(flags: discord.ApplicationFlags) -> list[Finding]:
    """The privileged intents are switches in the developer portal; without them the bot is
    refused when it connects."""
    enabled = {
        "Server Members": flags.gateway_guild_members or flags.gateway_guild_members_limited,
        "Message Content": flags.gateway_message_content or flags.gateway_message_content_limited,
    }
    findings = [
        Finding(
            False,
            f"The {name} intent is off: turn it on ({PORTAL} > your application > Bot > "
            f"Privileged Gateway Intents); the bot needs it {PRIVILEGED_INTENTS[name]}.",
        )
        for name, on in enabled.items()
        if not on
    ]
    if not findings:
        findings.append(Finding(True, "Discord accepts the token; both privileged intents are on."))
    return findings


def _server_permission_findings(perms: discord.Permissions, invite: str) -> list[Finding]:
    if perms.administrator:
        return [
            Finding(
                True,
                "The bot is an administrator of the server (it needs only: "
                f"{', '.join(permission_label(n) for n in REQUIRED)}).",
            )
        ]
    missing = [name for name in REQUIRED if not getattr(perms, name)]
    if not missing:
        return [Finding(True, "The bot has every permission it needs in the server.")]
    return [
        Finding(
            False,
            f"The bot lacks {permission_label(name)} in the server: {REQUIRED[name]}. "
            f"Give the bot's role that permission, or add the bot again with {invite}",
        )
        for name in missing
    ]


def _category_findings(
    member: discord.Member, channels: list[discord.abc.GuildChannel]
) -> list[Finding]:
    categories = [
        c
        for c in channels
        if isinstance(c, discord.CategoryChannel) and c.name.startswith(SESSIONS_CATEGORY)
    ]
    if not categories:
        if not member.guild_permissions.manage_channels:
            return []  # the missing Manage Channels line says it
        return [
            Finding(
                True,
                f'No "{SESSIONS_CATEGORY}" category yet: the bot makes it for the first session.',
            )
        ]
    findings = []
    for category in sorted(categories, key=lambda c: c.position):
        perms = category.permissions_for(member)
        if not perms.view_channel:  # then Discord denies it everything there: one line
            findings.append(
                Finding(
                    False,
                    f'The bot cannot see the "{category.name}" category, so it cannot make '
                    "session channels there: in the category's permissions, allow the bot "
                    f"{', '.join(permission_label(n) for n in CATEGORY_NEEDS)}.",
                )
            )
            continue
        missing = [name for name in CATEGORY_NEEDS if not getattr(perms, name)]
        findings += [
            Finding(
                False,
                f'The bot lacks {permission_label(name)} in the "{category.name}" category: '
                f"{REQUIRED[name]}. Edit the category's permissions to allow it for the bot.",
            )
            for name in missing
        ]
        if not missing:
            findings.append(Finding(True, f'The bot can make session rooms in "{category.name}".'))
    return findings


def _welcome_findings(
    member: discord.Member, channels: list[discord.abc.GuildChannel]
) -> list[Finding]:
    """Invites land in the welcome channel (made by the bot if there is none)."""
    welcome = next(
        (c for c in channels if isinstance(c, discord.TextChannel) and c.name == WELCOME_CHANNEL),
        None,
    )
    if welcome is None:
        return []
    perms = welcome.permissions_for(member)
    if perms.view_channel and perms.create_instant_invite:
        return []
    return [
        Finding(
            False,
            f"The bot cannot make invites in #{WELCOME_CHANNEL}, where clients join the server: "
            "allow it View Channel and Create Invite there.",
        )
    ]


async def run_checks(
    settings: Settings, *, discord_factory: Callable[[], discord.Client] | None = None
) -> list[Finding]:
    """Every check, in the order a person would fix things. A missing SQLite file is reported,
    never created."""
    missing = preflight.missing_database(settings)
    findings = [Finding(False, missing)] if missing else await doctor.check_database(settings)
    findings += doctor.check_tokens(settings)
    findings += await check_discord_server(settings, client_factory=discord_factory)
    findings += doctor.check_stripe(settings)
    findings += doctor.check_public_url(settings)
    findings += await check_public_url_reachable(settings)
    return findings
