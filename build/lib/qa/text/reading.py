"""Reading articles: plain text, Markdown and saved web pages (trafilatura), from files,
pastes or standard input, into one paragraph per line. Bad input is refused in one line."""

from __future__ import annotations

import html as htmlmod
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import SourceError
from qa.lang.en import listed

MAX_BYTES = 2_000_000  # an article file (or paste) over 2 MB is refused
FORMATS = ("text", "markdown", "html")
MIN_PAGE_WORDS = 25  # fewer words read from a web page are its furniture, not an article
_DOC = re.compile(r"[^\w.-]+", re.UNICODE)


@dataclass(frozen=True)
class Incoming:
    """An article read from a file, a paste or standard input, ready to index."""

    doc: str
    title: str
    source: str  # the path it came from, "-" for standard input, "pasted" for the chat
    format: str
    text: str  # one paragraph per line
    byline: str = ""
    date: str = ""


def doc_name(name: str) -> str:
    """A document id from a file name or title: letters, digits, dot, dash, underscore."""
    stem = _DOC.sub("-", unicodedata.normalize("NFKC", name).strip()).strip("-.")[:80]
    return stem or "article"


def read(path: str, *, title: str | None = None, stdin: Any = None) -> Incoming:
    """Read one article: a .txt/.md/.html file, or "-" for standard input (format guessed).

    Raises SourceError, with one line saying what is wrong: not found, over MAX_BYTES,
    binary, not UTF-8, empty, or a page with no article text."""
    if path == "-":
        raw = (stdin or sys.stdin.buffer).read(MAX_BYTES + 1)
        name, source = (title or "stdin"), "-"
    else:
        file = Path(path)
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            raise SourceError(f"article not found: {file}") from None
        except OSError as exc:
            raise SourceError(f"cannot read article {file}: {exc.strerror}") from None
        if file.is_dir():
            raise SourceError(f"article path is a folder, not a file: {file}")
        if size > MAX_BYTES:
            raise SourceError(f"article too large: {file} is {size:,} bytes; the limit is {MAX_BYTES:,}")
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read article {file}: {exc.strerror}") from None
        name, source = file.stem, str(file)
    if len(raw) > MAX_BYTES:
        raise SourceError(f"article too large: over {MAX_BYTES:,} bytes")
    return from_bytes(raw, name=name, source=source, title=title, suffix=Path(path).suffix.lower())


def from_bytes(raw: bytes, *, name: str, source: str, title: str | None = None, suffix: str = "") -> Incoming:
    """An article from raw bytes; the format from the suffix, else from the content."""
    label = source if source != "-" else "standard input"
    if b"\x00" in raw[:8192]:
        raise SourceError(f"{label} looks binary, not an article")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label} is not UTF-8 text (byte {exc.start})") from None
    decoded = unicodedata.normalize("NFC", decoded)
    if not decoded.strip():
        raise SourceError(f"{label} is empty")
    kind = _format(suffix, decoded)
    byline = date = ""
    page_title = ""
    if kind == "html":
        text, page_title, byline, date = html_article(decoded)
        if len(text.split()) < MIN_PAGE_WORDS:  # a menu or a notice, not a story
            raise SourceError(f"{label}: no article text found in the page")
    elif kind == "markdown":
        text = markdown_text(decoded)
    else:
        text = decoded
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
    if not text.strip():
        raise SourceError(f"{label} has no text")
    chosen = (title or page_title or _first_heading(decoded, kind) or _headline(text) or name).strip()
    return Incoming(doc_name(name if source != "-" or not title else title), chosen, source, kind, text, byline, date)


def _format(suffix: str, text: str) -> str:
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".txt", ".text"):
        return "text"
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text):
        return "html"
    return "text"


def html_article(page: str) -> tuple[str, str, str, str]:
    """(article text, <title>, byline, date) of a saved web page, read by trafilatura: the
    article's paragraphs without navigation, cookie notices, related links or footers."""
    import trafilatura

    text = trafilatura.extract(page, include_comments=False, include_tables=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(page)
    found = re.search(r"<title[^>]*>(.*?)</title>", page, flags=re.IGNORECASE | re.DOTALL)
    title = " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""
    headline = (meta.title if meta and meta.title else "") or title
    lines = text.splitlines()
    if lines and headline and lines[0].strip() == headline.strip():
        lines = lines[1:]  # the headline is the title, not a paragraph of the story
    return (
        "\n".join(lines),
        title or headline,
        (meta.author or "") if meta else "",
        (meta.date or "") if meta else "",
    )


_MD_RULES = [
    (re.compile(r"^```.*?^```\s*$", re.MULTILINE | re.DOTALL), ""),  # code blocks
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their words
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$", re.MULTILINE), ""),  # rules
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
]


def markdown_text(source: str) -> str:
    """Markdown as plain paragraphs: markup dropped, words kept; a paragraph's wrapped lines
    joined into one line."""
    for pattern, replacement in _MD_RULES:
        source = pattern.sub(replacement, source)
    blocks = re.split(r"\n\s*\n", source)
    return "\n".join(" ".join(b.split()) for b in blocks if b.strip())


_CLOSING = (
    ".",
    "!",
    "?",
    ":",
    ";",
    ",",
    ")",
    "]",
    '"',
    "'",
    "\u201d",
    "\u2019",
    "\u00bb",
)  # ends a sentence or a quote


def _headline(text: str) -> str:
    """A plain-text article's first line when it reads as a headline: short, no full stop."""
    first = text.split("\n", 1)[0].strip()
    return first if 0 < len(first.split()) <= 20 and not first.endswith(_CLOSING) else ""


# "Photo: ...", "Watch: ...", "Read more: ...": a label, then a colon, a bar or a dash
_CAPTION = re.compile(
    r"^\s*(?:" + "|".join(sorted(map(re.escape, listed("caption_labels")), key=len, reverse=True)) + r")\b\s*[:|\u2013\u2014-]",
    re.IGNORECASE,
)


def is_caption(text: str) -> bool:
    """Whether a paragraph opens with a caption's label ("Photo caption: ...", "Watch: ...")."""
    return _CAPTION.match(text) is not None


def is_furniture(paragraph: str) -> bool:
    """A headline or subheading, a photo caption, a video link: the page around the story,
    not a statement in it."""
    text = paragraph.strip()
    return bool(is_caption(text) or _headline(text))


def _first_heading(source: str, kind: str) -> str:
    if kind == "markdown":
        found = re.search(r"^[ \t]{0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$", source, flags=re.MULTILINE)
        return found.group(1) if found else ""
    return ""


def load_article(path: str | Path) -> Any:
    """An article file as an Article: plain text as it stands (offsets into the file), Markdown
    and web pages through their readers (offsets into the text read from them)."""
    from qa.text import article as articles

    file = Path(path)
    if file.suffix.lower() not in _MARKUP:
        return articles.load(file)
    item = read(str(file))
    return articles.parse(item.text, doc=file.stem, path=str(file))


_MARKUP = (".html", ".htm", ".xhtml", ".md", ".markdown")
