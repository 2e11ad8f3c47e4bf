"""Maps of a results folder: where the money goes and which communities stay uncovered.

In two steps, as in `facility_opt.report.plots`: `map_data` turns the results folder's files into
a `MapData` record — exactly what is drawn, so a test can hold it against the CSVs — and
`draw_map` draws it (matplotlib, imported only then) as PNG and SVG.

What the files say, and where each mark comes from:
- positions (km): `sites.csv` (communities, existing centres, candidates at their community);
- coverage in the target year: `community_load.csv` (`within_reach`, and `effectively_covered`
  when the simulation judged effective coverage); without it (a solve only), plain coverage is
  recomputed from the positions with `daycare.reach_km` — the same distance rule as the model —
  and is unknown when a travel table decides reach;
- funded projects and their start years: `selection.csv`; settings: `scenario.json`;
- reach: circles of `daycare.reach_km` around every centre serving in the target year, or, when a
  travel table decides reach, links from each community to the sites that reach it (`reach.csv`
  with `community_id, site_id`, when the results folder holds one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from facility_opt.report.map_data import (  # noqa: F401  (re-exported: maps.map_data, …)
    REACH_TOLERANCE_KM,
    MapCommunity,
    MapData,
    MapSite,
    counties,
    map_data,
)
from facility_opt.report.plots import Labels, _pyplot, _save, plot_labels

STATUS_COLOURS = {"effective": "#1a9850", "covered": "#91cf60", "uncovered": "#d73027",
                  "unknown": "#bdbdbd"}
_YEAR_COLOURS = ("#2166ac", "#7b3294", "#e08214", "#b2182b", "#01665e", "#8c510a")

_MAP_TEXT: dict[str, tuple[str, str]] = {
    "map_title": ("{title}\n{year} 年日间照料覆盖", "{title}\nday-care coverage in {year}"),
    "map_county_title": ("{title}\n{county} {year} 年日间照料覆盖",
                         "{title}\n{county}, day-care coverage in {year}"),
    "map_summary": ("覆盖 {covered}/{total} 个社区{eff}", "{covered} of {total} communities covered{eff}"),
    "map_summary_eff": ("，有效覆盖 {n}", ", {n} effectively"),
    "effective": ("有效覆盖的社区 (拒收 ≤ {pct:g}%)",
                  "community effectively covered (≤ {pct:g} % turned away)"),
    "covered": ("覆盖的社区", "community covered"),
    "covered_not_effective": ("覆盖但拒收过多的社区", "community covered, too many turned away"),
    "uncovered": ("未覆盖的社区", "community not covered"),
    "unknown": ("覆盖情况未知 (未仿真)", "coverage not known (not simulated)"),
    "centre": ("现有日间照料中心 (大小 = 床位)", "existing day-care centre (size = places)"),
    "reach": ("服务半径 {km:g} km", "reach {km:g} km"),
    "reach_links": ("出行表中的可达关系", "reach from the travel table"),
    "funded": ("资助项目，{year} 年开工", "funded project, starts {year}"),
    "not_funded": ("未资助的候选项目", "candidate not funded"),
    "places": ("{n} 个床位", "{n} places"),
    "x_km": ("东西向 (km)", "east (km)"),
    "y_km": ("南北向 (km)", "north (km)"),
}


# -- drawing ------------------------------------------------------------------------------------

def map_labels(lang: str = "auto") -> Labels:
    """The plots' labels (same font decision) with the map's texts."""
    base = plot_labels(lang)
    return Labels(base.lang, base.family, {**base.extra, **_MAP_TEXT})


def _size(places: int) -> float:
    """Marker area (points²) proportional to places."""
    return 6.0 + 2.0 * max(0, places)


def draw_map(data: MapData, stem: Path, *, labels: Labels | None = None) -> list[Path]:
    """Draw one map; returns the PNG and SVG paths."""
    labels = labels or map_labels()
    plt, rc = _pyplot(labels)
    with plt.rc_context(rc):
        from matplotlib.collections import LineCollection, PatchCollection
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle

        fig, ax = plt.subplots(figsize=(9.0, 8.0))
        scale = 0.4 if data.county is None else 1.0  # centre markers: smaller on the city map
        pos = {c.id: (c.x_km, c.y_km) for c in data.communities}
        pos.update({s.id: (s.x_km, s.y_km) for s in data.centres + data.projects})
        if data.reach_km is not None:  # one collection: hundreds of patches draw slowly
            circles = [Circle((s.x_km, s.y_km), data.reach_km)
                       for s in data.centres + [p for p in data.projects if p.serves]]
            if circles:
                ax.add_collection(PatchCollection(circles, facecolor="#4575b4", alpha=0.07,
                                                  edgecolor="#4575b4", linewidth=0.4, zorder=1))
        segments = [(pos[cid], pos[sid]) for cid, sid in data.links if cid in pos and sid in pos]
        if segments:
            ax.add_collection(LineCollection(segments, colors="#4575b4", alpha=0.3,
                                             linewidths=0.5, zorder=1))
        handles: list[Any] = []
        for st in ("effective", "covered", "uncovered", "unknown"):
            pts = [c for c in data.communities if c.status == st]
            if not pts:
                continue
            key = "covered_not_effective" if st == "covered" and data.effective_known else st
            text = labels(key, pct=round(100 * (data.max_turned_away or 0), 1)) if st == "effective" \
                else labels(key)
            ax.scatter([c.x_km for c in pts], [c.y_km for c in pts], s=22, c=STATUS_COLOURS[st],
                       edgecolors="#444444", linewidths=0.3, zorder=3)
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=6,
                                  markerfacecolor=STATUS_COLOURS[st], markeredgecolor="#444444",
                                  label=f"{text} ({len(pts)})"))
        if data.centres:
            ax.scatter([s.x_km for s in data.centres], [s.y_km for s in data.centres],
                       s=[_size(s.places) * scale for s in data.centres], marker="s", facecolors="none",
                       edgecolors="#313695", linewidths=0.8, zorder=4)
            handles.append(Line2D([], [], marker="s", linestyle="", markersize=7,
                                  markerfacecolor="none", markeredgecolor="#313695",
                                  label=f"{labels('centre')} ({len(data.centres)})"))
        faint = [p for p in data.projects if not p.funded]
        if faint:
            ax.scatter([p.x_km for p in faint], [p.y_km for p in faint], s=40, marker="^",
                       c="#cccccc", alpha=0.5, edgecolors="none", zorder=2)
            handles.append(Line2D([], [], marker="^", linestyle="", markersize=7, alpha=0.5,
                                  markerfacecolor="#cccccc", markeredgecolor="none",
                                  label=f"{labels('not_funded')} ({len(faint)})"))
        years = sorted({p.start_year for p in data.projects if p.funded and p.start_year is not None})
        for k, y in enumerate(years):
            pts = [p for p in data.projects if p.funded and p.start_year == y]
            colour = _YEAR_COLOURS[k % len(_YEAR_COLOURS)]
            ax.scatter([p.x_km for p in pts], [p.y_km for p in pts],
                       s=[max(60.0, _size(p.places)) for p in pts], marker="*", c=colour,
                       edgecolors="black", linewidths=0.4, zorder=5)
            handles.append(Line2D([], [], marker="*", linestyle="", markersize=11,
                                  markerfacecolor=colour, markeredgecolor="black",
                                  label=f"{labels('funded', year=y)} ({len(pts)})"))
        if data.county is not None:
            _label_projects(ax, [p for p in data.projects if p.funded])
        if data.reach_km is not None and (data.centres or years):
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=9, alpha=0.3,
                                  markerfacecolor="#4575b4", markeredgecolor="#4575b4",
                                  label=labels("reach", km=data.reach_km)))
        elif data.links:
            handles.append(Line2D([], [], color="#4575b4", alpha=0.5, label=labels("reach_links")))
        for n in (10, 30, 60):
            handles.append(Line2D([], [], marker="s", linestyle="", markerfacecolor="none",
                                  markeredgecolor="#313695", markersize=math.sqrt(_size(n) * scale),
                                  label=labels("places", n=n)))
        if data.county is None:
            for k, (name, x, y) in enumerate(data.county_labels, start=1):
                ax.annotate(labels.safe(name, f"county {k}"),
                            (x, y), ha="center", va="center", fontsize=9, alpha=0.75, zorder=7,
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.6})
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(labels("x_km"))
        ax.set_ylabel(labels("y_km"))
        ax.grid(alpha=0.2)
        title = labels.title(data.title, data.name)
        if data.county is None:
            head = labels("map_title", title=title, year=data.year)
        else:
            head = labels("map_county_title", title=title, year=data.year,
                          county=labels.safe(data.county, data.county_tag))
        eff = labels("map_summary_eff", n=data.count("effective")) if data.effective_known else ""
        ax.set_title(head + " · " + labels("map_summary", covered=data.count("effective", "covered"),
                                          total=len(data.communities), eff=eff), fontsize=11)
        # a figure legend (placed beside the axes): saving with a tight box keeps all of it
        fig.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                   bbox_transform=ax.transAxes, frameon=False)
        funded = sorted((p for p in data.projects if p.funded), key=lambda p: p.id)
        if data.county is not None and funded:  # names next to the ids drawn on the map
            lines = [labels.safe(f"{p.id}  {p.name} ({p.start_year})", f"{p.id} ({p.start_year})")
                     for p in funded]
            ax.text(1.02, 0.0, "\n".join(lines), transform=ax.transAxes, fontsize=7, va="bottom",
                    ha="left")
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def _label_projects(ax: Any, projects: list[MapSite]) -> None:
    """Project ids beside their stars; labels that would land on an earlier one move down a
    line, so none overlaps (positions in km, a line is ~2.5 % of the map's height)."""
    if not projects:
        return
    ys = [p.y_km for p in projects]
    xs = [p.x_km for p in projects]
    line = 0.03 * max(1.0, max(ys) - min(ys), max(xs) - min(xs))
    placed: list[tuple[float, float]] = []
    for p in sorted(projects, key=lambda p: (-p.y_km, p.x_km)):
        x, y = p.x_km, p.y_km
        while any(abs(x - a) < 3 * line and abs(y - b) < line for a, b in placed):
            y -= line
        placed.append((x, y))
        ax.annotate(p.id, (p.x_km, p.y_km), xytext=(x + 0.4 * line, y), fontsize=7, zorder=6,
                    arrowprops={"arrowstyle": "-", "color": "#888888", "linewidth": 0.4}
                    if y != p.y_km else None)


def _slug(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "-", name).strip("-") or "county"


def write_maps(results_dir: Path, out_dir: Path | None = None, *, county: str | None = None,
               lang: str = "auto", prefix: str = "map", labels: Labels | None = None,
               workers: int = 1, also: Sequence[Callable[[], list[Path]]] = ()) -> list[Path]:
    """The city map and one map per county (or only `county`'s) of a results folder, as
    `<prefix>_city.png/.svg` and `<prefix>_<county>.png/.svg` in `out_dir` (default: the folder).
    With `workers` > 1 the maps are drawn in that many processes (each map on its own, so the
    files are the same for any worker count). `also`: other figures to draw with them (picklable
    callables returning their paths, e.g. `functools.partial` of a plot function), first, so a
    command's last plots share the maps' processes instead of waiting before them; their paths
    come first in the list returned."""
    results_dir = Path(results_dir)
    out_dir = Path(out_dir) if out_dir is not None else results_dir
    names: list[str | None] = [None, *counties(results_dir)] if county is None else [county]
    jobs: list[Any] = list(also)
    jobs += [(results_dir, name, out_dir / f"{prefix}_{'city' if name is None else _slug(name)}",
              lang, labels) for name in names]
    if workers > 1 and len(jobs) > 1:
        from facility_opt.executor import run_tasks

        what = "drawing maps" + (" and plots" if also else "")
        drawn = run_tasks(_draw_job, jobs, workers=workers, description=what)
    else:
        drawn = [_draw_job(job) for job in jobs]
    return [p for paths in drawn for p in paths]


def _draw_job(job: Any) -> list[Path]:
    if callable(job):
        return list(job())
    results_dir, name, stem, lang, labels = job
    return draw_map(map_data(results_dir, name), stem, labels=labels or map_labels(lang))


def city_map(results_dir: Path, stem: Path, *, lang: str = "auto") -> list[Path]:
    """The city map alone (for the annex): PNG and SVG at `stem`."""
    return draw_map(map_data(results_dir), Path(stem), labels=map_labels(lang))
