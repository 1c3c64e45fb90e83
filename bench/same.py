"""Same answers: record what the bot replies to every question the project keeps, and compare.

python -m bench same --write FILE        record every answer (eval sets, news and SQuAD labelled)
python -m bench same --against FILE      record again and print each question whose answer differs

A change meant to keep behaviour (a restructure) is checked this way: the record holds, per
question, the decision, the message, the speaker, the rendered reply and the ranked passages.
Indexes are built once into bench/results/same/ and reused while current.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "results" / "same"


def _record(answer: Any) -> dict[str, Any]:
    return {
        "abstained": answer.abstained,
        "message": answer.message,
        "speaker": answer.speaker,
        "reply": answer.render(),
        "hits": [[h.doc, h.paragraph, h.start, h.end, h.speaker] for h in answer.hits],
        "ranked": [[h.paragraph, h.speaker] for h in answer.ranked[:10]],
    }


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def record() -> dict[str, dict[str, Any]]:
    """Every kept question's answer, keyed by file and id."""
    from bench.news import source_of
    from bench.squad import current_retriever, load
    from bench.squad import retriever as squad_retriever
    from qa import Retriever
    from qa.index.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(None)
    bundled = Retriever.load()
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        for row in _rows(path):
            if "split" in row:  # PolNeAR question sets: their own benchmark
                continue
            if "question" not in row:
                continue
            if "article" in row:
                retriever = current_retriever(source_of(row["article"]), CACHE / row["article"], embedder)
            else:
                retriever = bundled
            answer = retriever.answer(row["question"], history=row.get("history") or [])
            out[f"{path.name}:{row['id']}"] = _record(answer)
    articles, questions = load("labelled")
    for q in questions:
        retriever = squad_retriever(q.article, articles[q.article], embedder)
        out[f"squad:{q.id}"] = _record(retriever.answer(q.text))
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench same")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="record every answer into this file")
    group.add_argument("--against", type=Path, help="record again and list the answers that differ")
    args = parser.parse_args(argv)
    now = record()
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(json.dumps(now, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {len(now)} answers in {args.write}")
        return
    before = json.loads(args.against.read_text(encoding="utf-8"))
    differ = [key for key in sorted(set(before) | set(now)) if before.get(key) != now.get(key)]
    for key in differ:
        print(f"{key}\n  before: {json.dumps(before.get(key))[:600]}\n  after:  {json.dumps(now.get(key))[:600]}")
    print(f"{len(now)} answers, {len(differ)} differ")
    sys.exit(1 if differ else 0)
