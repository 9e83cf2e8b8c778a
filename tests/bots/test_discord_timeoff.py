"""/timeoff and /reviews for advisors, through discord.py's CommandTree: time off added, listed
and removed in the advisor's zone and language, refused while a paid session is in the way or
when the dates can't be used, and really taken out of what clients are offered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core import scheduling
from core.models import Advisor
from core.privacy import Privacy
from core.taxonomy import OfferKind
from devtools.discord_recorder import EPHEMERAL
from tests.support.discord_bot import STRANGER, Env, advisor_on_discord, slash, sub
from tests.support.reviews import past_session, review, reviewed_session
from tests.support.sessions import ADVISOR_DISCORD, Paid, paid_booking

# The clock starts on Mon 23 Nov 2026, 09:00 UTC (10:00 in Madrid, the advisor's zone); the
# paid session is on Wed 25 Nov, 10:00-11:00 in Madrid.
SESSION = "Wed 25 Nov, 10:00 (your time): 60-minute live session with Zoë Łukasz 李雷"


def add(**values: Any) -> list[dict[str, Any]]:
    """/timeoff add with ``first`` as its ``from`` option (a Python keyword)."""
    if "first" in values:
        values["from"] = values.pop("first")
    return sub("add", **values)


async def timeoff(env: Env, opts: list[dict[str, Any]]) -> str:
    [(answer, flags)] = await slash(env, "timeoff", ADVISOR_DISCORD, opts)
    assert flags == EPHEMERAL
    return answer


async def set_locale(env: Env, paid: Paid, locale: str) -> None:
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None
        advisor.locale = locale
        await uow.commit()


async def set_hours(env: Env, paid: Paid, weekly: dict[str, list[str]]) -> None:
    async with env.db.uow() as uow:
        await scheduling.set_weekly_availability(uow, paid.world.advisor_id, weekly)
        await uow.commit()


async def starts_on(env: Env, paid: Paid, day: int) -> list[str]:
    """The live60 start times offered to clients on ``day`` November, Madrid clock."""
    async with env.db.uow() as uow:
        slots = await scheduling.available_slots(
            uow, paid.world.advisor_id, OfferKind.LIVE60, env.clock.now()
        )
    return [
        scheduling.format_clock(s.starts_at, "Europe/Madrid")
        for s in slots
        if scheduling.local_day(s.starts_at, "Europe/Madrid").day == day and s.starts_at.month == 11
    ]


async def next_free(env: Env, paid: Paid) -> datetime | None:
    async with env.db.uow() as uow:
        found = await scheduling.next_free_slots(
            uow, [paid.world.advisor_id], OfferKind.LIVE60, env.clock.now()
        )
    return found[paid.world.advisor_id]


# -- /timeoff -------------------------------------------------------------------------------


async def test_a_day_off_is_added_listed_and_removed(env: Env) -> None:
    await advisor_on_discord(env)

    assert await timeoff(env, sub("list")) == (
        "You have no upcoming time off. Add some with /timeoff add."
    )
    assert await timeoff(env, add(first="27/11")) == (
        "Done: you're off on Fri 27 Nov. Clients can't book you that day."
    )
    assert await timeoff(env, add(first="2026-12-24", to="2026-12-31")) == (
        "Done: you're off from Thu 24 Dec to Thu 31 Dec (8 days). Clients can't book you then."
    )
    assert await timeoff(env, add(first="30.11", hours="13:00-15:00")) == (
        "Done: you're off on Mon 30 Nov, 13:00-15:00 (your time). Clients can't book you then."
    )
    assert await timeoff(env, add(first="1/12", to="2/12", hours="09:00-10:00")) == (
        "Done: you're off from Tue 1 Dec to Wed 2 Dec, 09:00-10:00 (your time) each day. "
        "Clients can't book you then."
    )

    assert await timeoff(env, sub("list")) == (
        "Your upcoming time off:\n"
        "• Fri 27 Nov: all day\n"
        "• Mon 30 Nov: 13:00-15:00\n"
        "• Tue 1 Dec to Wed 2 Dec: 09:00-10:00 each day\n"
        "• Thu 24 Dec to Thu 31 Dec: all day"
    )

    assert await timeoff(env, sub("remove", date="27/11")) == (
        "Removed your time off on Fri 27 Nov: clients can book you then again, within your "
        "weekly hours."
    )
    assert await timeoff(env, sub("remove", date="27/11")) == "You have no time off on Fri 27 Nov."
    # One day out of a range: the rest stays.
    await timeoff(env, sub("remove", date="2026-12-25"))
    assert await timeoff(env, sub("remove", date="1/12", to="2/12")) == (
        "Removed your time off from Tue 1 Dec to Wed 2 Dec: clients can book you then again, "
        "within your weekly hours."
    )
    assert await timeoff(env, sub("list")) == (
        "Your upcoming time off:\n"
        "• Mon 30 Nov: 13:00-15:00\n"
        "• Thu 24 Dec: all day\n"
        "• Sat 26 Dec to Thu 31 Dec: all day"
    )


async def test_time_off_is_not_added_while_a_paid_session_is_in_the_way(env: Env) -> None:
    paid = await advisor_on_discord(env)

    answer = await timeoff(env, add(first="24/11", to="26/11"))

    assert answer == (
        "Your time off is not added yet: a paid session is booked then.\n"
        f"• {SESSION} (booking {paid.booking_id})\n"
        "Move or cancel it first, then add the time off again."
    )
    assert (await timeoff(env, sub("list"))).startswith("You have no upcoming time off.")
    # Hours that touch the session are in its way too; hours beside it are not.
    assert (await timeoff(env, add(first="25/11", hours="10:45-12:00"))).startswith(
        "Your time off is not added yet"
    )
    assert (await timeoff(env, add(first="25/11", hours="11:00-13:00"))).startswith(
        "Done: you're off on Wed 25 Nov, 11:00-13:00"
    )


async def test_every_session_in_the_way_is_listed(env: Env) -> None:
    paid = await advisor_on_discord(env)
    second = await paid_booking(
        env.db,
        env.settings,
        env.clock,
        starts_in=timedelta(days=3, hours=4),
        world=paid.world,
        billing=paid.billing,
    )

    answer = await timeoff(env, add(first="2026-11-25", to="2026-11-27"))

    assert answer == (
        "Your time off is not added yet: 2 paid sessions are booked then.\n"
        f"• {SESSION} (booking {paid.booking_id})\n"
        "• Thu 26 Nov, 14:00 (your time): 60-minute live session with Zoë Łukasz 李雷 "
        f"(booking {second.booking_id})\n"
        "Move or cancel them first, then add the time off again."
    )


async def test_dates_and_hours_that_cant_be_used_get_a_clear_answer(env: Env) -> None:
    await advisor_on_discord(env)

    for first, expected in (
        ("tomorrow", "'tomorrow' isn't a date I can read. Write it like 24/12, 24/12/2026 or"),
        ("31/02", "'31/02' isn't a day of the calendar. Check the day and the month."),
        ("2026-13-01", "'2026-13-01' isn't a day of the calendar."),
        ("2026-11-20", "Fri 20 Nov has already passed (today is Mon 23 Nov in your time zone)."),
        ("2028-01-10", "Mon 10 Jan is more than a year away."),
    ):
        assert (await timeoff(env, add(first=first))).startswith(expected), first
    assert await timeoff(env, add(first="10/12", to="1/12")) == (
        "The last day (Tue 1 Dec) is before the first (Thu 10 Dec). Put the first day first."
    )
    assert await timeoff(env, add(first="2026-12-01", to="2027-03-01")) == (
        "That's more than 90 days at once. Add longer time off in parts of up to 90 days."
    )
    assert (await timeoff(env, add(first="27/11", hours="1-3"))).startswith(
        "Those hours can't be used: '1-3': write hours like 09:00-12:30"
    )
    assert (await timeoff(env, sub("remove", date="someday"))).startswith(
        "'someday' isn't a date I can read."
    )
    # Nothing was added by any of them.
    assert (await timeoff(env, sub("list"))).startswith("You have no upcoming time off.")


async def test_dates_are_read_in_the_advisors_zone(env: Env) -> None:
    await advisor_on_discord(env)
    # 23:30 on Mon 23 Nov in UTC is already Tue 24 Nov, 00:30 in Madrid.
    env.clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))

    assert (await timeoff(env, add(first="2026-11-23"))).startswith(
        "Mon 23 Nov has already passed (today is Tue 24 Nov in your time zone)."
    )
    # A day and month with no year are the next such day: 23/11 is next year's.
    assert (await timeoff(env, add(first="23/11"))).startswith("Done: you're off on Tue 23 Nov.")
    assert (await timeoff(env, add(first="24/11"))).startswith("Done: you're off on Tue 24 Nov.")


async def test_time_off_is_no_longer_offered_to_clients(env: Env) -> None:
    paid = await advisor_on_discord(env)
    await set_hours(env, paid, {"fri": ["09:00-12:00"]})
    assert await starts_on(env, paid, 27) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    friday_nine = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 09:00 in Madrid
    assert await next_free(env, paid) == friday_nine

    await timeoff(env, add(first="27/11", hours="09:00-10:00"))
    assert await starts_on(env, paid, 27) == ["10:00", "10:30", "11:00"]

    await timeoff(env, add(first="27/11"))
    assert await starts_on(env, paid, 27) == []
    assert await next_free(env, paid) == friday_nine + timedelta(days=7)
    # The whole day replaced the hours: one line, all day.
    assert await timeoff(env, sub("list")) == "Your upcoming time off:\n• Fri 27 Nov: all day"

    await timeoff(env, sub("remove", date="27/11"))
    assert await next_free(env, paid) == friday_nine


async def test_timeoff_in_spanish_for_a_spanish_speaking_advisor(env: Env) -> None:
    paid = await advisor_on_discord(env)
    await set_locale(env, paid, "es")

    assert await timeoff(env, add(first="27/11")) == (
        "Hecho: tienes libre el vie 27 de nov. Los clientes no pueden reservarte ese día."
    )
    assert await timeoff(env, sub("list")) == (
        "Tu tiempo libre próximo:\n• vie 27 de nov: todo el día"
    )
    assert await timeoff(env, add(first="25/11")) == (
        "Tu tiempo libre aún no está añadido: hay una sesión pagada reservada en ese momento.\n"
        "• mié 25 de nov, 10:00 (tu hora): sesión en vivo de 60 minutos con Zoë Łukasz 李雷 "
        f"(reserva {paid.booking_id})\n"
        "Muévela o cancélala primero y luego vuelve a añadir el tiempo libre."
    )
    assert (await timeoff(env, add(first="31/02"))).startswith(
        "'31/02' no es un día del calendario."
    )


async def test_timeoff_is_for_advisors_only(env: Env) -> None:
    await advisor_on_discord(env)
    [(answer, flags)] = await slash(env, "timeoff", STRANGER, sub("list"))
    assert answer.startswith("These commands are for Pathwise advisors.")
    assert flags == EPHEMERAL


# -- /reviews -------------------------------------------------------------------------------

DAY = timedelta(days=1)
LONG = (
    "Ana listened carefully and then gave me a plan I could actually follow: three steps for "
    "the next month, a script for the talk with my manager, and a way to notice burnout "
    "early next time, which I badly needed after this year."
)


async def reviews(env: Env) -> str:
    [(answer, flags)] = await slash(env, "reviews", ADVISOR_DISCORD)
    assert flags == EPHEMERAL
    return answer


async def test_reviews_show_the_rating_and_the_latest_words_newest_first(env: Env) -> None:
    paid = await advisor_on_discord(env)
    ana, now = paid.world.advisor_id, env.clock.now()
    assert await reviews(env) == (
        "No ratings yet. Clients are asked to rate each session when it ends."
    )

    for n in range(3):  # the oldest, beyond the eight listed
        await reviewed_session(env.db, ana, now, 5, f"Old review {n}.", ago=(11 - n) * DAY)
    await reviewed_session(env.db, ana, now, 4, LONG, client_name="Ines", ago=8 * DAY)
    await reviewed_session(env.db, ana, now, 3, None, client_name="Kai", ago=7 * DAY)
    await reviewed_session(env.db, ana, now, 5, "Write me: kai@example.com", ago=6 * DAY)
    gone, booking = await past_session(env.db, ana, now, client_name="Bo", ago=6 * DAY)
    await review(env.db, gone, booking, now - 5 * DAY, 4, "Kind and very clear, thank you Bo.")
    await reviewed_session(env.db, ana, now, 2, "Too short for me.", ago=4 * DAY)
    await reviewed_session(env.db, ana, now, 5, "Newest.", client_name="李雷", ago=2 * DAY)
    await Privacy(env.db, env.settings, env.clock).erase(gone)

    answer = await reviews(env)

    # (5 + 5 + 5 + 4 + 3 + 5 + 4 + 2 + 5) / 9 = 4.2
    summary, latest = answer.split("\n\n")
    assert summary == "Your rating: 4.2 ★ from 9 ratings."
    head, *lines = latest.split("\n")
    assert head == "Latest reviews, newest first:"
    assert lines == [
        "• ★★★★★ Sat 21 Nov: “Newest.”",
        "• ★★☆☆☆ Thu 19 Nov: “Too short for me.”",
        "• ★★★★☆ Wed 18 Nov (no words)",  # its writer deleted their data: the rating stays
        "• ★★★★★ Tue 17 Nov: “Write me: [removed]”",
        "• ★★★☆☆ Mon 16 Nov (no words)",
        "• ★★★★☆ Sun 15 Nov: “Ana listened carefully and then gave me a plan I could actually "
        "follow: three steps for the next month, a script for the talk with my manager, and a "
        "way to notice burnout early…”",
        "• ★★★★★ Sat 14 Nov: “Old review 2.”",
        "• ★★★★★ Fri 13 Nov: “Old review 1.”",
    ]
    assert "Old review 0" not in answer and "Bo" not in answer
    assert len(answer) < 2000


async def test_reviews_in_spanish_and_for_advisors_only(env: Env) -> None:
    paid = await advisor_on_discord(env)
    ana, now = paid.world.advisor_id, env.clock.now()
    await reviewed_session(env.db, ana, now, 5, "Muy clara.", ago=3 * DAY)
    await reviewed_session(env.db, ana, now, 4, None, ago=2 * DAY)
    await set_locale(env, paid, "es")

    assert await reviews(env) == (
        "Tu valoración: 4,5 ★ de 2 valoraciones.\n\n"
        "Últimas reseñas, de la más reciente a la más antigua:\n"
        "• ★★★★☆ sáb 21 de nov (sin texto)\n"
        "• ★★★★★ vie 20 de nov: «Muy clara.»"
    )
    [(refused, _)] = await slash(env, "reviews", STRANGER)
    assert refused.startswith("These commands are for Pathwise advisors.")
