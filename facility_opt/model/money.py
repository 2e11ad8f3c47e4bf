"""Money as the tool shows it: one rounding, one split, one formatter.

Amounts are in the scenario's unit (default 万元 = 10,000 yuan) and shown to 0.01 of it. They
are rounded once, here, to that cent (`cents`), and every table is built from the rounded values,
so its rows and columns add to its displayed totals exactly — in the console, xlsx, PDF and
Markdown alike. A project whose cost is spread over several years is split by the largest
remainder method (`split_cents`): each year is rounded down to the cent and the cents left over go
to the years with the largest remainders, so the years add up to the project's rounded total,
exactly (663.105 + 663.105 becomes 663.11 + 663.10 = 1,326.21, not 663.11 + 663.11).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

K = TypeVar("K")
CENT = Decimal("0.01")

#: How a unit reads in English (Chinese shows the unit as written).
UNIT_EN = {"元": "yuan", "千元": "1,000 yuan", "万元": "10,000 yuan", "百万元": "million yuan",
           "亿元": "100 million yuan"}


def to_decimal(value: Any) -> Decimal:
    """A float, int, str or Decimal as an exact Decimal (floats through their shortest repr)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(value: Any) -> Decimal:
    """Rounded to 0.01 of the unit, half up (the one rounding of every amount shown)."""
    return to_decimal(value).quantize(CENT, ROUND_HALF_UP)


def split_cents(total: Any, parts: Mapping[K, Any]) -> dict[K, Decimal]:
    """`parts` (exact amounts adding up to `total`) rounded to cents so that they add up to
    `cents(total)` exactly: largest remainder, ties to the earlier key."""
    want = cents(total)
    exact = {k: to_decimal(v) for k, v in parts.items()}
    down = {k: v.quantize(CENT, ROUND_FLOOR) for k, v in exact.items()}
    left = int((want - sum(down.values(), Decimal(0))) / CENT)
    order = sorted(exact, key=lambda k: -(exact[k] - down[k]))  # stable: ties keep key order
    if left < 0:  # parts exceed the total (should not happen): take cents back from the smallest
        order = sorted(exact, key=lambda k: exact[k] - down[k])
    for k in order[:abs(left)]:
        down[k] += CENT if left > 0 else -CENT
    return down


def unit_label(unit: str, lang: str = "zh") -> str:
    """The unit as a language writes it: 万元 in Chinese, "10,000 yuan" in English."""
    return UNIT_EN.get(unit, unit) if lang == "en" else unit


def fmt_money(value: Any, unit: str | None = None, *, lang: str = "zh",
              compact: bool = False) -> str:
    """'1,234.56' (rounded by `cents`), with ' 万元' when a unit is given. `compact` drops '.00'
    of whole amounts (budgets in messages: '5,000 万元')."""
    v = cents(value)
    text = f"{v:,.0f}" if compact and v == v.to_integral_value() else f"{v:,.2f}"
    return f"{text} {unit_label(unit, lang)}" if unit else text


def footed_by_year(projects: Mapping[str, Mapping[int, Any]], years: list[int] | tuple[int, ...]
                   ) -> tuple[dict[str, dict[int, Decimal]], dict[int, Decimal]]:
    """Each project's spend by year split to cents (its years add to its rounded total), and the
    yearly sums of those cents: the one source of every spend-by-year table, so the table foots."""
    split = {pid: split_cents(sum((to_decimal(v) for v in by_year.values()), Decimal(0)),
                              {y: by_year.get(y, 0) for y in years})
             for pid, by_year in projects.items()}
    per_year = {y: sum((s[y] for s in split.values()), Decimal(0)) for y in years}
    return split, per_year


def fmt_bound(value: float) -> str:
    """A budget bound as a MILP row's label writes it ('5,000', '1,234.50', 'inf'): whole amounts
    without decimals, others to 0.01 by float formatting. Not `fmt_money`: the labels were written
    this way before the one rounding (`cents`) existed, they are shown in explanations, and a bound
    may be infinite; changing them would change the files a run writes."""
    if math.isfinite(value) and value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"
