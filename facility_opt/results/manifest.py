"""manifest.json of a shared results folder: every command that wrote there, in order.

A results folder is a workspace: `solve`, then `simulate --portfolio …/selection.csv`, then
`annex` may all use one folder, each replacing only its own files. The manifest keeps

- the keys of the latest command at the top level (tool, version, command line, scenario and
  inputs, solver, seed, replications, start and end: the contract's row), except that `files`
  holds the sha256 of every results file now in the folder, whoever wrote it;
- `runs`: each command's own record, oldest first, with the files it wrote;
- `written_by`: for each file now in the folder, the index in `runs` of the command that wrote it;
- `mismatches`: pairs of commands whose files now sit side by side although they were computed
  from different inputs (a scenario file with another sha256, or another portfolio), so nobody
  mixes them silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PORTFOLIO = "portfolio"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def history(previous: Mapping[str, Any] | None, folder: Path) -> tuple[list[dict], dict[str, int]]:
    """(runs, written_by) of a folder's manifest, limited to files that still exist. A manifest
    of one command written before runs were kept counts as one run."""
    if not previous:
        return [], {}
    if isinstance(previous.get("runs"), list):
        runs = [dict(r) for r in previous["runs"] if isinstance(r, dict)]
        owners = {str(f): int(i) for f, i in (previous.get("written_by") or {}).items()
                  if isinstance(i, int) and 0 <= i < len(runs)}
    else:
        runs = [{k: v for k, v in previous.items() if k not in ("runs", "written_by", "mismatches")}]
        owners = {str(f): 0 for f in (previous.get("files") or {})}
    return runs, {f: i for f, i in owners.items() if (folder / f).is_file()}


def selection_sha(run: Mapping[str, Any]) -> str | None:
    """The sha256 of the portfolio a run worked on: the selection it was given, or the one it
    wrote."""
    given = ((run.get("inputs") or {}).get(PORTFOLIO) or {}).get("sha256")
    if given:
        return str(given)
    own = (run.get("files") or {}).get("selection.csv")
    return str(own) if own else None


def _differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    reasons = []
    ia, ib = a.get("inputs") or {}, b.get("inputs") or {}
    if a.get("scenario") and b.get("scenario") and a["scenario"] != b["scenario"]:
        reasons.append(f"scenario {a['scenario']} vs {b['scenario']}")
    for role in sorted(set(ia) & set(ib) - {PORTFOLIO}):
        sa, sb = (ia[role] or {}).get("sha256"), (ib[role] or {}).get("sha256")
        if sa and sb and sa != sb:
            reasons.append(f"{role} input {(ib[role] or {}).get('path', role)} changed "
                           f"(sha256 {sa[:12]}… then {sb[:12]}…)")
    pa, pb = selection_sha(a), selection_sha(b)
    if pa and pb and pa != pb:
        reasons.append(f"another portfolio (selection sha256 {pa[:12]}… then {pb[:12]}…)")
    return reasons


def mismatches(runs: list[Mapping[str, Any]], owners: Mapping[str, int]) -> list[dict[str, Any]]:
    """Every pair of commands whose files now share the folder but came from different inputs."""
    current = sorted(set(owners.values()))
    out = []
    for k, i in enumerate(current):
        for j in current[k + 1:]:
            reasons = _differences(runs[i], runs[j])
            if not reasons:
                continue
            fi = sorted(f for f, o in owners.items() if o == i)
            fj = sorted(f for f, o in owners.items() if o == j)
            out.append({
                "earlier": {"run": i, "command": runs[i].get("command"),
                            "ended": runs[i].get("ended"), "files": fi},
                "later": {"run": j, "command": runs[j].get("command"),
                          "ended": runs[j].get("ended"), "files": fj},
                "reasons": reasons,
                "message": (f"{runs[j].get('command')} ({runs[j].get('ended')}) used other inputs "
                            f"than {runs[i].get('command')} ({runs[i].get('ended')}), whose "
                            f"{', '.join(fi)} remain: " + "; ".join(reasons)),
            })
    return out


def merged(previous: Mapping[str, Any] | None, folder: Path, run: dict[str, Any],
           replaced_same_command: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The folder's manifest once `run` has written its files, and the files of earlier runs of
    the same command that `run` did not write again (stale: to delete)."""
    runs, owners = history(previous, folder)
    new = len(runs)
    runs.append(run)
    stale = []
    if replaced_same_command:
        stale = sorted(f for f, i in owners.items()
                       if runs[i].get("command") == run.get("command") and f not in run["files"])
    for f in stale:
        del owners[f]
    for f in run["files"]:
        owners[f] = new
    files = {f: runs[i]["files"].get(f) for f, i in sorted(owners.items())}
    top = {k: v for k, v in run.items() if k != "files"}
    top.update({"files": files, "runs": runs, "written_by": dict(sorted(owners.items())),
                "mismatches": mismatches(runs, owners)})
    return top, stale
