"""Questions on articles: the ten test news articles (first questions, and follow-ups with the
turn before them) and three SQuAD 2.0 encyclopedia articles (reader questions and follow-ups).

python -m bench news [--questions FILE ...] [--index-root DIR] [--json]

Each question names the article it is about (`article`: a file in tests/news/, else the title
of a SQuAD 2.0 article in bench/data/squad2/) and, for a follow-up, the earlier turn of its
chat (`history`). One index is built per article (kept
in --index-root when given, so a second run reuses them). Printed per question file, side by
side on the same questions, every system on one question before the next:

- answer: the bot, given the history;
- answer, no history: the bot on the follow-up alone (follow-up files only);
- search: the project's ranking, never refusing;
- bm25s, dense flat: plain peers over whole paragraphs.

The rankings that see no dialogue (search and the peers) get the last turn and the follow-up
run together, the way a retrieval kit without a dialogue layer would condense a chat.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FILES = ("news-questions.jsonl", "news-followups.jsonl", "encyclopedia-questions.jsonl", "encyclopedia-test.jsonl")


def read(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_article[row["article"]].append(row)
    return by_article


@lru_cache(maxsize=1)
def _squad_articles() -> dict[str, list[str]]:
    from bench.squad import load

    return load("all")[0]  # read once per run, not once per article


def source_of(article: str) -> Path:
    """A test news article by its file name, else a SQuAD 2.0 article by its title."""
    path = ROOT / "tests" / "news" / f"{article}.txt"
    if path.exists():
        return path
    from bench.squad import article_file

    articles = _squad_articles()
    if article not in articles:
        raise SystemExit(f"no test news article or SQuAD article called {article!r}")
    return article_file(article, articles[article])


def outcome(
    system: str, retriever: Any, peers: Any, embedder: Any, row: dict[str, Any]
) -> tuple[bool, list[int], list[str | None]]:
    """(abstained, paragraphs best first, their speakers) of one system on one question."""
    history = row.get("history") or []
    if system.startswith("answer"):
        ans = retriever.answer(row["question"], history=history if system == "answer" else None, k=10)
        return ans.abstained, [h.paragraph for h in ans.ranked], [h.speaker for h in ans.ranked]
    text = " ".join([*history[-1:], row["question"]])
    if system == "search":
        hits = retriever.search(text, k=10)
        return False, [h.paragraph for h in hits], [h.speaker for h in hits]
    order = peers.rankings(text, embedder.encode([text]))[system]
    return False, order[:10], [None] * len(order[:10])


def score(results: list[tuple[dict[str, Any], bool, list[int], list[str | None]]], speakers: bool) -> dict[str, float]:
    answerable = [x for x in results if not x[0].get("unanswerable")]
    refused = sum(a for r, a, _, _ in results if r.get("unanswerable"))
    unanswerable = len(results) - len(answerable)
    hit1 = sum(bool(p) and p[0] in r["gold_paragraphs"] and not a for r, a, p, _ in answerable)
    r3 = sum(any(x in r["gold_paragraphs"] for x in p[:3]) for r, _, p, _ in answerable)
    named = [(r, a, s) for r, a, _, s in answerable if "speaker" in r]
    figures = {
        "questions": len(results),
        "hit@1": round(hit1 / max(1, len(answerable)), 3),
        "recall@3": round(r3 / max(1, len(answerable)), 3),
        "false_refusals": round(sum(a for _, a, _, _ in answerable) / max(1, len(answerable)), 3),
        "unanswerable_refused": round(refused / max(1, unanswerable), 3),
        "decisions": round((hit1 + refused) / max(1, len(results)), 3),
    }
    if speakers and named:
        figures["speaker"] = round(
            sum(bool(s) and not a and s[0] == r["speaker"] for r, a, s in named) / max(1, len(named)), 3
        )
    return figures


def run(files: list[Path], root: Path) -> dict[str, dict[str, dict[str, float]]]:
    from bench.squad import Peers, current_retriever
    from qa.index.embedding import SentenceTransformerEmbedder
    from qa.text import article as articles

    embedder = SentenceTransformerEmbedder(None)
    report = {}
    for path in files:
        by_article = read(path)
        follow = any(row.get("history") for rows in by_article.values() for row in rows)
        systems = ["answer", *(["answer, no history"] if follow else []), "search", "bm25s", "dense flat"]
        results: dict[str, list[Any]] = {s: [] for s in systems}
        for article, rows in sorted(by_article.items()):
            source = source_of(article)
            retriever = current_retriever(source, root / article, embedder)
            # the peers rank the article's paragraphs as the project numbers them
            peers = Peers([p.text for p in articles.load(source).paragraphs], embedder)
            for row in rows:
                for system in systems:
                    results[system].append((row, *outcome(system, retriever, peers, embedder, row)))
        report[path.name] = {s: score(r, s.startswith("answer") or s == "search") for s, r in results.items()}
    return report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench news")
    parser.add_argument(
        "--questions", action="append", help="a question file (repeatable; default: both news files in eval/)"
    )
    parser.add_argument("--index-root", help="keep the per-article indexes here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    files = [Path(f) for f in args.questions] if args.questions else [ROOT / "eval" / f for f in FILES]
    with tempfile.TemporaryDirectory() as scratch:
        report = run(files, Path(args.index_root) if args.index_root else Path(scratch))
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return
    for name, figures in report.items():
        columns = ["questions", "hit@1", "recall@3", "speaker", "false_refusals", "unanswerable_refused", "decisions"]
        print(f"\n{name}")
        print(f"{'system':<20}" + "".join(f"{c:>21}" for c in columns))
        for system, row in figures.items():
            print(f"{system:<20}" + "".join(f"{row.get(c, ''):>21}" for c in columns))
    if not args.questions:  # the committed question files: keep the run beside the others
        from bench.common import machine

        out = ROOT / "bench" / "reports" / f"news-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
        out.write_text(json.dumps({"files": report, "machine": machine()}, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {out}")
