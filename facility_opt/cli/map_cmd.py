"""`facility-opt map`: draw the city map and one map per county of a results folder."""

from __future__ import annotations

from pathlib import Path

from facility_opt.errors import InputError
from facility_opt.scenario.tables import did_you_mean


def run_map(results_dir: Path, out: Path | None = None, county: str | None = None) -> int:
    """CLI: draw the maps (PNG and SVG) and list them with what the city map shows."""
    from facility_opt.report.maps import counties, map_data, write_maps

    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise InputError.one("command line", "RESULTS_DIR", str(results_dir),
                             "a results folder of facility-opt solve, simulate or plan")
    if county is not None:
        known = counties(results_dir)
        if county not in known:
            raise InputError.one("command line", "--county", county, "one of " + ", ".join(known)
                                 + did_you_mean(county, known))
    out_dir = Path(out) if out is not None else results_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError.one("command line", "-o", str(out_dir), "a folder (it is a file)")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = map_data(results_dir, county)
    paths = write_maps(results_dir, out_dir, county=county)
    where = county or "city"
    line = f"{where}, {data.year}: {data.count('effective', 'covered')} of {len(data.communities)} " \
           "communities covered"
    if data.effective_known:
        line += f", {data.count('effective')} effectively"
    funded = [p for p in data.projects if p.funded]
    line += f"; {len(funded)} funded {'project' if len(funded) == 1 else 'projects'} on the map"
    print(line)
    print(f"maps: {len(paths) // 2} ({', '.join(sorted({p.suffix[1:] for p in paths}))}) in {out_dir}")
    for p in paths:
        if p.suffix == ".png":
            print(f"  {p}")
    return 0
