"""Chunks: runs of one speaker's statements within a paragraph, the unit that is indexed."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qa.attribution.statements import Attribution, Statement, sentence_spans
from qa.text.article import Article

_KIND_ORDER = ("direct", "source", "indirect", "partial", "act", "narration")


@dataclass(frozen=True)
class ChunkSettings:
    max_words: int = 180  # longer runs are split between statements

    def to_json(self) -> dict[str, object]:
        return {"unit": "speaker-run-in-paragraph", **asdict(self)}


@dataclass(frozen=True)
class Chunk:
    """A verbatim span of one paragraph whose words all belong to one speaker (or narration)."""

    id: int
    doc: str
    paragraph: int
    start: int  # character offsets in the source text
    end: int
    text: str
    speaker: str | None
    role: str | None
    kind: str
    cue: str | None
    quotes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["quotes"] = list(self.quotes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Chunk:
        fields = dict(data)
        fields["quotes"] = tuple(fields.get("quotes") or ())  # type: ignore[arg-type]
        return cls(**fields)  # type: ignore[arg-type]


def _groups(statements: list[Statement], max_words: int) -> list[list[Statement]]:
    groups: list[list[Statement]] = []
    for stmt in statements:
        current = groups[-1] if groups else None
        words = sum(len(s.text.split()) for s in current) if current else 0
        if (
            current
            and current[-1].paragraph == stmt.paragraph
            and current[-1].doc == stmt.doc
            and current[-1].speaker == stmt.speaker
            and words + len(stmt.text.split()) <= max_words
        ):
            current.append(stmt)
        else:
            groups.append([stmt])
    return groups


def make_chunks(
    article: Article, attribution: Attribution, *, settings: ChunkSettings | None = None, first_id: int = 0
) -> list[Chunk]:
    """Cut the article along its statements, never mixing two speakers in one chunk."""
    settings = settings or ChunkSettings()
    chunks: list[Chunk] = []
    for group in _groups(list(attribution.statements), settings.max_words):
        start, end = group[0].span_start, group[-1].span_end
        kinds = {s.kind for s in group}
        kind = next(k for k in _KIND_ORDER if k in kinds)
        cue = next((s.cue for s in group if s.cue), None)
        chunks.append(
            Chunk(
                id=first_id + len(chunks),
                doc=article.doc,
                paragraph=group[0].paragraph,
                start=start,
                end=end,
                text=article.text[start:end],
                speaker=group[0].speaker,
                role=group[0].role,
                kind=kind,
                cue=cue,
                quotes=tuple(q for s in group for q in s.quotes),
            )
        )
    return chunks


def embedding_text_kind() -> str:
    return "verbatim"


def embedding_text(chunk: Chunk) -> str:
    """What the encoder sees: the chunk's own words only.

    Speaker labels in front of the text were measured to hurt text whose "speakers" are only
    sentence subjects; questions that name a speaker are matched through the speaker index.
    """
    return chunk.text


def lexical_text(chunk: Chunk, start: int | None = None, end: int | None = None) -> str:
    """What BM25 indexes: the words, and who says them. A passage that says "the company" is
    still found by the company's name when its speaker's role names it. With `start` and
    `end` (source offsets), the same of one span of the chunk (a sentence)."""
    first, last = (chunk.start if start is None else start), (chunk.end if end is None else end)
    text = chunk.text[first - chunk.start : last - chunk.start]
    if chunk.speaker is None:
        return text
    return " ".join(filter(None, [text, chunk.speaker, chunk.role]))


def sentence_rows(chunks: list[Chunk]) -> list[list[int]]:
    """Every chunk's sentences as [chunk id, start, end] in source offsets, in chunk order."""
    rows: list[list[int]] = []
    for chunk in chunks:
        spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
        rows.extend([chunk.id, chunk.start + s, chunk.start + e] for s, e in spans)
    return rows
