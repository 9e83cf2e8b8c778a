"""discord.py with its HTTP layer replaced by a recorder: discord.py's own models and
permission maths run unchanged, nothing leaves the machine.

``FakeDiscord`` keeps a small in-memory guild (channels, their overwrites, messages) and
answers the REST routes Pathwise uses, shaped like Discord's payloads. Like the real gateway,
it tells the installed client about guild channels it creates, edits and deletes.

Interactions (slash commands, button presses) are built as Discord sends them; their answers
go through discord.py's webhook adapter, which :meth:`FakeDiscord.patch_webhooks` records in
``replies`` instead of sending.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import urlsplit

import discord
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter

from bots.discord.permissions import required_permissions

GUILD_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
APPLICATION_ID = BOT_ID
BOT_ROLE_ID = 900_000_000_000_000_003  # the role Discord gives a bot when it is invited
EVERYONE_ROLE_ID = GUILD_ID  # Discord's @everyone role has the guild's id
EPHEMERAL = 64  # message flag: only the person who pressed or typed sees it
TIMESTAMP = "2026-11-23T09:00:00+00:00"
# The Server Members and Message Content toggles in the developer portal (unverified bot).
INTENT_FLAGS = (1 << 15) | (1 << 19)


@dataclass
class RestCall:
    """One recorded REST call."""

    method: str
    path: str
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, bytes) attached


def _user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "avatar": None,
        "global_name": name,
        "bot": bot,
    }


def _role(
    role_id: int, name: str, permissions: str, position: int, managed: bool = False
) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": permissions,
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": managed,
        "mentionable": False,
    }


def _overwrites(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overwrites as Discord stores them: ids and permission bits as strings."""
    return [
        {**o, "id": str(o["id"]), "allow": str(o["allow"]), "deny": str(o["deny"])} for o in value
    ]


@dataclass
class FakeDiscord:
    """The recorder and its guild. ``install(client)`` wires it into a discord.py client."""

    calls: list[RestCall] = field(default_factory=list)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)  # users whose DMs are closed to the bot
    members: dict[int, str] = field(default_factory=dict)
    member_roles: dict[int, list[int]] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    locales: dict[int, str] = field(default_factory=dict)  # each user's Discord language
    replies: list[RestCall] = field(default_factory=list)  # interaction answers, in order
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses for the next calls
    latency: float = 0.0  # seconds each REST call takes, so concurrent workers overlap
    # The server as the bot's owner set it up: the bot role's permissions (by default what
    # the invite link asks for), the intents toggled on, the token and the bot's membership.
    bot_permissions: int = field(default_factory=lambda: required_permissions().value)
    application_flags: int = INTENT_FLAGS
    token_valid: bool = True
    bot_in_guild: bool = True
    _ids: Any = field(default_factory=lambda: count(910_000_000_000_000_000))
    _states: list[Any] = field(default_factory=list)  # every installed client (shards, workers)

    def install(self, client: discord.Client) -> discord.Guild:
        """Patch ``client``'s HTTP and give it the guild; returns the guild."""
        state = client._connection
        state.user = discord.ClientUser(state=state, data=_user(BOT_ID, "Pathwise", bot=True))  # type: ignore[arg-type]
        state.application_id = APPLICATION_ID
        client.http.request = self.request  # type: ignore[method-assign]
        state.parse_guild_create(self.guild_payload())
        self._states.append(state)
        guild = client.get_guild(GUILD_ID)
        assert guild is not None
        return guild

    def serve_http(self, client: discord.Client) -> discord.Client:
        """Only patch ``client``'s HTTP: it learns everything through REST, as after
        ``login()`` without a gateway (what ``pathwise doctor`` does)."""
        client.http.request = self.request  # type: ignore[method-assign]
        return client

    def add_channel(
        self,
        name: str,
        kind: int = 0,
        overwrites: list[dict[str, Any]] | None = None,
        parent_id: int | None = None,
    ) -> int:
        """A channel the server's owner made by hand (0 text, 4 category); returns its id."""
        body = {"name": name, "type": kind, "parent_id": parent_id}
        return int(self._create_channel({**body, "permission_overwrites": overwrites or []})["id"])

    def add_member(self, user_id: int, name: str, roles: tuple[int, ...] = ()) -> None:
        self.members[user_id] = name
        self.member_roles[user_id] = list(roles)

    def add_role(self, role_id: int, name: str) -> None:
        self.roles[role_id] = name

    def member_payload(self, user_id: int) -> dict[str, Any]:
        roles = self.member_roles.get(user_id, [])
        if user_id == BOT_ID:
            roles = [BOT_ROLE_ID, *roles]
        return {
            "user": _user(user_id, self.members.get(user_id, "Pathwise"), bot=user_id == BOT_ID),
            "roles": [str(r) for r in roles],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def guild_payload(self) -> dict[str, Any]:
        members = [self.member_payload(uid) for uid in {BOT_ID: "Pathwise", **self.members}]
        roles = [_role(EVERYONE_ROLE_ID, "@everyone", "1024", 0)]
        roles += [_role(role_id, name, "0", 1) for role_id, name in self.roles.items()]
        roles.append(_role(BOT_ROLE_ID, "Pathwise", str(self.bot_permissions), 2, managed=True))
        return {
            "id": str(GUILD_ID),
            "name": "Pathwise",
            "owner_id": "1",
            "icon": None,
            "roles": roles,
            "channels": [c for c in self.channels.values() if c.get("guild_id")],
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

    def _gateway(self, event: str, payload: dict[str, Any]) -> None:
        """What Discord's gateway tells the bot after a REST change to a guild channel."""
        if payload.get("guild_id"):
            for state in self._states:
                getattr(state, f"parse_channel_{event}")(payload)

    # -- REST ---------------------------------------------------------------------------

    async def request(
        self, route: Route, *, files: Any = None, form: Any = None, **kwargs: Any
    ) -> Any:
        """Stands in for ``HTTPClient.request``."""
        body: Any = kwargs.get("json")
        if body is None and form:
            # A message with a file: discord.py sends its JSON as the "payload_json" part.
            body = next(
                (json.loads(part["value"]) for part in form if part["name"] == "payload_json"),
                None,
            )
        path = urlsplit(route.url).path.removeprefix(urlsplit(Route.BASE).path)
        method = route.method
        self.calls.append(RestCall(method, path, body))
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.fail_next:
            status = self.fail_next.pop(0)
            raise discord.HTTPException(_response(status), {"code": 0, "message": "fake failure"})
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/users/@me":
            if not self.token_valid:
                raise discord.HTTPException(
                    _response(401), {"code": 0, "message": "401: Unauthorized"}
                )
            return _user(BOT_ID, "Pathwise", bot=True)
        if method == "GET" and path == "/oauth2/applications/@me":
            return self.application_payload()
        if parts[:1] == ["guilds"]:
            return self._guild_route(method, int(parts[1]), parts[2:], body)
        if parts[:1] == ["channels"]:
            return self._channel_route(method, int(parts[1]), parts[2:], body, kwargs)
        if method == "POST" and path == "/users/@me/channels":
            recipient = int(body["recipient_id"])
            dm_id = recipient + 1
            self.channels.setdefault(
                dm_id, {"id": str(dm_id), "type": 1, "recipients": [_user(recipient, "user")]}
            )
            return self.channels[dm_id]
        raise NotImplementedError(f"FakeDiscord has no route {method} {path}")

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(APPLICATION_ID),
            "name": "Pathwise",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": _user(1, "owner"),
            "verify_key": "0" * 64,
            "flags": self.application_flags,
        }

    def _guild_route(self, method: str, guild_id: int, rest: list[str], body: Any) -> Any:
        """The server's own routes, as Discord answers a bot that is (or is not) a member."""
        if guild_id != GUILD_ID:
            raise discord.NotFound(_response(404), {"code": 10004, "message": "Unknown Guild"})
        if not self.bot_in_guild:
            raise discord.Forbidden(_response(403), {"code": 50001, "message": "Missing Access"})
        if method == "GET" and not rest:
            return self.guild_payload()
        if method == "GET" and rest == ["channels"]:
            return [c for c in self.channels.values() if c.get("guild_id")]
        if method == "GET" and rest[:1] == ["members"]:
            user_id = int(rest[1])
            if user_id != BOT_ID and user_id not in self.members:
                raise discord.NotFound(_response(404), {"code": 10007, "message": "Unknown Member"})
            return self.member_payload(user_id)
        if method == "POST" and rest == ["channels"]:
            self._require("manage_channels")
            self._check_overwrites(body.get("permission_overwrites", []))
            created = self._create_channel(body)
            self._gateway("create", created)
            return created
        raise NotImplementedError(f"FakeDiscord has no route {method} /guilds/{guild_id}")

    # -- what Discord lets the bot do -----------------------------------------------------
    # Checked against the bot's server-wide permissions (its role and @everyone); channel
    # overwrites are not applied here.

    def bot_guild_permissions(self) -> discord.Permissions:
        return discord.Permissions(self.bot_permissions | 1024)  # @everyone: View Channels

    def _require(self, permission: str) -> None:
        perms = self.bot_guild_permissions()
        if not (perms.administrator or getattr(perms, permission)):
            raise _missing_permissions()

    def _check_overwrites(self, overwrites: list[dict[str, Any]]) -> None:
        """Discord's rules for overwrites a bot sets: it may only allow or deny permissions it
        has itself, and only an administrator may set Manage Roles ("Manage Permissions")."""
        perms = self.bot_guild_permissions()
        if perms.administrator:
            return
        manage_roles = discord.Permissions(manage_roles=True).value
        for overwrite in overwrites:
            bits = int(overwrite.get("allow", 0)) | int(overwrite.get("deny", 0))
            if bits & ~perms.value or bits & manage_roles:
                raise _missing_permissions()

    def _channel_route(
        self,
        method: str,
        channel_id: int,
        rest: list[str],
        body: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        if channel_id not in self.channels:
            raise discord.NotFound(_response(404), {"code": 10003, "message": "Unknown Channel"})
        channel = self.channels[channel_id]
        if method == "GET" and not rest:
            return channel
        if method == "GET" and rest == ["messages"]:
            return self._history(channel_id, kwargs.get("params") or {})
        if method == "PUT" and rest[:1] == ["permissions"]:
            self._require("manage_roles")
            self._check_overwrites([body])
            self._put_overwrite(channel_id, int(rest[1]), body)
            self._gateway("update", channel)
            return None
        if method == "PATCH" and not rest:
            self._require("manage_channels")
            if "permission_overwrites" in body:
                self._require("manage_roles")
                self._check_overwrites(body["permission_overwrites"])
            for key, value in body.items():
                channel[key] = _overwrites(value) if key == "permission_overwrites" else value
            self._gateway("update", channel)
            return channel
        if method == "DELETE" and not rest:
            self._require("manage_channels")
            gone = self.channels.pop(channel_id)
            self._gateway("delete", gone)
            return gone
        if method == "POST" and rest == ["messages"]:
            return self._message(channel_id, body)
        if method == "POST" and rest == ["invites"]:
            self._require("create_instant_invite")
            return {
                "code": f"inv{next(self._ids) % 100000}",
                "channel": channel,
                "guild": {"id": str(GUILD_ID), "name": "Pathwise"},
                "max_age": body.get("max_age", 0),
                "max_uses": body.get("max_uses", 0),
                "uses": 0,
                "temporary": False,
                "created_at": TIMESTAMP,
            }
        raise NotImplementedError(f"FakeDiscord has no route {method} /channels/{channel_id}")

    def _create_channel(self, body: dict[str, Any]) -> dict[str, Any]:
        channel_id = next(self._ids)
        payload = {
            "id": str(channel_id),
            "type": body["type"],
            "name": body["name"],
            "guild_id": str(GUILD_ID),
            "position": len(self.channels),
            "parent_id": str(body["parent_id"]) if body.get("parent_id") else None,
            "permission_overwrites": _overwrites(body.get("permission_overwrites", [])),
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

    def _history(self, channel_id: int, params: dict[str, Any]) -> list[dict[str, Any]]:
        """GET messages as Discord answers it: newest first, ``limit`` of them, after or
        before a message id."""
        messages = sorted(self.messages.get(channel_id, []), key=lambda m: int(m["id"]))
        limit = int(params.get("limit", 50))
        if "after" in params:
            chosen = [m for m in messages if int(m["id"]) > int(params["after"])][:limit]
        else:
            if "before" in params:
                messages = [m for m in messages if int(m["id"]) < int(params["before"])]
            chosen = messages[-limit:]
        return list(reversed(chosen))

    def _message(
        self, channel_id: int, body: dict[str, Any], author: int = BOT_ID
    ) -> dict[str, Any]:
        channel = self.channels.get(channel_id, {})
        if channel.get("guild_id") and author == BOT_ID:
            self._require("send_messages")
            if body.get("attachments"):
                self._require("attach_files")
        if channel.get("type") == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.closed_dms:
                raise discord.Forbidden(
                    _response(403), {"code": 50007, "message": "Cannot send messages to this user"}
                )
        message = {
            "id": str(next(self._ids)),
            "channel_id": str(channel_id),
            "content": body.get("content") or "",
            "author": _user(author, self.members.get(author, "Pathwise"), bot=author == BOT_ID),
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": str(next(self._ids)), "filename": a.get("filename", "file"), "size": 1}
                for a in body.get("attachments", [])
            ],
            "embeds": body.get("embeds", []),
            "pinned": False,
            "type": 0,
            "components": body.get("components", []),
        }
        if channel.get("guild_id"):
            message["guild_id"] = channel["guild_id"]
        self.messages.setdefault(channel_id, []).append(message)
        return message

    async def say(self, channel_id: int, user_id: int, text: str) -> dict[str, Any]:
        """A person writes in a channel; the bot hears it as the gateway's MESSAGE_CREATE
        (returns once its listeners have run)."""
        message = self._message(channel_id, {"content": text}, author=user_id)
        before = asyncio.all_tasks()
        for state in self._states:
            state.parse_message_create(message)
        await _settle(before)
        return message

    def buttons(self, message: dict[str, Any]) -> dict[str, str]:
        """label -> custom_id of a message's buttons."""
        return {
            button["label"]: button["custom_id"]
            for row in message.get("components", [])
            for button in row.get("components", [])
            if "custom_id" in button
        }

    # -- interactions -------------------------------------------------------------------

    def patch_webhooks(self) -> Callable[[], None]:
        """Record interaction answers (callbacks, follow-ups, edits) instead of sending them.
        Returns the function that undoes the patch."""
        original = AsyncWebhookAdapter.request
        fake = self

        async def request(
            adapter: AsyncWebhookAdapter, route: Route, session: Any, **kwargs: Any
        ) -> Any:
            payload = kwargs.get("payload")
            if payload is None and kwargs.get("multipart"):
                # A message with files: discord.py sends its JSON as the "payload_json" part.
                payload = next(
                    (
                        json.loads(part["value"])
                        for part in kwargs["multipart"]
                        if part["name"] == "payload_json"
                    ),
                    None,
                )
            return fake.webhook_request(route, payload, kwargs.get("files") or ())

        AsyncWebhookAdapter.request = request  # type: ignore[method-assign,assignment]

        def undo() -> None:
            AsyncWebhookAdapter.request = original  # type: ignore[method-assign]

        return undo

    def webhook_request(self, route: Route, payload: dict[str, Any] | None, files: Any = ()) -> Any:
        path = urlsplit(route.url).path.removeprefix(urlsplit(Route.BASE).path)
        attached = []
        for file in files:
            file.reset()
            attached.append((file.filename, file.fp.read()))
        self.replies.append(RestCall(route.method, path, payload, attached))
        parts = path.strip("/").split("/")
        if parts[0] == "interactions":
            return {"interaction": {"id": parts[1], "type": 2}}
        body = payload or {}
        return {
            "id": str(next(self._ids)),
            "channel_id": "1",
            "content": body.get("content") or "",
            "author": _user(BOT_ID, "Pathwise", bot=True),
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds", []),
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "components": body.get("components", []),
        }

    def answers(self) -> list[tuple[str, int]]:
        """(text, flags) of every interaction answer with text, in order."""
        found = []
        for call in self.replies:
            body = call.json or {}
            data = body.get("data", body) or {}
            if data.get("content"):
                found.append((str(data["content"]), int(data.get("flags") or 0)))
        return found

    def _interaction(
        self,
        kind: int,
        user_id: int,
        data: dict[str, Any],
        channel_id: int | None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # Commands typed outside any known channel come from a plain "general" channel.
        channel = self.channels.get(channel_id or 0) or {
            "id": str(channel_id or 1),
            "type": 0,
            "name": "general",
            "guild_id": str(GUILD_ID),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        payload: dict[str, Any] = {
            "id": str(next(self._ids)),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{next(self._ids)}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": channel["id"],
            "channel": channel,
            "member": {
                "user": _user(user_id, self.members.get(user_id, "someone")),
                "roles": [str(r) for r in self.member_roles.get(user_id, [])],
                "permissions": "0",
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            },
            "data": data,
            "attachment_size_limit": 8_388_608,
            "locale": self.locales.get(user_id, "en-US"),
            "app_permissions": "0",
        }
        if message is not None:
            payload["message"] = message
        return payload

    def slash(
        self,
        client: discord.Client,
        name: str,
        user_id: int,
        options: list[dict[str, Any]] | None = None,
        *,
        channel_id: int | None = None,
        resolved: dict[str, Any] | None = None,
    ) -> discord.Interaction[Any]:
        """``/name`` as Discord sends it, typed by ``user_id``; subcommands are options of
        type 1 holding their own options."""
        data: dict[str, Any] = {
            "id": str(next(self._ids)),
            "name": name,
            "type": 1,
            "options": options or [],
            "guild_id": str(GUILD_ID),
        }
        if resolved:
            data["resolved"] = resolved
        payload = self._interaction(2, user_id, data, channel_id)
        return discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]

    async def press(
        self, client: discord.Client, message: dict[str, Any], custom_id: str, user_id: int
    ) -> None:
        """Press a button on a message the bot sent, and wait until discord.py handled it."""
        channel_id = int(message["channel_id"])
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, user_id, data, channel_id, message)
        before = asyncio.all_tasks()
        client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await _settle(before)


async def _settle(before: set[asyncio.Task[Any]]) -> None:
    """Wait for the tasks discord.py started since ``before`` (event handlers, views)."""
    while True:
        pending = {t for t in asyncio.all_tasks() - before if not t.done()}
        pending.discard(asyncio.current_task())
        if not pending:
            return
        await asyncio.wait(pending, timeout=5)


def _response(status: int) -> Any:
    return _Response(status)


def _missing_permissions() -> discord.Forbidden:
    return discord.Forbidden(_response(403), {"code": 50013, "message": "Missing Permissions"})


class _Response:
    """The little of aiohttp's response that discord.HTTPException reads."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = {403: "Forbidden", 404: "Not Found"}.get(status, "Error")
