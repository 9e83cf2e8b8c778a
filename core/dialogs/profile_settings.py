"""The client's own settings, asked for in the flows: their time zone, and the language
Pathwise writes to them in.

The language is ``Client.locale`` (amounts and dates follow it too): taken from Telegram's
language tag on first contact, changed with /language or the welcome card's button.

Every time a client reads ("free tomorrow 18:00 your time", a slot, a refund deadline) is shown
in ``Client.timezone``. It defaults to "UTC", which means "never asked", so the intake asks once.
A client who really lives on UTC is saved as "Etc/UTC" (the same clock), so they are not asked
again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, available_timezones

from core import i18n, places
from core.dialogs.engine import Context, Transition, committed, pressed, rows, typed
from core.dialogs.steps import StepName
from core.i18n import language_name, locale_switched
from core.models import Client
from core.replies import Input, Message, Reply
from core.texts import profile as t

UNSET = "UTC"  # the column's default: the client has not told us yet
EXPLICIT_UTC = "Etc/UTC"
MAX_INPUT = 64

# A few zones to offer as buttons, by the language the client chose to talk in.
ZONES_BY_LANGUAGE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "en": (
            "Europe/London",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Australia/Sydney",
            "Asia/Kolkata",
        ),
        "es": (
            "Europe/Madrid",
            "America/Mexico_City",
            "America/Bogota",
            "America/Lima",
            "America/Santiago",
            "America/Argentina/Buenos_Aires",
        ),
        "de": ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich"),
        "fr": ("Europe/Paris", "Europe/Brussels", "America/Toronto", "Africa/Casablanca"),
        "pt": ("Europe/Lisbon", "America/Sao_Paulo", "Africa/Luanda"),
        "it": ("Europe/Rome", "Europe/Zurich"),
        "zh": ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore"),
        "ja": ("Asia/Tokyo",),
        "ar": ("Asia/Riyadh", "Asia/Dubai", "Africa/Cairo", "Africa/Casablanca"),
        "hi": ("Asia/Kolkata",),
        "pl": ("Europe/Warsaw",),
        "he": ("Asia/Jerusalem",),
    }
)
DEFAULT_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
)


def needs_timezone(client: Client) -> bool:
    """Whether we still have to ask the client where they are."""
    return client.timezone in ("", UNSET)


@cache
def _zone_index() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """(full name folded -> zone, city folded -> zone) over the installed IANA database.

    Where two zones share a city (a current name and its old alias, e.g.
    America/Argentina/Buenos_Aires and America/Buenos_Aires), the longer, current one wins.
    """
    names = sorted(
        (z for z in available_timezones() if z.split("/", 1)[0] in places.AREAS),
        key=lambda z: (-z.count("/"), z),
    )
    full: dict[str, str] = {}
    cities: dict[str, str] = {}
    for name in names:
        full.setdefault(places.fold(name).replace(" ", "_"), name)
        cities.setdefault(places.fold(name.rsplit("/", 1)[-1]), name)
    return MappingProxyType(full), MappingProxyType(cities)


def find_timezone(text: str) -> str | None:
    """The IANA zone a client means by ``text`` ("Europe/Madrid", "madrid", "New York",
    "São Paulo, Brazil", "Austin", "UTC"), or None if we can't tell: a zone's own city
    first, then any city of 15,000 people or more (``core.places``, GeoNames' data)."""
    text = text.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    folded = places.fold(text)
    if folded in ("utc", "gmt", "etc/utc", "etc/gmt", "z"):
        return EXPLICIT_UTC
    full, cities = _zone_index()
    if "/" in folded:
        return full.get(folded.replace(" ", "_"))
    city = places.fold(text.split(",", 1)[0])
    return cities.get(city) or places.city_zone(city)


def zone_label(zone: str, ctx: Context) -> str:
    """A button label a person recognises: the city and its time now, e.g. "Madrid · 10:00"."""
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return t.ZONE_BUTTON(city=city, time=f"{ctx.now.astimezone(ZoneInfo(zone)):%H:%M}")


def offered_zones(ctx: Context) -> tuple[str, ...]:
    """The zones offered as buttons: those of the chosen language, or a spread of big ones."""
    return ZONES_BY_LANGUAGE.get(str(ctx.data.get("language", "")), DEFAULT_ZONES)


def _arg(zone: str) -> str:
    # Button args can't hold "/", and zone names never contain ".".
    return zone.replace("/", ".")


class TimezoneStep:
    """Where the client is, so every time we show is theirs. In the intake it leads on to the
    kind of session; opened with /timezone it goes back to the menu."""

    async def show(self, ctx: Context) -> list[Reply]:
        zones = [ctx.button(zone_label(z, ctx), "tz", _arg(z)) for z in offered_zones(ctx)]
        current = "" if needs_timezone(ctx.client) else t.NOW(zone=ctx.client.timezone)
        return [Message(t.ASK(current=current), rows(*zones))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        text = typed(event)
        if press is not None and press.action == "tz":
            zone: str | None = press.arg.replace(".", "/")
            if zone not in (*offered_zones(ctx), *ctx.data.get("tz_choices", ())):
                return Transition(replies=[Message(t.TAP_HINT())], reshow=True)
        elif text is not None:
            # The first city lookup reads GeoNames' data: off the event loop.
            zone = await asyncio.to_thread(find_timezone, text)
            choices = [] if zone is not None else places.zone_choices(text, ctx.now)
            shown = text if len(text) <= MAX_INPUT else text[:MAX_INPUT] + "…"
            if zone is None and len(choices) == 1:
                zone = choices[0]
            elif zone is None and choices:
                # "CST", "UTC+2": more than one clock fits; the client picks theirs.
                buttons = [ctx.button(zone_label(z, ctx), "tz", _arg(z)) for z in choices]
                return Transition(
                    data={**ctx.data, "tz_choices": choices},
                    replies=[Message(t.WHICH_ONE(text=shown), rows(*buttons, per_row=1))],
                )
            elif zone is None:
                zones = [ctx.button(zone_label(z, ctx), "tz", _arg(z)) for z in offered_zones(ctx)]
                return Transition(replies=[Message(t.HINT(text=shown), rows(*zones))])
        else:
            return Transition(replies=[Message(t.TAP_HINT())], reshow=True)
        assert zone is not None
        ctx.client.timezone = zone
        local = ctx.now.astimezone(ZoneInfo(zone))
        saved = Message(t.SAVED(zone=zone, time=f"{local:%H:%M}"))
        data = dict(ctx.data)
        data.pop("tz_choices", None)
        then = str(data.pop("tz_then", "kind"))
        if then == "home":
            return Transition(goto=StepName.HOME, data={}, replies=[saved])
        if then == "resume" and data.get("tz_step") in ctx.installed:
            # /timezone mid-flow: back where the client was, times now shown in the new zone.
            # Committed first: the step may read the client through billing's own transaction.
            resumed = data.get("tz_data")
            return committed(
                Transition(
                    goto=StepName(data["tz_step"]),
                    data=dict(resumed) if isinstance(resumed, dict) else {},
                    replies=[saved],
                )
            )
        return Transition(goto=StepName.KIND, data=data, replies=[saved])


def after_language(ctx: Context) -> StepName:
    """The intake's next step once the language is chosen: the time zone, if still unknown."""
    return StepName.TIMEZONE if needs_timezone(ctx.client) else StepName.KIND


class UiLanguageStep:
    """/language: the languages Pathwise speaks, each named in itself. The choice is saved on
    the client and used at once; then back where the client came from (the welcome card, or
    the menu)."""

    async def show(self, ctx: Context) -> list[Reply]:
        current = i18n.supported(ctx.client.locale)
        buttons = [ctx.button(language_name(code), "ui_lang", code) for code in i18n.languages()]
        ask = t.ASK_LANGUAGE(language=language_name(current))
        return [Message(ask, rows(*buttons, per_row=2))]

    async def receive(self, ctx: Context, event: Input) -> Transition:
        press = pressed(event)
        if press is None or press.action != "ui_lang" or press.arg not in i18n.languages():
            return Transition(replies=[Message(t.LANGUAGE_TAP_HINT())], reshow=True)
        ctx.client.locale = locale_switched(ctx.client.locale, press.arg)
        i18n.use(press.arg)  # what follows in this answer is already in the new language
        then = str(ctx.data.get("lang_then", StepName.HOME))
        goto = StepName(then) if then in ctx.installed else StepName.HOME
        data = dict(ctx.data.get("lang_data") or {})
        return Transition(goto=goto, data=data, replies=[Message(t.LANGUAGE_SAVED())])
