"""Numbers as they are shown and exported: at most four decimals, no trailing zeros, no float noise."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Stored values have at most four decimals (IndicatorValue.number, derived scores); nothing shown needs more.
FOUR_DECIMALS = Decimal("0.0001")


def plain_decimal(value) -> Decimal | None:
    """A Decimal of at most four decimals without trailing zeros: 3.20000000000000 -> 3.2 (what SQLite's SUM of a
    decimal column gives), 6.0000 -> 6, 2.3500 -> 2.35; ``None`` (or anything not a number) -> ``None``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)).quantize(FOUR_DECIMALS, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()
