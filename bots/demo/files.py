"""What the demo leaves behind: the PDFs and the calendar file Zoë received, and the ledger as
CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from bots.demo.world import World
from core.models.billing import LedgerEntry, LedgerTransaction
from core.money import Money


async def write_files(world: World, out: Path, receipts_sent: dict[str, bytes]) -> list[Path]:
    """Zoë's PDFs under ``out/receipts``, her calendar file in ``out`` and the ledger as
    ``out/ledger.csv``."""
    receipts = out / "receipts"
    receipts.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in receipts_sent.items():
        target = (receipts if name.endswith(".pdf") else out) / name
        target.write_bytes(content)
        written.append(target)
    written.append(await _ledger_csv(world, out / "ledger.csv"))
    return written


async def _ledger_csv(world: World, target: Path) -> Path:
    async with world.db.uow() as uow:
        rows = (
            await uow.session.execute(
                select(LedgerTransaction, LedgerEntry)
                .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
                .order_by(LedgerTransaction.id, LedgerEntry.id)
            )
        ).all()
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "transaction",
                    "kind",
                    "purchase_id",
                    "account",
                    "advisor_id",
                    "amount_minor",
                    "currency",
                    "amount",
                ]
            )
            for transaction, entry in rows:
                writer.writerow(
                    [
                        transaction.key,
                        transaction.kind,
                        transaction.purchase_id or "",
                        entry.account,
                        entry.advisor_id or "",
                        entry.amount_minor,
                        entry.currency,
                        Money(entry.amount_minor, entry.currency).format(),
                    ]
                )
    return target
