"""Article data shown as it is: Markdown that forms no link, image, emphasis or strikethrough,
and names and titles without invisible format characters."""

from __future__ import annotations

import html
import re
import unicodedata

MAX_TITLE_CHARS = 200  # a longer title is cut, with an ellipsis

_MARKS = re.compile(r"([\\`*_\[\]#|~!])")
# what a Markdown renderer with GitHub's extensions turns into a link unasked: a scheme's
# colon, the dot of "www." and the at sign of an e-mail address lose their meaning when escaped
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)([:.])|(@)")


def literal(text: str) -> str:
    """Text that Markdown and HTML show as it is: tags escaped, marks and autolinks backslashed."""
    escaped = _MARKS.sub(r"\\\1", html.escape(strip_bidi(text), quote=False))
    return _AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\@", escaped)


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def strip_bidi(text: str) -> str:
    """Text without bidirectional controls, which would reverse what follows them on screen."""
    return "".join(ch for ch in text if ch not in _BIDI) if any(ch in _BIDI for ch in text) else text


def strip_format(text: str) -> str:
    """Text without Unicode format characters (category Cf: zero-width spaces and joiners,
    bidirectional controls, soft hyphens), so two names that look alike are alike."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_title(title: str) -> str:
    """A title shown on one line: format characters gone, spaces folded, at most MAX_TITLE_CHARS."""
    folded = " ".join(strip_format(title).split())
    return folded if len(folded) <= MAX_TITLE_CHARS else folded[: MAX_TITLE_CHARS - 1].rstrip() + "\u2026"
