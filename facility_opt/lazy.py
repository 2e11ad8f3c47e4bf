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
