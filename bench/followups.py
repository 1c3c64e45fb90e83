"""Follow-up questions on news articles: a chat's second turn, answered with and without what
came before.

python -m bench followups [--questions eval/news-followups.jsonl] [--index-root DIR]

Each question names the test article it is about (`article`, a file in tests/news/) and the
earlier turn of its chat (`history`). One index is built per article (kept in --index-root
when given, so a second run reuses them). Printed side by side on the same questions:

- answer: the bot, given the history;
- answer, no history: the bot on the follow-up alone;
- search + last turn: plain search of the last turn and the follow-up run together, the way a
  retrieval kit without a dialogue layer would condense a chat;
- search: plain search of the follow-up alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("answer", "answer, no history", "search + last turn", "search")


def read(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_article[row["article"]].append(row)
    return by_article


def index_for(article: str, root: Path) -> Path:
    from qa import store
    from qa.embedding import SentenceTransformerEmbedder

    folder = root / article
    if not (folder / "manifest.json").exists():
        source = ROOT / "tests" / "news" / f"{article}.txt"
        store.build([source], folder, embedder=SentenceTransformerEmbedder(None))
    return folder


def outcome(system: str, retriever: Any, row: dict[str, Any]) -> tuple[bool, list[Any]]:
    """(abstained, ranked passages) of one system on one question."""
    history = row.get("history") or []
    if system == "answer":
        ans = retriever.answer(row["question"], history=history, k=10)
        return ans.abstained, list(ans.ranked)
    if system == "answer, no history":
        ans = retriever.answer(row["question"], k=10)
        return ans.abstained, list(ans.ranked)
    text = " ".join([*history[-1:], row["question"]]) if system == "search + last turn" else row["question"]
    return False, retriever.search(text, k=10)


def score(results: list[tuple[dict[str, Any], bool, list[Any]]]) -> dict[str, float]:
    answerable = [(r, a, h) for r, a, h in results if not r.get("unanswerable")]
    unanswerable = [a for r, a, _ in results if r.get("unanswerable")]

    def first_right(r: dict[str, Any], hits: list[Any]) -> bool:
        return bool(hits) and hits[0].paragraph in r["gold_paragraphs"]

    hit1 = sum(first_right(r, h) and not a for r, a, h in answerable)
    r3 = sum(any(x.paragraph in r["gold_paragraphs"] for x in h[:3]) for r, _, h in answerable)
    named = [(r, a, h) for r, a, h in answerable if "speaker" in r]
    speaker = sum(bool(h) and not a and h[0].speaker == r["speaker"] for r, a, h in named)
    refused = sum(unanswerable)
    return {
        "questions": len(results),
        "hit@1": round(hit1 / max(1, len(answerable)), 3),
        "recall@3": round(r3 / max(1, len(answerable)), 3),
        "speaker": round(speaker / max(1, len(named)), 3),
        "false_refusals": round(sum(a for _, a, _ in answerable) / max(1, len(answerable)), 3),
        "unanswerable_refused": round(refused / max(1, len(unanswerable)), 3),
        "decisions": round((hit1 + refused) / max(1, len(results)), 3),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench followups")
    parser.add_argument("--questions", default=str(ROOT / "eval" / "news-followups.jsonl"))
    parser.add_argument("--index-root", help="keep the per-article indexes here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    from qa import Retriever

    by_article = read(Path(args.questions))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.index_root) if args.index_root else Path(scratch)
        results: dict[str, list[tuple[dict[str, Any], bool, list[Any]]]] = {s: [] for s in SYSTEMS}
        for article, rows in sorted(by_article.items()):
            retriever = Retriever.load(index_for(article, root))
            for row in rows:
                for system in SYSTEMS:  # interleaved: every system on one question before the next
                    abstained, hits = outcome(system, retriever, row)
                    results[system].append((row, abstained, hits))
    figures = {system: score(rows) for system, rows in results.items()}
    if args.json:
        json.dump(figures, sys.stdout, indent=1)
        print()
        return
    names = list(next(iter(figures.values())))
    print(f"{'system':<20}" + "".join(f"{n:>22}" for n in names))
    for system, row in figures.items():
        print(f"{system:<20}" + "".join(f"{row[n]:>22}" for n in names))
