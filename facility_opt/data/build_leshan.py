"""Build the Leshan reference data: communities, day-care centres and candidate projects.

The tables are a *synthetic but calibrated* picture of Leshan (乐山市, Sichuan) in 2020, made so
that the 14th Five-Year Plan's questions can be asked of them: which of the 40 renovations and
10 service complexes to fund, and whether the ≥ 90 % day-care coverage target is met. Counts and
totals come from the plan and the 2020 census; everything else (positions, sizes, facility areas,
centre places, costs) is drawn from documented assumptions. `facility_opt/data/leshan/README.md`
states, figure by figure, which is which. Names are synthetic: no row is a real community.

Run ``python -m facility_opt.data.build_leshan`` to rebuild the CSVs in place (byte for byte:
one seeded ``numpy.random.Generator``, fixed text formatting), or ``--out DIR`` to write elsewhere.

Source labels: [S#] and §# refer to the domain facts collected for this data, "plan 三(一)1" and
"专栏1" to sections of the Leshan 14th Five-Year urban–rural community plan; [A] marks an
assumption, [K] general knowledge not verified against a source.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facility_opt.data.leshan_places import LESHAN_DIR, REACH_KM, SEED, build_communities
from facility_opt.data.leshan_sites import (
    _choose_uncovered,
    _within,
    _xy,
    build_candidates,
    build_centres,
    facility_coverage,
)

# --- output ------------------------------------------------------------------------------------

COMMUNITY_HEADER = ["id", "name", "county", "type", "households", "population", "elderly",
                    "x_km", "y_km", "facility_area_m2"]
CENTRE_HEADER = ["id", "community_id", "places", "x_km", "y_km"]
CANDIDATE_HEADER = ["id", "name", "kind", "cost", "score", "county", "community_id", "area_m2",
                    "daycare_places", "build_years", "earliest_start", "latest_start",
                    "must_fund", "exclusive_group", "requires"]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@dataclass(frozen=True)
class LeshanData:
    """The three tables as CSV text, plus the 2020 coverage figures the README quotes."""

    communities_csv: str
    centres_csv: str
    candidates_csv: str


def build() -> LeshanData:
    """Generate every table from the fixed seed (no files written)."""
    rng = np.random.default_rng(SEED)
    comms = build_communities(rng)
    gaps = _choose_uncovered(rng, comms)
    centres = build_centres(rng, comms, gaps)
    # the gaps as they really are (a community is a gap when no centre stands within reach)
    covered = _within(_xy(comms), _xy(centres), REACH_KM).any(axis=1)
    real_gaps = {c.id for c, cov in zip(comms, covered, strict=True) if not cov}
    cands = build_candidates(rng, comms, real_gaps)
    communities_csv = _csv(COMMUNITY_HEADER, [
        [c.id, c.name, c.county.name, c.type, str(c.households), str(c.population),
         str(c.elderly), f"{c.x:.3f}", f"{c.y:.3f}", f"{c.facility_area_m2:.0f}"]
        for c in comms])
    centres_csv = _csv(CENTRE_HEADER, [
        [ce.id, ce.community.id, str(ce.places), f"{ce.x:.3f}", f"{ce.y:.3f}"]
        for ce in centres])
    candidates_csv = _csv(CANDIDATE_HEADER, [
        [k.id, k.name, k.kind, f"{k.cost:.2f}", f"{k.score:.1f}", k.community.county.name,
         k.community.id, f"{k.area_m2:.0f}", str(k.daycare_places), str(k.build_years),
         str(k.earliest_start), str(k.latest_start), "1" if k.must_fund else "0",
         k.exclusive_group, k.requires]
        for k in cands])
    return LeshanData(communities_csv, centres_csv, candidates_csv)


def write(out_dir: Path = LESHAN_DIR) -> dict[str, Path]:
    """Write communities.csv, centres.csv and candidates.csv (UTF-8, `\\n`) into out_dir."""
    data = build()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "communities": out_dir / "communities.csv",
        "centres": out_dir / "centres.csv",
        "candidates": out_dir / "candidates.csv",
    }
    for role, text in (("communities", data.communities_csv), ("centres", data.centres_csv),
                       ("candidates", data.candidates_csv)):
        files[role].write_bytes(text.encode("utf-8"))
    return files


def summary(data: LeshanData, reach_km: float = REACH_KM) -> dict[str, float]:
    """The headline figures the README quotes, computed from the CSV text: 2020 facility
    coverage, coverage if every candidate with day-care places were built, total candidate
    cost (万元) and total places."""
    def rows(text: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(text)))

    comms, centres, cands = rows(data.communities_csv), rows(data.centres_csv), \
        rows(data.candidates_csv)
    pos = {r["id"]: (float(r["x_km"]), float(r["y_km"])) for r in comms}
    cxy = np.array(list(pos.values()))
    sites = np.array([[float(r["x_km"]), float(r["y_km"])] for r in centres])
    new = np.array([pos[r["community_id"]] for r in cands if int(r["daycare_places"]) > 0])
    return {
        "facility_coverage_2020": facility_coverage(cxy, sites, reach_km),
        "facility_coverage_all_candidates": facility_coverage(cxy, np.vstack([sites, new]),
                                                              reach_km),
        "candidate_cost_total": round(sum(float(r["cost"]) for r in cands), 2),
        "places_total": float(sum(int(r["places"]) for r in centres)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m facility_opt.data.build_leshan",
        description="Rebuild the bundled Leshan reference CSVs (seeded; byte-identical).")
    parser.add_argument("--out", type=Path, default=LESHAN_DIR,
                        help="folder to write into (default: the bundled data folder)")
    args = parser.parse_args(argv)
    for role, path in write(args.out).items():
        print(f"{role}: {path}")
    for key, value in summary(build()).items():
        print(f"{key}: {value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
