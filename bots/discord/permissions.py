"""What the bot must be allowed to do in the Pathwise server, and why: the invite link's
permission integer, ``pathwise doctor``'s check and the README all read it from here."""

from __future__ import annotations

import discord

# permission (discord.Permissions attribute) -> what breaks without it
REQUIRED: dict[str, str] = {
    "view_channel": "it cannot see the channels it makes",
    "manage_channels": "it cannot create, lock or delete session channels and their category",
    "manage_roles": "it cannot let the client and the advisor into their session channel",
    "create_instant_invite": "it cannot invite clients into the server",
    "send_messages": "it cannot post welcome messages, notices or replies",
    "embed_links": "the session card in each welcome message is not shown",
    "attach_files": "receipts cannot be attached, and participants cannot be allowed files",
    "manage_messages": "it cannot moderate the session channels it makes",
    "read_message_history": "it cannot read a session back for a transcript the client asks for",
}
# The privileged intents the bot connects with (bots.discord.bot.intents) and why.
PRIVILEGED_INTENTS: dict[str, str] = {
    "Server Members": "to find the client and the advisor in the server",
    "Message Content": "to keep a transcript when a client asks for one",
}
BOT_SCOPES = ("bot", "applications.commands")


def required_permissions() -> discord.Permissions:
    """Everything in :data:`REQUIRED`, and nothing else (never Administrator)."""
    return discord.Permissions(**dict.fromkeys(REQUIRED, True))


def permission_label(name: str) -> str:
    """``manage_channels`` -> ``Manage Channels``, as Discord's settings name it."""
    labels = {"create_instant_invite": "Create Invite", "view_channel": "View Channels"}
    return labels.get(name, name.replace("_", " ").title())


def invite_url(application_id: int | str) -> str:
    """The link that adds the bot to a server with exactly the permissions it needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope={'+'.join(BOT_SCOPES)}&permissions={required_permissions().value}"
    )
