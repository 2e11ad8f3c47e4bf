"""The package's shape, as properties a test can fail on: no import circles, imports point down
the pipeline, only `cli/` prints, every public name resolves, every import is declared."""

from __future__ import annotations

import ast
import importlib
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "facility_opt"

# pipeline order: a module may import only from its own stage or an earlier one. `results` (the
# folder and its file contracts) sits low because every stage writes its own files; `draw` is
# report's drawing primitives (plots, fonts, terms), which decide's output writers use; the annex
# reads whole results folders and comes last before the CLI.
STAGES = ["base", "results", "model", "scenario", "solve", "simulate", "draw", "decide", "report",
          "cli"]
DRAW = {"facility_opt.report.plots", "facility_opt.report.fonts", "facility_opt.report.terms",
        "facility_opt.report.setting_terms", "facility_opt.report.map_data",
        "facility_opt.report.maps", "facility_opt.report", "facility_opt.report.plot_data",
        "facility_opt.report.plot_style", "facility_opt.report.plot_draw",
        "facility_opt.report.plot_frontier", "facility_opt.report.futures_plot",
        "facility_opt.report.robust_plot"}
BASE = {"errors", "executor", "progress", "__init__", "plan", "cache"}  # top-level modules
SCRIPTS = {"facility_opt.data.build_leshan", "facility_opt.scenario.reference"}  # `python -m` tools


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _imports(path: Path) -> list[str]:
    """facility_opt modules imported anywhere in the file (top level or inside functions)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("facility_opt"):
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("facility_opt")]
    return found


def _stage(module: str) -> str:
    if module in DRAW:
        return "draw"
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in BASE):
        return "base"
    return parts[1] if parts[1] in STAGES else "base"


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        graph[name] = {m for m in _imports(path) if m in mods and m != name}
    return graph


def test_no_import_circles() -> None:
    graph = _graph()
    # the package roots only re-export lazily; edges into them are not real dependencies
    roots = {"facility_opt", "facility_opt.scenario", "facility_opt.solve", "facility_opt.simulate",
             "facility_opt.plan", "facility_opt.cli"}
    graph = {k: {m for m in v if m not in roots} for k, v in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cycle = stack[stack.index(m):] + [m]
                pytest.fail("import circle: " + " → ".join(cycle))
            if state.get(m) is None:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if state.get(n) is None:
            visit(n)


def test_imports_point_down_the_pipeline() -> None:
    bad = []
    for name, deps in _graph().items():
        if name in SCRIPTS or name == "facility_opt" or name.endswith(".plan") and name.count(".") == 1:
            continue
        mine = STAGES.index(_stage(name))
        for d in deps:
            if d in ("facility_opt",):
                continue
            if STAGES.index(_stage(d)) > mine:
                bad.append(f"{name} imports {d}")
    assert not bad, "imports against the pipeline:\n" + "\n".join(sorted(bad))


def test_only_the_cli_prints() -> None:
    """The library returns typed results; the CLI renders them (stdout and stderr alike)."""
    offenders = []
    for name, path in _modules().items():
        if name.startswith("facility_opt.cli") or name in SCRIPTS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id == "print":
                    offenders.append(f"{name}:{node.lineno} print()")
                elif (isinstance(f, ast.Attribute) and f.attr in ("write", "print")
                      and isinstance(f.value, ast.Attribute) and f.value.attr in ("stdout", "stderr")):
                    offenders.append(f"{name}:{node.lineno} sys.{f.value.attr}.{f.attr}()")
                elif isinstance(f, ast.Name) and f.id == "Console":
                    offenders.append(f"{name}:{node.lineno} rich Console()")
    assert not offenders, "printing outside cli/:\n" + "\n".join(offenders)


@pytest.mark.parametrize("package", ["facility_opt", "facility_opt.scenario", "facility_opt.solve",
                                     "facility_opt.simulate", "facility_opt.plan"])
def test_every_public_name_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    missing = []
    for n in mod.__all__:
        try:
            getattr(mod, n)
        except AttributeError:
            missing.append(n)
    assert not missing, f"{package} lists names it cannot give: {missing}"


def test_every_imported_distribution_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = " ".join(project["dependencies"] + sum(project["optional-dependencies"].values(), []))
    declared = declared.lower().replace("-", "_")
    module_to_dist = {"yaml": "pyyaml", "dask": "dask", "distributed": "dask"}
    stdlib = set(sys.stdlib_module_names)
    missing = set()
    for path in _modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top in stdlib or top == "facility_opt" or top == "__future__":
                    continue
                dist = module_to_dist.get(top, top).lower()
                if dist not in declared:
                    missing.add(top)
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_the_documented_import_gives_functions_even_after_the_subpackages_loaded() -> None:
    """`from facility_opt import load_scenario, solve, simulate` (the README's and notebooks'
    import) must give callables, also once `facility_opt.solve` etc. were imported as packages."""
    import subprocess

    code = ("import facility_opt.solve.status, facility_opt.simulate.engine, facility_opt.decide\n"
            "from facility_opt import load_scenario, plan, simulate, solve\n"
            "print(all(callable(f) for f in (load_scenario, plan, simulate, solve)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


MAX_LINES = 400  # one concept per module; a module past this is two ideas filed together
# Pure data tables may be longer; each entry says why. (None today: keep it short.)
LONG_DATA_MODULES: dict[str, str] = {}


def test_no_module_is_over_the_line_limit() -> None:
    """Every module of facility_opt/ is at most MAX_LINES lines (split along concept lines)."""
    long = {name: len(path.read_text(encoding="utf-8").splitlines())
            for name, path in _modules().items()}
    over = sorted(f"{name}: {n} lines" for name, n in long.items()
                  if n > MAX_LINES and name not in LONG_DATA_MODULES)
    assert not over, (f"modules over {MAX_LINES} lines (split them, one concept per module):\n"
                      + "\n".join(over))
    stale = sorted(name for name in LONG_DATA_MODULES if long.get(name, 0) <= MAX_LINES)
    assert not stale, f"allowed long modules that are no longer long (drop them): {stale}"
