"""Rendering: quotes as Markdown block quotes with their attribution line; article text shown as text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.ask.search import Hit
from qa.text.safety import literal

_KIND_NOTE = {
    "direct": "",
    "partial": "Reported speech with quoted words",
    "indirect": "Reported speech, in the article's words",
    "source": "Cited source, in the article's words",
    "act": "A speech act, in the article's words",
    "narration": "The article's own words",
}

def attribution_line(hit: Hit) -> str:
    where = f"paragraph {hit.paragraph}"
    if hit.title:  # set when the index holds several articles
        where = f"*{as_text(hit.title)}*, {where}"
    if hit.speaker is None:
        return f"\u2014 the article itself ({where})"
    role = f", {as_text(hit.role)}" if hit.role else ""
    return f"\u2014 **{as_text(hit.speaker)}**{role} ({where})"

def verbatim(text: str) -> str:
    """A user's own words for a Markdown bubble, shown exactly as typed.

    Every ASCII punctuation mark becomes a numeric character reference, so no Markdown or
    HTML construct, autolink or maths delimiter can form; line breaks become <br>.
    """
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<br>")
        elif ch.isascii() and not ch.isalnum() and not ch.isspace():
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)

def as_text(text: str) -> str:
    """Text that Markdown and HTML show as it is: tags escaped, Markdown marks and autolinks
    backslashed, bidirectional controls dropped (qa.text.safety.literal)."""
    return literal(text)

def quote_block(text: str, marks: Sequence[tuple[int, int]] = ()) -> str:
    """Verbatim text as a Markdown block quote, with HTML shown as text and `marks` (offsets) highlighted."""
    pieces, pos = [], 0
    for start, end in sorted(marks):
        if start < pos or end <= start:
            continue
        pieces += [as_text(text[pos:start]), f"<mark>{as_text(text[start:end])}</mark>"]
        pos = end
    pieces.append(as_text(text[pos:]))
    return "\n".join(f"> {line}" for line in "".join(pieces).splitlines() or [""])

def render(
    hits: Sequence[Hit],
    *,
    who_said: bool = False,
    after: Callable[[Hit], str] | None = None,
    marked: bool = True,
) -> str:
    parts: list[str] = []
    if who_said and hits and hits[0].speaker:
        role = f", {as_text(hits[0].role)}," if hits[0].role else ""
        parts.append(f"**{as_text(hits[0].speaker)}**{role} said it (paragraph {hits[0].paragraph}):")
    elif who_said and hits:
        parts.append(f"No one is quoted saying it; the article itself reports it (paragraph {hits[0].paragraph}):")
    for hit in hits:
        note = _KIND_NOTE.get(hit.kind, "")
        if note:
            parts.append(f"*{note}:*")
        marks = [(s - hit.start, e - hit.start) for s, e in hit.evidence] if marked else []
        # a mark over the whole quote tells nothing: then only the best sentence is marked, if
        # the quote has more than one
        if marks and sum(e - s for s, e in marks) >= len(hit.text.strip()) - len(marks):
            marks = marks[:1] if len(marks) > 1 else []
        parts.append(quote_block(hit.text, marks))
        parts.append(attribution_line(hit))
        if after is not None:
            parts.append(after(hit))
    return "\n\n".join(parts)
