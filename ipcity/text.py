"""Names that people typed or that a browser sent, made safe to show to other people.

An uploaded file's original name and an API token's name are shown on pages, in lists and in the
activity log. Control characters, invisible format characters (bidi overrides and isolates, which
make ``gpj.exe`` read as ``exe.jpg``; zero-width characters) and line or paragraph separators are
removed; runs of other white space become one space.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

# Control, format (bidi U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C, zero-width ...), surrogate,
# line separator and paragraph separator.
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
MAX_FILE_NAME = 255


def clean_display_name(name: str, *, max_length: int | None = None) -> str:
    """``name`` without control, bidi or invisible characters, white space collapsed, at most ``max_length``
    characters. May be empty: the caller decides whether an empty name is refused."""
    text = unicodedata.normalize("NFC", name or "")
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if category in REMOVED_CATEGORIES:  # a line break inside a name is dropped too: "工作\n方案" -> "工作方案"
            continue
        kept.append(" " if category == "Zs" else character)
    cleaned = " ".join("".join(kept).split())
    return cleaned[:max_length] if max_length is not None else cleaned


def clean_file_name(name: str) -> str:
    """The base name of a sent file name (any directories dropped), cleaned for display, without leading
    dots (no hidden files), at most 255 characters with its extension kept; ``file`` when nothing is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = clean_display_name(base).lstrip(". ").strip() or "file"
    if len(base) > MAX_FILE_NAME:
        suffix = PurePosixPath(base).suffix[:20]
        base = base[: MAX_FILE_NAME - len(suffix)] + suffix
    return base
