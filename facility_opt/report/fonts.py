"""Finding a CJK font, so Chinese labels render as characters, never as empty boxes.

Plots (matplotlib) and the PDF annex (reportlab) both need a TrueType font with Chinese glyphs.
None ships with Python; on Debian/Ubuntu `apt-get install fonts-wqy-microhei` provides one
(also fonts-wqy-zenhei or Noto Sans CJK TTF builds). Set FACILITY_OPT_CJK_FONT to a .ttf/.ttc file
to choose one explicitly, or to "none" to force English labels.
Callers fall back to English labels with a warning when no font is found.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# TrueType fonts (reportlab cannot embed CFF-flavoured .otf CJK fonts), best first
_KNOWN_FILES = (
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "NotoSansSC-Regular.ttf",
    "NotoSansCJKsc-Regular.ttf",
    "SourceHanSansSC-Regular.ttf",
    "simhei.ttf",
    "msyh.ttc",
    "simsun.ttc",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
)
_SEARCH_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)

INSTALL_HINT = ("install a CJK TrueType font (Debian/Ubuntu: apt-get install fonts-wqy-microhei) "
                "or set FACILITY_OPT_CJK_FONT to a .ttf/.ttc file")


class PlotFontWarning(UserWarning):
    """No CJK font was found: plots fall back to English labels (said once per run)."""


@dataclass(frozen=True)
class CjkFont:
    path: Path
    subfont_index: int = 0  # face inside a .ttc collection


@lru_cache(maxsize=1)
def find_cjk_font() -> CjkFont | None:
    """The first TrueType font with Chinese glyphs found on this machine, or None."""
    override = os.environ.get("FACILITY_OPT_CJK_FONT", "").strip()
    if override:
        if override.lower() == "none":
            return None
        p = Path(override).expanduser()
        return CjkFont(p) if p.is_file() else None
    found: dict[str, Path] = {}
    for d in _SEARCH_DIRS:
        root = Path(d).expanduser()
        if not root.is_dir():
            continue
        try:
            for p in root.rglob("*"):
                if p.name in _KNOWN_FILES and p.name not in found:
                    found[p.name] = p
        except OSError:
            continue
    for name in _KNOWN_FILES:
        if name in found:
            return CjkFont(found[name])
    return None


def matplotlib_font_family() -> str | None:
    """Register the CJK font with matplotlib and return its family name (None when absent)."""
    font = find_cjk_font()
    if font is None:
        return None
    return _matplotlib_family(str(font.path))


@lru_cache(maxsize=4)
def _matplotlib_family(path: str) -> str | None:
    """Register a font file with matplotlib once per run."""
    from matplotlib import font_manager

    try:
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(fname=path).get_name()
    except (OSError, RuntimeError, ValueError):
        return None


def no_font_reason() -> str:
    """Why no CJK font is in use, for the one warning: a FACILITY_OPT_CJK_FONT that points at
    nothing is named, so a typo in it is not mistaken for a missing font."""
    override = os.environ.get("FACILITY_OPT_CJK_FONT", "").strip()
    if override.lower() == "none":
        return "no CJK font found (FACILITY_OPT_CJK_FONT=none)"
    if override and not Path(override).expanduser().is_file():
        return f"no CJK font found (FACILITY_OPT_CJK_FONT={override} is not a file)"
    return "no CJK font found"


_WARNED: set[str] = set()


def warn_no_font_once(what: str) -> None:
    """One PlotFontWarning per run and message, however many figures are drawn."""
    text = f"{no_font_reason()}: {what}; to get Chinese labels {INSTALL_HINT}"
    if text in _WARNED:
        return
    _WARNED.add(text)
    warnings.warn(text, PlotFontWarning, stacklevel=3)
