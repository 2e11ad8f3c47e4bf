"""Small scenario folders the tests build, in one place: the valid mini scenario copied into a
temporary folder, a scenario written from a TOML text and its tables, and the three-community
simulate scenario that simulate and futures tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

#: The valid mini scenario (scenario.toml + tables) the bad-input cases are variations of.
MINI = Path(__file__).resolve().parent / "bad_inputs" / "_valid"


def copy_mini(root: Path, name: str = "mini") -> Path:
    """A copy of the mini scenario in `root/name`; returns its scenario.toml."""
    shutil.copytree(MINI, root / name)
    return root / name / "scenario.toml"


def write_scenario(folder: Path, toml: str, *, toml_name: str = "scenario.toml",
                   **tables: str) -> Path:
    """`folder` (created) holding `toml_name` with `toml` and one `<name>.csv` per keyword
    (text as given, UTF-8); returns the TOML file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = folder / toml_name
    path.write_text(toml, encoding="utf-8")
    return path


# -- the three-community simulate scenario (simulate and futures) --------------------------------
SIM_SCENARIO = """
name = "mini"
[horizon]
base_year = 2021
years = [2022, 2023]
[budget]
annual = { 2022 = 100, 2023 = 100 }
[data]
candidates = "candidates.csv"
communities = "communities.csv"
centres = "centres.csv"
[daycare]
visits_per_elderly_per_day = 0.03
reach_km = 1.0
[population]
urbanisation = { 2021 = 0.55, 2023 = 0.60 }
[simulation]
replications = 4
seed = 99
sampled_days = 3
"""
SIM_CANDIDATES = """id,name,kind,cost,community_id,daycare_places
P1,K2 centre,daycare,60,K2,12
P2,K0 hall,renovation,40,K0,0
"""
SIM_COMMUNITIES = """id,name,county,type,households,population,elderly,x_km,y_km
K0,K0,A,city,1000,3000,600,0,0
K1,K1,A,city,900,2800,500,0.8,0
K2,K2,B,town,700,2000,400,5,0
"""
SIM_CENTRES = """id,community_id,places
D0,K0,8
D1,K1,5
"""
#: P1 funded from 2022, P2 not: the portfolio the simulate and futures tests pass as --portfolio
SIM_SELECTION = ("id,name,kind,selected,start_year,cost\nP1,K2 centre,daycare,1,2022,60\n"
                 "P2,K0 hall,renovation,0,,40\n")


def write_sim_mini(folder: Path, extra_toml: str = "") -> Path:
    """The simulate scenario as `folder/mini.toml` (plus `extra_toml`), its tables and
    `selection.csv`; returns `folder`."""
    write_scenario(folder, SIM_SCENARIO + extra_toml, toml_name="mini.toml",
                   candidates=SIM_CANDIDATES, communities=SIM_COMMUNITIES, centres=SIM_CENTRES,
                   selection=SIM_SELECTION)
    return folder
