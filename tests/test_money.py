"""Money rounded once, to cents, with yearly splits that add up (model/money.py, issue 12)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facility_opt.model.money import cents, fmt_money, split_cents, unit_label


def test_the_issue_s_two_year_project_adds_up() -> None:
    parts = split_cents(Decimal("1326.21"), {2022: 663.105, 2023: 663.105})
    assert parts == {2022: Decimal("663.11"), 2023: Decimal("663.10")}  # ties: the earlier year
    assert sum(parts.values()) == Decimal("1326.21")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=6))
def test_parts_add_up_to_the_rounded_total_and_stay_within_a_cent(tenths_of_a_mill) -> None:
    exact = {i: Decimal(v) / Decimal(10000) for i, v in enumerate(tenths_of_a_mill)}
    total = sum(exact.values(), Decimal(0))
    parts = split_cents(total, exact)
    assert sum(parts.values(), Decimal(0)) == cents(total)
    assert all(abs(parts[k] - exact[k]) < Decimal("0.01") for k in exact)
    assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())


def test_one_formatter_and_one_english_unit() -> None:
    assert fmt_money(2445.835) == "2,445.84"
    assert fmt_money(5000, "万元", compact=True) == "5,000 万元"
    assert fmt_money(1234.5, "万元", lang="en") == "1,234.50 10,000 yuan"
    assert unit_label("万元", "en") == "10,000 yuan" and unit_label("万元", "zh") == "万元"
