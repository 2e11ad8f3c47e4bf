"""How a command runs: under the CLI's progress reporter, with domain errors turned into one line
on stderr and the contract's exit code (2 bad input, 3 infeasible, 1 other, 130 interrupted),
never a traceback."""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar

import typer

from facility_opt.errors import FacilityOptError, Interrupted

INTERRUPTED = 130  # exit code after Ctrl-C
QUIET: ContextVar[bool] = ContextVar("facility_opt_quiet", default=False)  # --quiet: no progress


def _fail(err: FacilityOptError) -> None:
    text = str(err).strip() or type(err).__name__
    lines = text.splitlines()
    label = {2: "error", 3: "infeasible", 130: "interrupted"}.get(err.exit_code, "error")
    sys.stderr.write(f"{label}: {lines[0]}\n")
    for line in lines[1:]:
        sys.stderr.write(f"{label}: {line}\n")
    raise typer.Exit(err.exit_code)


def _run(fn, **kwargs) -> None:
    """Call a command's implementation under the CLI's progress reporter; map domain errors to
    messages and exit codes."""
    from facility_opt.cli.progress_view import reporter_for
    from facility_opt.progress import reporting_to

    rep = reporter_for(QUIET.get())
    _say_warnings_in_one_line()
    try:
        with reporting_to(rep):
            try:
                code = fn(**kwargs)
            finally:
                rep.close()  # a bar left open by an error must not hide the message
    except (KeyboardInterrupt, Interrupted):
        raise typer.Exit(INTERRUPTED) from None  # main() says so, once
    except FacilityOptError as err:
        _fail(err)
    except MemoryError:
        sys.stderr.write("error: out of memory; try a smaller scenario or fewer workers\n")
        raise typer.Exit(1) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BrokenPipeError:  # `facility-opt solve | head`: the reader left; nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1) from None
    except Exception as err:  # a bug, not bad input: one line, the traceback only on request
        if os.environ.get("FACILITY_OPT_DEBUG"):
            raise
        sys.stderr.write(f"error: internal error ({type(err).__name__}: {err}); "
                         "rerun with FACILITY_OPT_DEBUG=1 for the traceback\n")
        raise typer.Exit(1) from None
    if code:
        raise typer.Exit(int(code))


def _say_warnings_in_one_line() -> None:
    """The library's own warnings (no CJK font, …) as one `warning:` line on stderr, like every
    other message, instead of Python's two-line file:line format."""
    import warnings

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("facility_opt"):
            sys.stderr.write(f"warning: {message}\n")
        else:
            shown(message, category, filename, lineno, file, line)

    if getattr(warnings.showwarning, "__name__", "") != "show":
        warnings.showwarning = show


def _say_interrupted() -> None:
    sys.stderr.write("interrupted: stopped cleanly; previous results are untouched\n")
