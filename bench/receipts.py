"""Receipt speed and size: milliseconds and bytes per PDF, next to fpdf2's own floor.

``python -m bench.receipts [N]`` prints a table; ``run(n)`` returns the numbers. The floor
is a page with one line of text in the same font: what any fpdf2 document with an embedded
TrueType font costs, before a receipt adds anything.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fpdf import FPDF

from core.money import Money
from core.receipts import (
    FONT_DIR,
    CreditNoteData,
    PaymentMethod,
    ReceiptData,
    ReceiptFonts,
    ReceiptLine,
    render_credit_note,
    render_receipt,
)

# The floor uses the same file and family as the sample receipt's text font.
TEXT_FONT_FILE = FONT_DIR / "DejaVuSans-Basic.ttf"
WARMUP = 2


def sample_receipt(sequence: int, buyer_name: str = "Zoë Łukasz") -> ReceiptData:
    """A typical receipt: one session, the handling fee, paid by card."""
    return ReceiptData(
        number=f"R-2026-{sequence:06d}",
        issued_at=datetime(2026, 3, 3, 14, 5, tzinfo=UTC),
        platform_name="Pathwise",
        platform_address="Pathwise Advice Ltd, 1 Example Street, Springfield",
        buyer_name=buyer_name,
        advisor_name="Dr. Ana Ruiz",
        lines=[
            ReceiptLine(
                "60-minute live session with Dr. Ana Ruiz",
                Money(8000, "USD"),
                "service",
                refundable=True,
                detail="Tuesday, March 10, 2026, 3:00 PM EST",
            ),
            ReceiptLine("Handling fee", Money(349, "USD"), "fee", refundable=False),
        ],
        currency="USD",
        payment_method=PaymentMethod("visa", "4242"),
        stripe_reference="pi_3PqXyZ2eZvKYlo2C1a2b3c4d",
        guarantee_hours=72,
        locale="en_US",
        timezone="America/New_York",
    )


def sample_credit_note(sequence: int) -> CreditNoteData:
    """The credit note refunding :func:`sample_receipt`'s session."""
    receipt = sample_receipt(sequence)
    return CreditNoteData(
        number=f"CN-2026-{sequence:06d}",
        original_receipt_number=receipt.number,
        issued_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
        platform_name=receipt.platform_name,
        platform_address=receipt.platform_address,
        buyer_name=receipt.buyer_name,
        advisor_name=receipt.advisor_name,
        refunded=[receipt.lines[0]],
        kept=[receipt.lines[1]],
        currency="USD",
        stripe_reference="re_3PqXyZ2eZvKYlo2C0abc",
        reason="Money-back guarantee",
    )


def floor_page(fonts: ReceiptFonts | None = None) -> bytes:
    """One line of text in the receipts' text font, on a fresh FPDF."""
    pdf = FPDF()
    if fonts is None:
        pdf.add_font("DejaVuSans", "", TEXT_FONT_FILE)
    else:
        from core.receipts.fonts import (
            _BASIC_TEXT_FONTS,  # the bench may look inside; callers may not
        )

        fonts[_BASIC_TEXT_FONTS[0]].install(pdf)
    pdf.add_page()
    pdf.set_font("DejaVuSans", size=12)
    pdf.cell(text="Total $83.49 USD")
    return bytes(pdf.output())


def core_font_page() -> bytes:
    """One line in Helvetica, which PDF readers supply: no font embedded at all."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Total $83.49 USD")
    return bytes(pdf.output())


def measure(render: Callable[[int], bytes], n: int) -> dict[str, float]:
    """Median, p95 and mean milliseconds and mean bytes of ``n`` renders."""
    for i in range(WARMUP):
        render(i + 1)
    times: list[float] = []
    sizes: list[int] = []
    for i in range(n):
        start = time.perf_counter()
        pdf = render(i + 1)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(pdf))
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(times),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "mean_ms": statistics.fmean(times),
        "bytes": statistics.fmean(sizes),
    }


def run(n: int = 50) -> dict[str, dict[str, float]]:
    """The figures for each case, ``n`` renders each (a fifth of that for CJK names)."""
    start = time.perf_counter()
    fonts = ReceiptFonts()
    load_ms = (time.perf_counter() - start) * 1000
    few = max(3, n // 5)
    return {
        "fonts_load": {"median_ms": load_ms, "p95_ms": load_ms, "mean_ms": load_ms, "bytes": 0},
        "receipt": measure(lambda i: render_receipt(sample_receipt(i), fonts), n),
        "receipt_unshared_fonts": measure(lambda i: render_receipt(sample_receipt(i)), n),
        "receipt_cyrillic_name": measure(
            lambda i: render_receipt(sample_receipt(i, "Анна Петрова"), fonts), n
        ),
        "receipt_cjk_name": measure(
            lambda i: render_receipt(sample_receipt(i, "Zoë Łukasz 李雷"), fonts), few
        ),
        "credit_note": measure(lambda i: render_credit_note(sample_credit_note(i), fonts), n),
        "floor_same_font": measure(lambda i: floor_page(), n),
        "floor_same_font_shared": measure(lambda i: floor_page(fonts), n),
        "floor_core_font": measure(lambda i: core_font_page(), n),
    }


def main(argv: list[str]) -> None:
    """Print the table; the first argument is N (default 50)."""
    n = int(argv[0]) if argv else 50
    print(f"PDF receipts, {n} renders per case (fonts shared unless noted)")
    print(f"{'case':<24} {'median ms':>10} {'p95 ms':>8} {'KB':>7}")
    for case, row in run(n).items():
        size = f"{row['bytes'] / 1024:>7.1f}" if row["bytes"] else f"{'':>7}"
        print(f"{case:<24} {row['median_ms']:>10.1f} {row['p95_ms']:>8.1f} {size}")


if __name__ == "__main__":
    main(sys.argv[1:])
