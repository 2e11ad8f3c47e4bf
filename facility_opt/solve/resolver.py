"""The re-solves behind an explanation: a question (raise a year's budget, force a project in or
out), its answer, and the `Resolver` that answers them on one model with one solver session and a
pool of plans found so far (an answer implied by a pooled plan is not solved again). A job of
questions is picklable, so `workers > 1` deals them to processes (`answer_questions`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from facility_opt.model.types import Scenario
from facility_opt.solve.deadline import Deadline
from facility_opt.solve.status import SolveStatus

NOT_IN_TIME = "not computed (time limit)"  # status of a question the command's clock cut off


@dataclass(frozen=True)
class Question:
    """One re-solve: raise a year's budget by `step` ("budget", key = year), or force a
    candidate in or out ("force_in" / "force_out", key = candidate index)."""

    action: str
    key: int
    step: float = 0.0


@dataclass(frozen=True)
class Answer:
    """The objective after the change (None: no plan, or none found in time), how it was
    obtained ("solved" or "implied" by a plan already found) and the solver's status."""

    objective: float | None
    status: str
    gap: float | None
    how: str
    seconds: float = 0.0


@dataclass(frozen=True)
class _Job:
    """Everything a worker process needs to answer its share of the questions (picklable)."""

    scenario: Scenario
    force_in: tuple[str, ...]
    force_out: tuple[str, ...]
    requirements: tuple
    budget_by_year: dict[int, float] | None
    solver: str
    base_values: tuple[float, ...]
    base_objective: float
    time_limit_each: float
    gap: float
    questions: tuple[Question, ...]
    threads: int | None = None
    deadline: Deadline = Deadline()  # the command's clock, shared by every worker


class Resolver:
    """Answers questions about one solved scenario: one model, one solver session, a pool of
    plans feasible for the scenario as given (the solved plan first)."""

    def __init__(self, job: _Job, *, model=None, form=None, pool: list | None = None):
        """`model`/`form`: the job's model already built (threads share it: it is only read);
        `pool`: a list of plans shared with other resolvers of the same job (threads)."""
        from facility_opt.solve import milp
        from facility_opt.solve.solvers import SolverOptions, open_session

        self.job = job
        self.model = model if model is not None else milp.build_model(
            job.scenario, force_in=job.force_in, force_out=job.force_out,
            requirements=job.requirements, budget_by_year=job.budget_by_year)
        self.form = form if form is not None else milp.to_matrix(self.model)
        self.session = open_session(self.form, job.solver)
        self.row_index = {name: r for r, name in enumerate(self.form.row_names)}
        base = np.asarray(job.base_values, dtype=float)
        if len(base) != self.form.num_col:
            raise ValueError("the result does not come from this scenario's model")
        self.base = float(job.base_objective)
        self.tol = 1e-9 * max(1.0, abs(self.base))
        self.options = SolverOptions(time_limit=job.time_limit_each, gap=job.gap,
                                     threads=job.threads, light=True)
        self.n_x = len(self.model.x)
        # (objective, values); the solved plan first. A list shared between threads only grows
        # (append is atomic), so a reader sees a consistent prefix.
        self.pool: list[tuple[float, np.ndarray]] = pool if pool is not None else []
        if not self.pool:
            self.pool.append((self.base, base))
        # candidate index → its start columns
        col = {v.name: j for j, v in enumerate(self.model.columns)}
        self.cols_of = {i: np.array([col[self.model.x[i, o.start].name] for o in opts], dtype=int)
                        for i, opts in enumerate(self.model.options) if opts}

    # -- helpers --
    def _objective(self, values: np.ndarray, solver_objective: float | None) -> float | None:
        """The main objective recomputed from the plan (exact, the same however it was found)."""
        from facility_opt.solve import milp

        if self.model.objective_kind in ("score", "benefit"):
            return milp.evaluate(self.model, milp.chosen_options(self.model, values))
        return solver_objective

    def _selected(self, values: np.ndarray, i: int) -> bool:
        return bool(values[self.cols_of[i]].sum() > 0.5)

    def _solve(self, label: str, warm: np.ndarray | None) -> Answer:
        clock = self.job.deadline
        if clock.expired():
            return Answer(None, NOT_IN_TIME, None, "skipped")
        options = _with_limit(self.options, clock.solve_limit(self.job.time_limit_each))
        out = self.session.solve(options, warm_start=warm, label=label)
        if out.values is None:
            return Answer(None, out.status, None, "solved", out.seconds)
        obj = self._objective(out.values, out.objective)
        gap = 0.0 if out.status == SolveStatus.OPTIMAL else out.gap
        self._last_values = out.values
        return Answer(obj, out.status, gap, "solved", out.seconds)

    # -- questions --
    def answer(self, q: Question) -> Answer:
        self._last_values = None
        if q.action == "budget":
            return self._budget(q)
        return self._force(q)

    def _budget(self, q: Question) -> Answer:
        sc, form, s = self.job.scenario, self.form, self.session
        years = list(sc.years)
        k = years.index(q.key)
        rows = [self.row_index[self.model.budget_rows[z]]
                for z in (years[k:] if sc.budget.carry_over else [q.key])]
        for r in rows:
            s.set_row_bounds(r, form.row_lower[r], form.row_upper[r] + q.step)
        try:
            return self._solve(f"budget {q.key} + {q.step:g}", self.pool[0][1])
        finally:
            for r in rows:
                s.set_row_bounds(r, form.row_lower[r], form.row_upper[r])

    def _force(self, q: Question) -> Answer:
        i, want_in = q.key, q.action == "force_in"
        fits = [(obj, v) for obj, v in list(self.pool) if self._selected(v, i) == want_in]
        if fits:
            obj, warm = max(fits, key=lambda t: t[0])
            if obj >= self.base - self.tol:  # forcing only restricts: the optimum stays
                return Answer(self.base, SolveStatus.OPTIMAL, 0.0, "implied")
        else:
            warm = None
        r = self.row_index[self.model.one_start_row[i]]
        form, s = self.form, self.session
        s.set_row_bounds(r, *((1.0, 1.0) if want_in else (-math.inf, 0.0)))
        try:
            ans = self._solve(f"{q.action} {self.job.scenario.candidates[i].id}", warm)
        finally:
            s.set_row_bounds(r, form.row_lower[r], form.row_upper[r])
        if self._last_values is not None and ans.objective is not None:
            self.pool.append((ans.objective, self._last_values))  # feasible unforced too
        return ans


def answer_questions(job: _Job) -> list[Answer]:
    """Answer a job's questions in order (a worker's task; module level so it pickles)."""
    res = Resolver(job)
    return [res.answer(q) for q in job.questions]


def answer_in_threads(first: Resolver, questions: list[Question], threads: int,
                      advance=lambda: None) -> dict[Question, Answer]:
    """Answer `questions` with `threads` resolvers of `first`'s job running at once, in one
    process: HiGHS releases the GIL while it solves, so threads use the cores without the
    start-up of worker processes (imports, the model built again). Each thread has its own
    solver session (single-threaded HiGHS) on the shared model, takes the next question from
    one queue and shares the pool of plans. Every answer is exact whichever thread finds it,
    so the tables do not depend on the thread count."""
    import queue
    import threading
    from dataclasses import replace

    job = replace(first.job, threads=1)
    first.options = replace(first.options, threads=1)
    # HiGHS sizes its thread scheduler when a run first asks; set the one-thread size now,
    # before any other thread runs, so no later run resets a scheduler in use
    getattr(first.session, "_use_threads", lambda n: None)(1)
    todo: queue.SimpleQueue[Question] = queue.SimpleQueue()
    for q in questions:
        todo.put(q)
    answers: dict[Question, Answer] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(res: Resolver) -> None:
        try:
            while not errors:
                try:
                    q = todo.get_nowait()
                except queue.Empty:
                    return
                a = res.answer(q)
                with lock:
                    answers[q] = a
                    advance()
        except BaseException as exc:  # surfaced in the calling thread below
            errors.append(exc)

    resolvers = [first] + [Resolver(job, model=first.model, form=first.form, pool=first.pool)
                           for _ in range(max(1, threads) - 1)]
    pool = [threading.Thread(target=work, args=(r,), daemon=True) for r in resolvers[1:]]
    for t in pool:
        t.start()
    work(first)  # the calling thread answers too
    try:
        for t in pool:
            t.join()
    except BaseException as exc:  # Ctrl-C while waiting: the others take no further question
        errors.append(exc)
        raise
    if errors:
        raise errors[0]
    return answers



def _with_limit(options, seconds: float | None):
    from dataclasses import replace

    return options if seconds == options.time_limit else replace(options, time_limit=seconds)

