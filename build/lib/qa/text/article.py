"""Articles: plain UTF-8 text, one paragraph per non-empty line, numbered from 1."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from qa.errors import SourceError

BUNDLED_NAME = "wuzhen-2024-ai.txt"


@dataclass(frozen=True)
class Paragraph:
    number: int
    text: str
    start: int  # character offset of the paragraph in the source text
    end: int


@dataclass(frozen=True)
class Article:
    doc: str  # short document id: the file name without extension
    text: str
    paragraphs: tuple[Paragraph, ...]
    sha256: str
    path: str | None = None

    def paragraph(self, number: int) -> Paragraph:
        return self.paragraphs[number - 1]


def bundled_path() -> Path:
    return Path(str(resources.files("qa") / "data" / BUNDLED_NAME))


def parse(text: str, *, doc: str, path: str | None = None) -> Article:
    """Split text into paragraphs (non-empty lines), keeping character offsets."""
    paragraphs: list[Paragraph] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            start = offset + lead
            paragraphs.append(Paragraph(len(paragraphs) + 1, stripped, start, start + len(stripped)))
        offset += len(line)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Article(doc=doc, text=text, paragraphs=tuple(paragraphs), sha256=digest, path=path)


def load(path: str | Path | None = None) -> Article:
    """Read an article from a file; the bundled article when no path is given."""
    file = bundled_path() if path is None else Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"article not found: {file}") from None
    except IsADirectoryError:
        raise SourceError(f"article path is a folder, not a file: {file}") from None
    except OSError as exc:
        raise SourceError(f"cannot read article {file}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"article is not UTF-8 text: {file} (byte {exc.start})") from None
    if "\x00" in text:
        raise SourceError(f"article looks binary (NUL bytes): {file}")
    text = unicodedata.normalize("NFC", text)
    article = parse(text, doc=file.stem, path=str(file))
    if not article.paragraphs:
        raise SourceError(f"article has no text: {file}")
    return article
