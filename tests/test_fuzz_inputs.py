"""Property-based fuzzing of loading: random mutations of a valid scenario and of its tables
either load or fail with InputError (one line per problem, naming a file) — never another
exception, which would reach the planner as a traceback."""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facility_opt.errors import InputError
from facility_opt.scenario import load_scenario, scenario_from_tables, toml_value
from facility_opt.scenario.schema import SCENARIO_KEYS
from facility_opt.scenario.tables import read_table

VALID = Path(__file__).resolve().parent / "bad_inputs" / "_valid"
BASE_SETTINGS = tomllib.loads((VALID / "scenario.toml").read_text(encoding="utf-8"))
TABLE_TEXT = {role: (VALID / f"{role}.csv").read_text(encoding="utf-8")
              for role in ("candidates", "communities", "centres")}
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# keys that exist (so deleting or retyping them hits real validation paths) and a few that do not
KEY_PATHS = sorted({tuple(f.key.split(".")) for f in SCENARIO_KEYS if f.key != "extends"}
                   | {("budget", "annual", "2023"), ("targets", "min_count", "complex"),
                      ("horizon",), ("budget",), ("daycare",), ("nosuch",), ("budget", "anual")})

scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(), st.text(max_size=8), st.booleans(),
                    st.sampled_from([2022, 2025, 2031, 0, -1, "2022", "benefit", "score"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(min_size=1, max_size=6),
                              st.sampled_from(["2022", "2023", "complex", "town"])),
                    inner, max_size=3)), max_leaves=6)
mutations = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from(KEY_PATHS), st.none()),
    st.tuples(st.just("set"), st.sampled_from(KEY_PATHS), values),
)


def _apply(settings_: dict[str, Any], op: str, path: tuple[str, ...], value: Any) -> None:
    node: Any = settings_
    for part in path[:-1]:
        if not isinstance(node, dict):
            return
        if op == "set" and not isinstance(node.get(part), dict):
            node[part] = {}
        node = node.get(part)
    if not isinstance(node, dict):
        return
    if op == "delete":
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def _check_error(err: InputError) -> None:
    text = str(err)
    assert text.strip(), "an InputError without a message"
    assert "Traceback" not in text
    for problem in err.problems:
        assert problem.file, problem
        assert "\n" not in str(problem), f"a message over several lines: {problem!s}"


def _rows(role: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(TABLE_TEXT[role])))


def _toml_text(doc: dict[str, Any]) -> str:
    """The mutated settings as a TOML file: scalars first, then one [table] per section."""
    top = [f"{toml_value(k) if not k.isidentifier() else k} = {toml_value(v)}"
           for k, v in doc.items() if not isinstance(v, dict)]
    parts = ["\n".join(top)]
    for k, v in doc.items():
        if isinstance(v, dict):
            body = "\n".join(f"{toml_value(str(sk))} = {toml_value(sv)}" for sk, sv in v.items())
            parts.append(f"[{toml_value(k)}]\n{body}")
    return "\n\n".join(parts) + "\n"


@FUZZ
@given(st.lists(mutations, min_size=1, max_size=4))
def test_settings_mutations_load_or_raise_input_error(ops) -> None:
    doc = copy.deepcopy(BASE_SETTINGS)
    for op, path, value in ops:
        _apply(doc, op, path, value)
    try:
        sc = scenario_from_tables(doc, _rows("candidates"), _rows("communities"),
                                  _rows("centres"))
    except InputError as err:
        _check_error(err)
    else:
        assert sc.years and set(sc.budget.annual) == set(sc.years)


@FUZZ
@given(st.lists(mutations, min_size=1, max_size=3))
def test_mutated_toml_files_load_or_raise_input_error(ops) -> None:
    doc = copy.deepcopy(BASE_SETTINGS)
    doc["data"] = {role: (VALID / f"{role}.csv").as_posix() for role in TABLE_TEXT}
    for op, path, value in ops:
        _apply(doc, op, path, value)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "scenario.toml"
        p.write_text(_toml_text(doc), encoding="utf-8")
        try:
            load_scenario(p)
        except InputError as err:
            _check_error(err)


@FUZZ
@given(st.data())
def test_toml_text_corruption_loads_or_raises_input_error(data) -> None:
    text = (VALID / "scenario.toml").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        text = text[:i] + data.draw(st.text(max_size=6)) + text[j:]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "scenario.toml"
        p.write_text(text.replace('"candidates.csv"', f'"{VALID.as_posix()}/candidates.csv"'),
                     encoding="utf-8")
        try:
            load_scenario(p)
        except InputError as err:
            _check_error(err)


cell_text = st.one_of(st.text(max_size=10), st.sampled_from(
    ["", "-1", "nan", "inf", "1e309", "2.5", "0", "2021", "2099", "C9", "R1;R1", "X1", "是",
     '"', "a,b", "\n", "1;2", "Renovation", "city", "TRUE"]))
csv_ops = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 8), st.integers(0, 20), cell_text),
    st.tuples(st.just("drop_column"), st.integers(0, 20), st.none(), st.none()),
    st.tuples(st.just("garbage_line"), st.integers(0, 8), st.none(), st.text(max_size=30)),
    st.tuples(st.just("bytes"), st.integers(0, 2000), st.none(), st.binary(max_size=8)),
    st.tuples(st.just("delimiter"), st.none(), st.none(), st.sampled_from([";", "\t", "|"])),
    st.tuples(st.just("truncate"), st.integers(0, 2000), st.none(), st.none()),
    st.tuples(st.just("encode"), st.none(), st.none(), st.sampled_from(["gb18030", "utf-8-sig"])),
)


def _mutate_csv(text: str, ops) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    data: bytes | None = None
    encoding = "utf-8"
    for op, a, b, c in ops:
        if data is not None and op in ("cell", "drop_column", "garbage_line", "delimiter"):
            continue  # once bytes are broken, only byte-level mutations apply
        if op == "cell" and rows:
            r = rows[a % len(rows)]
            if r:
                r[b % len(r)] = c
        elif op == "drop_column":
            rows = [[x for k, x in enumerate(r) if k != a] for r in rows]
        elif op == "garbage_line":
            rows.insert(a % (len(rows) + 1), [c])
        elif op == "delimiter":
            buf = io.StringIO()
            csv.writer(buf, delimiter=c, lineterminator="\n").writerows(rows)
            data = buf.getvalue().encode(encoding)
        elif op == "encode":
            encoding = c
        else:
            if data is None:
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                data = buf.getvalue().encode(encoding, errors="replace")
            if op == "bytes":
                data = data[: a % (len(data) + 1)] + c + data[a % (len(data) + 1):]
            elif op == "truncate":
                data = data[: a % (len(data) + 1)]
    if data is None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        data = buf.getvalue().encode(encoding, errors="replace")
    return data


@FUZZ
@given(st.sampled_from(sorted(TABLE_TEXT)), st.lists(csv_ops, min_size=1, max_size=4))
def test_csv_mutations_load_or_raise_input_error(role: str, ops) -> None:
    data = _mutate_csv(TABLE_TEXT[role], ops)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{role}.csv").write_bytes(data)
        scenario = Path(tmp) / "scenario.toml"
        scenario.write_text(f'extends = "{(VALID / "scenario.toml").as_posix()}"\n'
                            f'name = "fuzz"\n[data]\n{role} = "{role}.csv"\n', encoding="utf-8")
        try:
            sc = load_scenario(scenario)
        except InputError as err:
            _check_error(err)
        else:
            assert sc.candidates  # a loaded scenario always has candidates


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes_read_or_raise_input_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"t{suffix}"
        p.write_bytes(data)
        try:
            table = read_table(p)
        except InputError as err:
            _check_error(err)
        else:
            assert all(len(r.cells) == len(table.columns) for r in table.rows)
