"""The team's money commands in Discord, through discord.py's CommandTree: `/admin refund`
(goodwill refunds at any time, never the handling fee) and `/admin payout hold|release`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import ledger
from core.models.billing import Payout, Purchase, Receipt, Refund
from devtools.discord_recorder import EPHEMERAL
from tests.support.billing import onboard as _onboard
from tests.support.discord_bot import ADMIN, STRANGER, Env, advisor_on_discord, slash, sub
from tests.support.sessions import ADVISOR_DISCORD, messages

TEAM_ONLY = "Only the Pathwise team can use this command."


def refund(booking: int, amount: str, reason: str = "Started late") -> list[dict[str, Any]]:
    return sub("refund", booking=booking, amount=amount, reason=reason)


def payout(action: str, booking: int) -> list[dict[str, Any]]:
    return [{"type": 2, "name": "payout", "options": sub(action, booking=booking)}]


async def _refunds(env: Env) -> list[Refund]:
    async with env.db.uow() as uow:
        return list(await uow.session.scalars(select(Refund).order_by(Refund.id)))


async def _violations(env: Env) -> list[str]:
    async with env.db.uow() as uow:
        return (await ledger.check_ledger(uow)).violations


async def test_a_goodwill_refund_before_the_session_in_two_parts_never_the_fee(env: Env) -> None:
    paid = await advisor_on_discord(env)
    gateway: Any = env.bot.billing.gateway  # type: ignore[union-attr]

    [(part, flags)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "20"))

    assert flags == EPHEMERAL
    assert part == (
        f"Refunded $20.00 for booking {paid.booking_id} as a goodwill refund; credit note "
        "CN-2026-000001 sent to the client. Pathwise bears it; the advisor's share is "
        "unchanged. Still refundable: $40.00 (the $3.49 handling fee is never refunded)."
    )
    [client_note] = await messages(env.db, "credit_note", audience="client")
    assert client_note.payload["text"] == (
        "The Pathwise team has refunded $20.00 of your 60-minute live session with Ana Ruiz on "
        "Wed 25 Nov 2026, 10:00 (Europe/Madrid) (Started late). It is on its way back to your card (usually 5–10 "
        "days). Credit note CN-2026-000001 is attached. The $3.49 handling fee is "
        "non-refundable."
    )
    [advisor_note] = await messages(env.db, "refund_notice")
    assert advisor_note.payload["text"] == (
        "The Pathwise team gave the client a goodwill refund of $20.00 for 60-minute live "
        "session with Ana Ruiz on Wed 25 Nov 2026, 10:00 (Europe/Madrid). Pathwise bears it: your share for this "
        "booking is not affected. Tips are not affected."
    )

    [(rest, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "all", "Apology"))
    assert rest.startswith(f"Refunded $40.00 for booking {paid.booking_id} as a goodwill refund")
    assert rest.endswith("Still refundable: $0.00 (the $3.49 handling fee is never refunded).")
    [(nothing, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "1"))
    assert nothing == (
        f"Nothing is left to refund for booking {paid.booking_id}: its service price ($60.00) "
        "was refunded already. The $3.49 handling fee is non-refundable."
    )

    assert [(r.kind, r.amount_minor, r.status) for r in await _refunds(env)] == [
        ("goodwill", 2000, "succeeded"),
        ("goodwill", 4000, "succeeded"),
    ]
    assert sum(r.amount.amount for r in gateway.refunds.values()) == 6000
    async with env.db.uow() as uow:
        notes = list(
            await uow.session.scalars(select(Receipt).where(Receipt.kind == "credit_note"))
        )
    assert len(notes) == 2
    assert await _violations(env) == []


async def test_the_whole_price_before_the_payout_is_not_paid_to_the_advisor(env: Env) -> None:
    paid = await advisor_on_discord(env)
    [(whole, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "60.00"))
    assert "The advisor's session share won't be paid out." in whole
    [advisor_note] = await messages(env.db, "refund_notice")
    assert (
        "The whole session price was refunded, so this booking's session share won't be "
        "paid out." in advisor_note.payload["text"]
    )
    async with env.db.uow() as uow:
        purchase = await uow.session.scalar(select(Purchase))
        assert purchase is not None and purchase.payout_state == "nothing_due"
    assert await _violations(env) == []


async def test_after_the_window_and_the_payout_the_platform_bears_it(env: Env) -> None:
    paid = await advisor_on_discord(env)
    billing = env.bot.billing
    assert billing is not None
    await _onboard(billing, billing.gateway, paid.world.advisor_id)  # type: ignore[arg-type]
    env.clock.advance(timedelta(days=10))
    assert len((await billing.release_due_payouts()).paid) == 1

    [(late, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "$3"))

    assert late.startswith(f"Refunded $3.00 for booking {paid.booking_id} as a goodwill")
    assert "Pathwise bears it; the advisor's share is unchanged." in late
    async with env.db.uow() as uow:
        cash = await ledger.balance(uow, ledger.Account.CASH, "USD")
        goodwill = await ledger.balance(uow, ledger.Account.GOODWILL, "USD")
    assert (cash.amount, goodwill.amount) == (349 - 300, 300)  # the fee kept, less the gift
    assert await _violations(env) == []


async def test_bad_amounts_and_reasons_get_clear_answers_and_refund_nothing(env: Env) -> None:
    paid = await advisor_on_discord(env)
    digits = "Type it in digits, like 20 or 12.50, or type all for everything that is left."
    for amount, expected in (
        ("abc", f"'abc' is not an amount. {digits}"),
        ("²", f"'²' is not an amount. {digits}"),
        ("٣", f"'٣' is not an amount. {digits}"),
        ("-5", f"'-5' is not an amount. {digits}"),
        ("10.999", f"'10.999' is not an amount. {digits}"),
        ("1e3", f"'1e3' is not an amount. {digits}"),
        ("0", "A refund must be more than zero."),
        (
            "60.01",
            f"At most $60.00 can be refunded for booking {paid.booking_id}: the service price "
            "less what was already refunded. The $3.49 handling fee is non-refundable.",
        ),
        (
            "63.49",
            f"At most $60.00 can be refunded for booking {paid.booking_id}: the service price "
            "less what was already refunded. The $3.49 handling fee is non-refundable.",
        ),
    ):
        answers = await slash(env, "admin", ADMIN, refund(paid.booking_id, amount))
        assert answers[-1][0] == expected, amount
    [(no_reason, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "5", "   "))
    assert no_reason == "Please give a reason; it is printed on the client's credit note."
    [(unknown, _)] = await slash(env, "admin", ADMIN, refund(999, "5"))
    assert unknown == "There is no booking 999."
    assert await _refunds(env) == []


async def test_only_the_team_may_refund_or_hold_a_payout(env: Env) -> None:
    paid = await advisor_on_discord(env)
    for person in (STRANGER, ADVISOR_DISCORD):
        for options in (
            refund(paid.booking_id, "5"),
            payout("hold", paid.booking_id),
            payout("release", paid.booking_id),
        ):
            [(refused, flags)] = await slash(env, "admin", person, options)
            assert (refused, flags) == (TEAM_ONLY, EPHEMERAL)
    assert await _refunds(env) == []
    async with env.db.uow() as uow:
        purchase = await uow.session.scalar(select(Purchase))
        assert purchase is not None and purchase.payout_state == "held"


async def test_a_held_payout_waits_until_released_then_goes_at_once(env: Env) -> None:
    paid = await advisor_on_discord(env)
    billing = env.bot.billing
    assert billing is not None
    await _onboard(billing, billing.gateway, paid.world.advisor_id)  # type: ignore[arg-type]

    [(held, _)] = await slash(env, "admin", ADMIN, payout("hold", paid.booking_id))
    assert held == (
        f"Booking {paid.booking_id}'s payout is on hold; it won't be paid until released."
    )
    env.clock.advance(timedelta(days=10))  # well past the money-back window
    assert (await billing.release_due_payouts()).paid == []

    [(released, _)] = await slash(env, "admin", ADMIN, payout("release", paid.booking_id))
    assert released == (
        f"Booking {paid.booking_id}'s payout was released and paid to the advisor now."
    )
    async with env.db.uow() as uow:
        [made] = list(await uow.session.scalars(select(Payout)))
    assert (made.status, made.net_minor) == ("paid", 6000)
    [(again, _)] = await slash(env, "admin", ADMIN, payout("hold", paid.booking_id))
    assert again == f"Booking {paid.booking_id}'s payout has been made already; nothing to hold."
    [(unknown, _)] = await slash(env, "admin", ADMIN, payout("hold", 999))
    assert unknown == "There is no booking 999."


async def test_a_payout_released_before_its_date_goes_on_its_normal_date(env: Env) -> None:
    paid = await advisor_on_discord(env)
    await slash(env, "admin", ADMIN, payout("hold", paid.booking_id))
    [(released, _)] = await slash(env, "admin", ADMIN, payout("release", paid.booking_id))
    # The session is Wed 25 Nov 09:00-10:00 UTC; the 72-hour window closes Sat 28 Nov 10:00.
    assert released == (
        f"Booking {paid.booking_id}'s payout is released: it will be paid on its normal date, "
        "Sat 28 Nov 2026, 10:00 (UTC), once the advisor can receive payouts."
    )
    async with env.db.uow() as uow:
        purchase = await uow.session.scalar(select(Purchase))
        assert purchase is not None and purchase.payout_state == "held"


async def test_a_payout_date_is_written_in_the_team_language(env: Env) -> None:
    env.bot.settings = env.settings.model_copy(update={"team_language": "es"})
    paid = await advisor_on_discord(env)
    await slash(env, "admin", ADMIN, payout("hold", paid.booking_id))
    [(released, _)] = await slash(env, "admin", ADMIN, payout("release", paid.booking_id))
    assert released == (
        f"El pago al asesor de la reserva {paid.booking_id} está liberado: se pagará en su "
        "fecha habitual, sáb 28 de nov de 2026, 10:00 (UTC), cuando el asesor pueda recibir pagos."
    )


async def test_a_goodwill_refund_is_told_to_the_team_in_its_language_and_format(
    env: Env,
) -> None:
    env.bot.settings = env.settings.model_copy(update={"team_language": "es"})
    paid = await advisor_on_discord(env)
    [(part, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "20"))
    assert part.startswith("Se han reembolsado 20,00\xa0US$ de la reserva")
    assert part.endswith(
        "Aún reembolsable: 40,00\xa0US$ (la comisión de gestión de 3,49\xa0US$ nunca se reembolsa)."
    )


async def test_a_spanish_team_refunds_everything_left_with_todo(env: Env) -> None:
    env.bot.settings = env.settings.model_copy(update={"team_language": "es"})
    paid = await advisor_on_discord(env)
    [(bad, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "casi todo"))
    assert bad == (
        "'casi todo' no es un importe. Escríbelo en cifras, por ejemplo 20 o 12.50, o escribe "
        "todo para reembolsar todo lo que queda."
    )
    [(part, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "10"))
    assert part.startswith("Se han reembolsado 10,00\xa0US$ de la reserva")
    [(rest, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "Todo"))
    assert rest.startswith("Se han reembolsado 50,00\xa0US$ de la reserva")
    assert [r.amount_minor for r in await _refunds(env)] == [1000, 5000]


async def test_the_english_word_for_everything_is_understood_in_any_team_language(
    env: Env,
) -> None:
    env.bot.settings = env.settings.model_copy(update={"team_language": "es"})
    paid = await advisor_on_discord(env)
    [(rest, _)] = await slash(env, "admin", ADMIN, refund(paid.booking_id, "all"))
    assert rest.startswith("Se han reembolsado 60,00\xa0US$ de la reserva")
