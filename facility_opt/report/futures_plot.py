"""The futures on the two inputs that decide them, coloured met / not met (PNG and SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facility_opt.report.plots import _pyplot, _save, plot_labels


def decisive_pair(inputs: Sequence[str], ranking: Sequence[dict[str, Any]],
                  rule_inputs: Sequence[str]) -> tuple[str, ...]:
    """The rule's inputs first, then the best-ranked others: at most two."""
    order = list(dict.fromkeys([*rule_inputs, *(r["input"] for r in ranking), *inputs]))
    return tuple(order[:2])


def draw_futures(rows: Sequence[dict[str, Any]], axes: Sequence[str], stem: Path, *,
                 title: str = "", verdict: str = "", lang: str = "auto") -> list[Path]:
    """Scatter of the futures on `axes` (one or two inputs); a choice input is drawn as
    categories, spread a little so equal points stay visible."""
    labels = plot_labels(lang)
    plt, rc = _pyplot(labels)
    zh = labels.lang == "zh"

    def coords(name: str) -> tuple[list[float], list[str] | None]:
        vals = [r[name] for r in rows]
        if isinstance(vals[0], str):
            cats = sorted(set(vals))
            return [cats.index(v) + ((r["future"] * 0.618) % 1 - 0.5) * 0.3
                    for v, r in zip(vals, rows, strict=True)], cats
        return [float(v) for v in vals], None

    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.0, 5.0))
        x, xcats = coords(axes[0])
        if len(axes) > 1:
            y, ycats = coords(axes[1])
        else:
            y, ycats = [((r["future"] * 0.618) % 1) for r in rows], None
        met = [bool(r["met"]) for r in rows]
        for flag, colour, name in ((True, "#2a7f3f", "达标 met" if zh else "met"),
                                   (False, "#c0392b", "未达标 not met" if zh else "not met")):
            xs = [a for a, m in zip(x, met, strict=True) if m == flag]
            ys = [b for b, m in zip(y, met, strict=True) if m == flag]
            ax.scatter(xs, ys, s=28, c=colour, marker="o" if flag else "x", label=name)
        ax.set_xlabel(axes[0])
        if xcats:
            ax.set_xticks(range(len(xcats)), xcats)
        if len(axes) > 1:
            ax.set_ylabel(axes[1])
            if ycats:
                ax.set_yticks(range(len(ycats)), ycats)
        else:
            ax.set_yticks([])
        ax.legend(loc="best", frameon=False)
        ax.set_title((title + "\n" if title else "") + verdict, fontsize=9)
        paths = _save(fig, stem)
        plt.close(fig)
    return paths
