"""discord.py with its HTTP layer replaced by a recorder: discord.py's own models and
permission maths run unchanged, nothing leaves the machine.

``FakeDiscord`` keeps a small in-memory guild (channels, their overwrites, messages) and
answers the REST routes Pathwise uses, shaped like Discord's payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import urlsplit

import discord
from discord.http import Route

GUILD_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
EVERYONE_ROLE_ID = GUILD_ID  # Discord's @everyone role has the guild's id


@dataclass
class RestCall:
    """One recorded REST call."""

    method: str
    path: str
    json: Any = None


def _user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "avatar": None,
        "global_name": name,
        "bot": bot,
    }


@dataclass
class FakeDiscord:
    """The recorder and its guild. ``install(client)`` wires it into a discord.py client."""

    calls: list[RestCall] = field(default_factory=list)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)  # users whose DMs are closed to the bot
    members: dict[int, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: count(910_000_000_000_000_000))

    def install(self, client: discord.Client) -> discord.Guild:
        """Patch ``client``'s HTTP and give it the guild; returns the guild."""
        state = client._connection
        state.user = discord.ClientUser(state=state, data=_user(BOT_ID, "Pathwise", bot=True))  # type: ignore[arg-type]
        client.http.request = self.request  # type: ignore[method-assign]
        state.parse_guild_create(self.guild_payload())  # type: ignore[arg-type]
        guild = client.get_guild(GUILD_ID)
        assert guild is not None
        return guild

    def add_member(self, user_id: int, name: str) -> None:
        self.members[user_id] = name

    def guild_payload(self) -> dict[str, Any]:
        members = [
            {
                "user": _user(BOT_ID, "Pathwise", bot=True),
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ]
        members += [
            {
                "user": _user(uid, name),
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
            for uid, name in self.members.items()
        ]
        return {
            "id": str(GUILD_ID),
            "name": "Pathwise",
            "owner_id": "1",
            "icon": None,
            "roles": [
                {
                    "id": str(EVERYONE_ROLE_ID),
                    "name": "@everyone",
                    "permissions": "1024",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
            ],
            "channels": list(self.channels.values()),
            "members": members,
            "member_count": len(members),
            "emojis": [],
            "stickers": [],
            "features": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "afk_timeout": 300,
        }

    def calls_to(self, method: str, path_start: str) -> list[RestCall]:
        return [c for c in self.calls if c.method == method and c.path.startswith(path_start)]

    async def request(
        self, route: Route, *, files: Any = None, form: Any = None, **kwargs: Any
    ) -> Any:
        """Stands in for ``HTTPClient.request``."""
        body = kwargs.get("json")
        path = urlsplit(route.url).path.removeprefix(urlsplit(Route.BASE).path)
        method = route.method
        self.calls.append(RestCall(method, path, body))
        parts = path.strip("/").split("/")
        if method == "POST" and parts[:1] == ["guilds"] and parts[2:] == ["channels"]:
            return self._create_channel(body)
        if parts[:1] == ["channels"]:
            channel_id = int(parts[1])
            if method == "PUT" and parts[2:3] == ["permissions"]:
                self._put_overwrite(channel_id, int(parts[3]), body)
                return None
            if method == "PATCH" and len(parts) == 2:
                channel = self.channels[channel_id]
                for key, value in body.items():
                    if key == "permission_overwrites":
                        value = [
                            {
                                **o,
                                "id": str(o["id"]),
                                "allow": str(o["allow"]),
                                "deny": str(o["deny"]),
                            }
                            for o in value
                        ]
                    channel[key] = value
                return channel
            if method == "DELETE" and len(parts) == 2:
                return self.channels.pop(channel_id)
            if method == "POST" and parts[2:] == ["messages"]:
                return self._message(channel_id, body)
            if method == "POST" and parts[2:] == ["invites"]:
                return {
                    "code": f"inv{next(self._ids) % 100000}",
                    "channel": self.channels.get(
                        channel_id, {"id": str(channel_id), "name": "x", "type": 0}
                    ),
                    "guild": {"id": str(GUILD_ID), "name": "Pathwise"},
                    "max_age": body.get("max_age", 0),
                    "max_uses": body.get("max_uses", 0),
                    "uses": 0,
                    "temporary": False,
                    "created_at": "2026-11-23T09:00:00+00:00",
                }
        if method == "POST" and path == "/users/@me/channels":
            recipient = int(body["recipient_id"])
            dm_id = recipient + 1
            self.channels.setdefault(
                dm_id, {"id": str(dm_id), "type": 1, "recipients": [_user(recipient, "user")]}
            )
            return self.channels[dm_id]
        raise NotImplementedError(f"FakeDiscord has no route {method} {path}")

    def _create_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        channel_id = next(self._ids)
        payload = {
            "id": str(channel_id),
            "type": body["type"],
            "name": body["name"],
            "guild_id": str(GUILD_ID),
            "position": len(self.channels),
            "parent_id": str(body["parent_id"]) if body.get("parent_id") else None,
            "permission_overwrites": [
                {**o, "id": str(o["id"]), "allow": str(o["allow"]), "deny": str(o["deny"])}
                for o in body.get("permission_overwrites", [])
            ],
            "nsfw": False,
            "topic": body.get("topic"),
            "rate_limit_per_user": 0,
            "last_message_id": None,
        }
        self.channels[channel_id] = payload
        return payload

    def _put_overwrite(self, channel_id: int, target_id: int, body: dict[str, Any]) -> None:
        overwrites = [
            o
            for o in self.channels[channel_id]["permission_overwrites"]
            if int(o["id"]) != target_id
        ]
        overwrites.append(
            {
                "id": str(target_id),
                "type": body["type"],
                "allow": str(body["allow"]),
                "deny": str(body["deny"]),
            }
        )
        self.channels[channel_id]["permission_overwrites"] = overwrites

    def _message(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(channel_id, {})
        if channel.get("type") == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.closed_dms:
                raise discord.Forbidden(
                    _Response(403), {"code": 50007, "message": "Cannot send messages to this user"}
                )
        message = {
            "id": str(next(self._ids)),
            "channel_id": str(channel_id),
            "content": body.get("content", ""),
            "author": _user(BOT_ID, "Pathwise", bot=True),
            "timestamp": "2026-11-23T09:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds", []),
            "pinned": False,
            "type": 0,
            "components": body.get("components", []),
        }
        self.messages.setdefault(channel_id, []).append(message)
        return message


class _Response:
    """The little of aiohttp's response that discord.HTTPException reads."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Forbidden"
