"""Lazy re-exports for the package's documented paths (`facility_opt.scenario`, `.solve`,
`.simulate`, `.plan`): a name's module is imported on first use, so `facility-opt --help` and
`import facility_opt.scenario.schema` stay light."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, public: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` that finds `name` in the module `public[name]`."""

    def __getattr__(name: str) -> Any:
        if name in public:
            return getattr(import_module(public[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def callable_module(module_name: str, function: str) -> None:
    """Let the subpackage `module_name` be called as its function `function`.

    `facility_opt.solve` is both a subpackage and, in the documented API, a function
    (`from facility_opt import load_scenario, solve, simulate`). Once the subpackage is imported,
    Python binds the name to the module, so the old import would give a module; calling the
    module calls the function, and notebooks keep working."""
    import sys
    import types

    module = sys.modules[module_name]

    class _CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return getattr(self, function)(*args, **kwargs)

    module.__class__ = _CallableModule
