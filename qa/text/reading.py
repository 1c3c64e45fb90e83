"""Reading articles: plain text, Markdown and saved web pages (trafilatura), from files,
pastes or standard input, into one paragraph per line. Bad input is refused in one line."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import SourceError
from qa.lang.en import WEEKDAYS, listed
from qa.text.safety import clean_title, strip_format

MAX_BYTES = 2_000_000  # an article file (or paste) over 2 MB is refused
FORMATS = ("text", "markdown", "html")
MIN_PAGE_WORDS = 25  # fewer words read from a web page are its furniture, not an article
MAX_PARAGRAPH_CHARS = 5_000
"""A longer line is cut into paragraphs of at most this many characters (at a sentence end or
a space where there is one): chunks, sentences and the attribution parse stay bounded in size."""
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
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_mark(raw):
        raise SourceError(f"{label} is UTF-16 text, not UTF-8: save it as UTF-8")
    if b"\x00" in raw[:8192]:
        raise SourceError(f"{label} looks binary, not an article")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label} is not UTF-8 text (byte {exc.start})") from None
    control = _CONTROL.search(decoded)
    if control:
        at = len(decoded[: control.start()].encode("utf-8"))
        raise SourceError(f"{label} holds a control character (U+{ord(control.group()):04X} at byte {at}): not text")
    # invisible format characters would make two names that look alike differ, or turn a line around
    decoded = strip_format(unicodedata.normalize("NFC", decoded))
    if not decoded.strip():
        raise SourceError(f"{label} is empty")
    kind = _format(suffix, decoded)
    byline = date = ""
    heading = ""
    if kind == "html":
        text, heading, byline, date = html_article(decoded)
        if len(text.split()) < MIN_PAGE_WORDS:  # a menu or a notice, not a story
            raise SourceError(f"{label}: no article text found in the page")
    elif kind == "markdown":
        blocks = _markdown_blocks(decoded)
        text = "\n".join(words for _, words in blocks)
        heading = next((words for tag, words in blocks if tag == "h1"), "")
    if kind in ("html", "markdown"):
        text = "\n".join(line.strip() for line in _break_long_lines(text).splitlines() if line.strip()) + "\n"
    else:
        # plain text stands as it is, as `qa build` reads it: hit offsets index the file itself
        text = _break_long_lines(decoded)
    if not text.strip():
        raise SourceError(f"{label} has no text")
    chosen = clean_title(title or heading or _headline(text) or name)
    if not chosen:
        raise SourceError(f"{label}: the title has no visible characters")
    return Incoming(doc_name(name if source != "-" or not title else title), chosen, source, kind, text, byline, date)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # tab, newline, form feed and return are text


def _utf16_without_mark(raw: bytes) -> bool:
    """Mostly ASCII text in UTF-16: every other byte of its start is a NUL."""
    head = raw[:2048]
    if len(head) < 8:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) > 0.8 * (len(head) // 2) and min(even, odd) < 0.05 * (len(head) // 2)


def _break_long_lines(text: str) -> str:
    """Overlong lines cut into paragraphs by turning the space at each cut into a line break.

    The text keeps its length, so offsets into it still index the file; only a stretch of
    MAX_PARAGRAPH_CHARS without any space gets a break inserted.
    """
    if all(len(line) <= MAX_PARAGRAPH_CHARS for line in text.splitlines()):
        return text
    lines = []
    for line in text.split("\n"):
        while len(line) > MAX_PARAGRAPH_CHARS:
            window = line[: MAX_PARAGRAPH_CHARS + 1]
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! ")) + 1
            if cut < MAX_PARAGRAPH_CHARS // 2:
                cut = window.rfind(" ")
            if cut < MAX_PARAGRAPH_CHARS // 2:  # no space to turn: the one place a break is added
                lines.append(line[:MAX_PARAGRAPH_CHARS])
                line = line[MAX_PARAGRAPH_CHARS:]
                continue
            lines.append(line[:cut])
            line = line[cut + 1 :]
        lines.append(line)
    return "\n".join(lines)


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
    article's paragraphs without navigation, cookie notices, related links or footers.

    The page is parsed once, by lxml (linear time, depth-limited), and trafilatura reads the tree."""
    import trafilatura

    tree = _parse_page(page)
    if tree is None:
        return "", "", "", ""
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_PAGE_ELEMENTS:
        raise SourceError(
            f"the page has {elements:,} HTML elements, over the {MAX_PAGE_ELEMENTS:,} read; save the article's text instead"
        )
    title = page_title(tree)
    for extra in tree.findall(".//title")[1:]:  # a browser reads the first; the rest cost trafilatura time
        extra.drop_tree()
    text = trafilatura.extract(tree, include_comments=False, include_tables=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(tree)
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


MAX_PAGE_ELEMENTS = 20_000
"""HTML elements in a page read (a news page has a few thousand): trafilatura spends tens of
microseconds on each, so 2 MB of tags would take half a minute."""


def _parse_page(page: str) -> Any:
    """The page as an lxml tree, or None when nothing can be parsed from it."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        return lxml.html.document_fromstring(page, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def page_title(tree: Any) -> str:
    """The text of a parsed page's first <title>, whitespace folded."""
    found = tree.find(".//title")
    return " ".join(found.text_content().split()) if found is not None else ""


MAX_INLINE_MARKS = 50_000
"""Markup characters (`*_~[]!<` and backticks) read as Markdown inline syntax per article. A
parser in Python spends microseconds on each, so past this budget a paragraph's marks are
dropped plainly instead: a real article has a few thousand; 2 MB of them cost seconds."""
_MARKS = frozenset("*_~`[]!<\\")
_PLAIN_DROP = str.maketrans("", "", "*~`")


def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _markdown_blocks(source: str) -> list[tuple[str, str]]:
    """(kind, text) of each block of a Markdown document that holds words, in order; kind is
    the tag that opened it ("h1", "p", "td", ...). Code blocks and raw HTML blocks are left out."""
    md = _markdown_parser()
    env: dict[str, Any] = {}
    blocks = md.disable("inline").parse(source, env)  # blocks only: the inline pass is budgeted below
    inline = _markdown_parser()
    budget = MAX_INLINE_MARKS
    out: list[tuple[str, str]] = []
    opened = "p"
    for token in blocks:
        if token.nesting == 1:
            opened = token.tag
        if token.type != "inline" or not token.content.strip():
            continue
        marks = sum(1 for ch in token.content if ch in _MARKS)
        if marks <= budget:
            budget -= marks
            text = _inline_text(inline.parseInline(token.content, env))
        else:
            text = token.content.translate(_PLAIN_DROP)
        out.append((opened, " ".join(text.split())))
    return [(kind, text) for kind, text in out if text]


def _inline_text(tokens: list[Any]) -> str:
    """The words of parsed inline Markdown: link text kept; images, tags and marks dropped."""
    parts: list[str] = []
    for token in tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
    return "".join(parts)


def markdown_text(source: str) -> str:
    """Markdown as plain paragraphs: markup dropped, words kept; a paragraph's wrapped lines
    joined into one line. Read by a CommonMark parser (markdown-it-py), in linear time."""
    return "\n".join(text for _, text in _markdown_blocks(source))


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
    first = text.lstrip().split("\n", 1)[0].strip()
    return first if 0 < len(first.split()) <= 20 and not first.endswith(_CLOSING) else ""


# "Photo: ...", "Watch: ...", "Read more: ...": a label, then a colon, a bar or a dash
_CAPTION = re.compile(
    r"^\s*(?:" + "|".join(sorted(map(re.escape, listed("caption_labels")), key=len, reverse=True)) + r")\b\s*[:|\u2013\u2014-]",
    re.IGNORECASE,
)


def is_caption(text: str) -> bool:
    """Whether a paragraph opens with a caption's label ("Photo caption: ...", "Watch: ...")."""
    return _CAPTION.match(text) is not None


_SHOUTED_WORDS = 12  # a line in capitals no longer than this is a subheading ("REGIONAL WORRIES.")


def _shouted(text: str) -> bool:
    """A short line in capitals only: a subheading or a label, with or without a full stop."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and not any(ch.islower() for ch in letters) and len(text.split()) <= _SHOUTED_WORDS


def is_furniture(paragraph: str) -> bool:
    """A headline or subheading, a photo caption, a video link: the page around the story,
    not a statement in it."""
    text = paragraph.strip()
    return bool(is_caption(text) or _headline(text) or _shouted(text))


_TITLE_SHARE = 0.75  # of its longer words capitalised: a title, not a short first sentence
_TITLE_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z\"\u201c]")
_NEXT_SHARE = 1.5  # a headline is short beside the story's first paragraph
# what a story's opening sentence has and a headline seldom does: the day, a past "said"
_STORY_OPENING = re.compile(
    r"\b(?:" + "|".join([*WEEKDAYS, "yesterday", "today", "tonight", "said", "told"]) + r")\b", re.IGNORECASE
)


def is_title_line(paragraph: str, rest: int = 0, following: str = "") -> bool:
    """An article's first paragraph that is its title though it ends with a full stop: one
    short sentence in title case ("Council Backs Ferry Plan."), or, with at least two
    paragraphs after it (`rest`) and the next one (`following`) half as long again, one in
    sentence case that reads as a headline, not as a story's opening: no day it happened on and
    no "said" or "told" ("Port to cut fees, board says.", not "The board said on Tuesday it
    would cut fees.")."""
    text = paragraph.strip()
    body = text[:-1] if text.endswith(".") else text
    if "\n" in body or not 0 < len(body.split()) <= 20 or _SENTENCE_BREAK.search(body):
        return False
    longer = [w for w in _TITLE_WORD.findall(body) if len(w) > 3]
    if longer and sum(w[0].isupper() for w in longer) >= _TITLE_SHARE * len(longer):
        return True
    longer_next = len(following.split()) >= _NEXT_SHARE * len(body.split())
    return rest >= 2 and longer_next and not _STORY_OPENING.search(body)


# "RENO, Nev. (AP) — ", "PHILADELPHIA, July 25 (UPI) — ", "ST. LOUIS — ": where the story was filed
_DATELINE = re.compile(
    r"[A-Z][A-Z.'\u2019-]+(?: [A-Z][A-Z.'\u2019-]+){0,3}"  # the place, in capitals
    r"(?:, [A-Z][\w.]*(?: [A-Z][\w.]*)?)?"  # its state or country
    r"(?:,? [A-Z][a-z]{2,4}\.? \d{1,2})?"  # the day
    r"(?: \([A-Z][\w ]{1,20}\))?"  # the agency
    r" ?(?:\u2014|\u2013|--| -) ?(?=[A-Z\"\u201c])"
)


def dateline_end(paragraph: str) -> int:
    """Where a paragraph's dateline ends ("WASHINGTON (AP) — The Senate voted ..."), 0 when it
    has none: the place the story was filed from is no one who speaks."""
    found = _DATELINE.match(paragraph)
    return found.end() if found and any(ch.isalpha() for ch in found.group()) else 0


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
