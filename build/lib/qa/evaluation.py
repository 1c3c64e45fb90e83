"""Evaluation on a gold question set: Hit@1, Recall@3, MRR@10, attribution, contains, abstention."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.ask.answer import Retriever
from qa.errors import SourceError

DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold_paragraphs: tuple[int, ...]
    unanswerable: bool = False
    speaker: str | None = None
    check_speaker: bool = True  # False when the set gives no speaker (any speaker will do)
    answer_contains: str | None = None
    history: tuple[str, ...] = ()


@dataclass
class Report:
    metrics: dict[str, float] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "misses": self.misses, "rows": self.rows}


def default_questions() -> Path:
    return Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"


def read_questions(path: str | Path) -> list[Question]:
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourceError(f"cannot read questions file {file}: {exc.strerror}") from None
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    id=str(row.get("id", n)),
                    question=row["question"],
                    gold_paragraphs=tuple(row.get("gold_paragraphs") or ()),
                    unanswerable=bool(row.get("unanswerable", False)),
                    speaker=row.get("speaker"),
                    check_speaker="speaker" in row,
                    answer_contains=row.get("answer_contains"),
                    history=tuple(row.get("history") or ()),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SourceError(f"{file}:{n}: not a question record ({exc})") from None
    return questions


def evaluate(retriever: Retriever, questions: list[Question], *, mode: str = "answer") -> Report:
    """Score the retriever; mode "answer" uses the full bot, "dense"/"bm25"/"hybrid" raw rankings."""
    report = Report()
    hit1 = recall3 = mrr = attributed = contains_ok = contains_n = decided = right = 0.0
    answerable = attributable = 0
    for q in questions:
        if mode == "answer":
            ans = retriever.answer(q.question, history=list(q.history), k=DEPTH)
            abstained = ans.abstained
            ranked = list(ans.ranked)
        else:
            ranked = _raw_rank(retriever, q.question, mode)
            abstained = False
        row: dict[str, Any] = {
            "id": q.id,
            "question": q.question,
            "abstained": abstained,
            "top": [(h.paragraph, h.speaker) for h in ranked[:3]],
        }
        report.rows.append(row)
        if q.unanswerable:
            decided += abstained
            right += abstained
            if not abstained:
                report.misses.append({**row, "miss": "answered an unanswerable question"})
            continue
        answerable += 1
        decided += not abstained
        paragraphs = [h.paragraph for h in ranked[:DEPTH]]
        rank = next((i + 1 for i, p in enumerate(paragraphs) if p in q.gold_paragraphs), None)
        hit1 += rank == 1
        right += rank == 1 and not abstained
        recall3 += rank is not None and rank <= 3
        mrr += 1 / rank if rank else 0
        top = ranked[0] if ranked else None
        attributable += q.check_speaker
        attributed += q.check_speaker and top is not None and top.speaker == q.speaker
        if q.answer_contains:
            contains_n += 1
            contains_ok += top is not None and q.answer_contains in top.text
        problems = []
        if abstained:
            problems.append("abstained on an answerable question")
        if rank != 1:
            problems.append(f"gold {list(q.gold_paragraphs)} at rank {rank}")
        if q.check_speaker and top is not None and top.speaker != q.speaker:
            problems.append(f"speaker {top.speaker!r}, gold {q.speaker!r}")
        if q.answer_contains and (top is None or q.answer_contains not in top.text):
            problems.append(f"top passage lacks {q.answer_contains!r}")
        if problems:
            report.misses.append({**row, "miss": "; ".join(problems)})
    n = max(1, answerable)
    report.metrics = {
        "questions": len(questions),
        "answerable": answerable,
        "hit@1": round(hit1 / n, 4),
        "recall@3": round(recall3 / n, 4),
        "mrr@10": round(mrr / n, 4),
        "attribution": round(attributed / max(1, attributable), 4),
        "contains": round(contains_ok / contains_n, 4) if contains_n else 1.0,
        "abstention": round(decided / max(1, len(questions)), 4),
        # right decisions: an answerable question answered with the right top paragraph, an
        # unanswerable one refused
        "decisions": round(right / max(1, len(questions)), 4),
    }
    return report


def _raw_rank(retriever: Retriever, question: str, mode: str) -> list[Any]:
    hits = retriever.rank(question)
    if mode == "dense":
        return sorted(hits, key=lambda h: -h.dense)
    if mode == "bm25":
        return sorted(hits, key=lambda h: -h.lexical)
    return hits
