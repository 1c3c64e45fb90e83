"""SQuAD 2.0 benchmark: the project beside plain peers on text nobody here wrote.

python -m bench squad [--split labelled|retrieval-only|all] [--cross 100]

One index per article, built by the project's own `store.build`. Peers rank whole paragraphs
with the same model: bm25s alone, dense flat (FAISS inner product), and their RRF (k=60).
Cross-article questions are questions of the other articles, which this one cannot answer.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "squad2"
CACHE = ROOT / "bench" / "results" / "squad"
SPLITS = ("labelled", "retrieval-only")
RRF_K = 60
SEED = 13


@dataclass(frozen=True)
class Question:
    id: str
    article: str
    text: str
    gold: tuple[int, ...]
    unanswerable: bool | None  # None: not known (retrieval-only articles)


def load(split: str) -> tuple[dict[str, list[str]], list[Question]]:
    """Articles (name -> paragraphs) and questions of one split, or of both with "all"."""
    splits = SPLITS if split == "all" else (split,)
    articles: dict[str, list[str]] = {}
    questions: list[Question] = []
    for name in splits:
        for line in (DATA / f"{name}-articles.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            articles[row["article"]] = row["paragraphs"]
        for line in (DATA / f"{name}-questions.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            known = row.get("unanswerable")
            questions.append(Question(row["id"], row["article"], row["question"], tuple(row["gold_paragraphs"]), known))
    return articles, questions


def article_file(name: str, paragraphs: list[str]) -> Path:
    """The article as the project reads articles: one paragraph per line."""
    path = CACHE / "articles" / f"{name}.txt"
    text = "\n".join(" ".join(p.split()) for p in paragraphs) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def retriever(name: str, paragraphs: list[str], embedder: Any) -> Any:
    """The project's retriever over one article, built once and reused while it is current."""
    return current_retriever(article_file(name, paragraphs), CACHE / "index" / name, embedder)


def current_retriever(source: Path, folder: Path, embedder: Any) -> Any:
    """The retriever of the index in `folder`, built from `source` when missing or stale."""
    from qa.ask.answer import Retriever
    from qa.errors import QAError
    from qa.index import store

    try:
        return Retriever.load(folder, embedder=embedder)
    except QAError:
        store.build([source], folder, embedder=embedder)
        return Retriever.load(folder, embedder=embedder)


class Peers:
    """Plain baselines over whole paragraphs: bm25s, dense flat, and their RRF."""

    def __init__(self, paragraphs: list[str], embedder: Any) -> None:
        import bm25s
        import faiss

        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(paragraphs, stopwords="en", show_progress=False), show_progress=False)
        vectors = embedder.encode(paragraphs)
        self.dense = faiss.IndexFlatIP(vectors.shape[1])
        self.dense.add(vectors)
        self.n = len(paragraphs)

    def rankings(self, question: str, vector: np.ndarray) -> dict[str, list[int]]:
        """Paragraph numbers (1-based), best first, for each peer."""
        import bm25s

        tokens = bm25s.tokenize([question], stopwords="en", return_ids=False, show_progress=False)[0]
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        lex = np.asarray(self.bm25.get_scores(known), dtype=np.float32) if known else np.zeros(self.n, dtype=np.float32)
        _sims, ids = self.dense.search(vector, self.n)
        dense_order = [int(i) for i in ids[0]]
        lex_order = [int(i) for i in np.argsort(-lex, kind="stable")]
        fused: dict[int, float] = {}
        for order in (dense_order, lex_order):
            for rank, i in enumerate(order, 1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
        rrf_order = sorted(fused, key=lambda i: -fused[i])
        return {
            "bm25s": [i + 1 for i in lex_order],
            "dense flat": [i + 1 for i in dense_order],
            "RRF bm25s+dense": [i + 1 for i in rrf_order],
        }


@dataclass
class Tally:
    """Counts for one system: search ranks, and answer decisions where it answers."""

    n: int = 0
    hit1: int = 0
    r3: int = 0
    answered_right: int = 0
    false_refusals: int = 0
    answerable: int = 0
    unanswerable: int = 0
    unanswerable_refused: int = 0
    cross: int = 0
    cross_refused: int = 0
    seconds: list[float] = field(default_factory=list)

    def rank(self, order: list[int], gold: tuple[int, ...]) -> None:
        self.n += 1
        self.hit1 += bool(order) and order[0] in gold
        self.r3 += any(p in gold for p in order[:3])

    def report(self) -> dict[str, float | None]:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "questions": self.n,
            "search_hit@1": share(self.hit1, self.n),
            "search_r@3": share(self.r3, self.n),
            "answer_hit@1": share(self.answered_right, self.answerable),  # labelled answerable questions
            "false_refusals": share(self.false_refusals, self.answerable),
            "unanswerable_refused": share(self.unanswerable_refused, self.unanswerable),
            "cross_article_refused": share(self.cross_refused, self.cross),
            "p50_ms": round(float(np.percentile(self.seconds, 50)) * 1000, 1) if self.seconds else None,
        }


def _unique(paragraphs: list[int]) -> list[int]:
    return list(dict.fromkeys(paragraphs))


def cross_questions(questions: list[Question], article: str, count: int) -> list[Question]:
    """Questions written for other articles (answerable ones where that is known), seeded."""
    others = [q for q in questions if q.article != article and q.unanswerable is not True]
    return random.Random(f"{SEED}-{article}").sample(others, min(count, len(others)))


def run(split: str = "labelled", cross: int = 100, *, answer: bool = True) -> dict[str, Any]:
    from qa.index.embedding import SentenceTransformerEmbedder

    articles, questions = load(split)
    embedder = SentenceTransformerEmbedder()
    systems = ["bm25s", "dense flat", "RRF bm25s+dense", "project search()", "project answer()"]
    tallies = {name: Tally() for name in systems}
    started = time.perf_counter()
    for name, paragraphs in articles.items():
        r = retriever(name, paragraphs, embedder)
        peers = Peers(paragraphs, embedder)
        mine = [q for q in questions if q.article == name]
        vectors = embedder.encode([q.text for q in mine])
        for q, vector in zip(mine, vectors, strict=True):
            if q.unanswerable is not True:  # search is scored where the paragraph answers (or may)
                for peer, order in peers.rankings(q.text, vector[None, :]).items():
                    tallies[peer].rank(order, q.gold)
                    if q.unanswerable is False:  # peers never refuse: their answer is their top paragraph
                        tallies[peer].answerable += 1
                        tallies[peer].answered_right += order[0] in q.gold
                t = time.perf_counter()
                hits = r.search(q.text, k=10)
                tallies["project search()"].seconds.append(time.perf_counter() - t)
                tallies["project search()"].rank(_unique([h.paragraph for h in hits]), q.gold)
            if not answer:
                continue
            t = time.perf_counter()
            a = r.answer(q.text)
            tally = tallies["project answer()"]
            tally.seconds.append(time.perf_counter() - t)
            if q.unanswerable is None:
                continue
            if q.unanswerable:
                tally.unanswerable += 1
                tally.unanswerable_refused += a.abstained
            else:
                tally.answerable += 1
                tally.false_refusals += a.abstained
                right = not a.abstained and a.hits[0].paragraph in q.gold
                tally.answered_right += right
                tally.rank(_unique([h.paragraph for h in a.ranked]) if not a.abstained else [], q.gold)
        if answer:
            for q in cross_questions(questions, name, cross):
                tally = tallies["project answer()"]
                tally.cross += 1
                tally.cross_refused += r.answer(q.text).abstained
    report = {
        "split": split,
        "articles": len(articles),
        "seconds": round(time.perf_counter() - started, 1),
        "systems": {name: tally.report() for name, tally in tallies.items()},
    }
    return report


def table(report: dict[str, Any]) -> Iterator[str]:
    columns = [
        "search_hit@1",
        "search_r@3",
        "answer_hit@1",
        "false_refusals",
        "unanswerable_refused",
        "cross_article_refused",
        "p50_ms",
    ]
    yield f"SQuAD 2.0, {report['split']} split: {report['articles']} articles, {report['seconds']} s"
    yield "| system | " + " | ".join(columns) + " |"
    yield "|---" * (len(columns) + 1) + "|"
    for name, row in report["systems"].items():
        cells = ["" if row[c] is None else f"{row[c]}" for c in columns]
        yield f"| {name} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench squad", description=__doc__)
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--cross", type=int, default=100, help="cross-article questions per article")
    args = parser.parse_args(argv)
    report = run(args.split, args.cross)
    for line in table(report):
        print(line)
    from bench.common import machine

    report["machine"] = machine()
    out = ROOT / "bench" / "reports" / f"squad-{args.split}-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
