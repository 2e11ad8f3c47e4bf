"""`facility-opt map`: draw the city map and one map per county of a results folder."""

from __future__ import annotations

import json
from pathlib import Path

from facility_opt.errors import InputError
from facility_opt.scenario.tables import did_you_mean

MAP_INPUTS = ("sites.csv", "selection.csv", "community_load.csv", "scenario.json", "reach.csv",
              "manifest.json")


def _refuse_foreign_folder(out: Path) -> None:
    """-o must not name a folder another command wrote (the maps folder replaces it whole)."""
    path = out / "manifest.json"
    if not path.is_file():
        return
    try:
        command = json.loads(path.read_text(encoding="utf-8")).get("command")
    except (ValueError, UnicodeDecodeError, AttributeError):
        command = None
    if command != "map":
        raise InputError.one(str(out), "-o", str(out), "a folder of the maps' own (this one holds "
                             f"the manifest.json of {command or 'another run'}; the default is "
                             "RESULTS_DIR/maps/)")


def run_map(results_dir: Path, out: Path | None = None, county: str | None = None) -> int:
    """CLI: draw the maps (PNG and SVG) into their own folder (default RESULTS_DIR/maps/, with
    its manifest.json), and say what the map shows."""
    from facility_opt.report.maps import counties, map_data, write_maps
    from facility_opt.results.folder import ResultsFolder, sha256_file

    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise InputError.one("command line", "RESULTS_DIR", str(results_dir),
                             "a results folder of facility-opt solve, simulate or plan")
    if county is not None:
        known = counties(results_dir)
        if county not in known:
            raise InputError.one("command line", "--county", county, "one of " + ", ".join(known)
                                 + did_you_mean(county, known))
    target = Path(out) if out is not None else results_dir / "maps"
    if target.resolve() == results_dir.resolve():
        raise InputError.one("command line", "-o", str(target), "a folder other than RESULTS_DIR "
                             "(the maps folder is replaced whole; the default is RESULTS_DIR/maps/)")
    _refuse_foreign_folder(target)
    data = map_data(results_dir, county)
    with ResultsFolder(target, "map") as folder:
        drawn = write_maps(results_dir, folder.path, county=county)
        folder.manifest.update({
            "results_dir": str(results_dir), "county": county, "year": data.year,
            "inputs": {n: {"path": n, "sha256": sha256_file(results_dir / n)}
                       for n in MAP_INPUTS if (results_dir / n).is_file()}})
    paths = [target / p.name for p in drawn]
    where = county or "city"
    line = f"{where}, {data.year}: {data.count('effective', 'covered')} of {len(data.communities)} " \
           "communities covered"
    if data.effective_known:
        line += f", {data.count('effective')} effectively"
    funded = [p for p in data.projects if p.funded]
    line += f"; {len(funded)} funded {'project' if len(funded) == 1 else 'projects'} on the map"
    print(line)
    print(f"maps: {len(paths) // 2} (png, svg) in {target}")
    for p in paths:
        if p.suffix == ".png":
            print(f"  {p}")
    return 0
