"""txtai hybrid peer for bench/polnear.py, run by an interpreter that has txtai installed.

    python peer_txtai.py < request.json > rankings.json

Request (JSON on stdin): {"model": local MiniLM path, "articles": {name: [paragraph, ...]},
"questions": [{"id", "article", "query"}, ...]}. For each article, one
`Embeddings(path=model, hybrid=True, content=True)` index over its paragraphs (the model is loaded
once and the index rebuilt per article); each question is searched in its own article's index.

Answer (JSON on stdout): {"rankings": {id: [paragraph number, best first]}, "ms": {id: query ms},
"index_seconds": ..., "versions": {...}}. Nothing else is written to stdout; progress goes to
stderr as counts only.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any


def group(questions: Sequence[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Questions per article, in order of first appearance."""
    out: dict[str, list[dict[str, str]]] = {}
    for q in questions:
        out.setdefault(q["article"], []).append(q)
    return out


def rank(embeddings: Any, query: str, size: int) -> list[int]:
    """Paragraph numbers, best first."""
    results = embeddings.search(query, size)
    return [int(r["id"]) for r in results]


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """Index each article, search its questions, time every query."""
    from importlib.metadata import version

    from txtai import Embeddings

    embeddings = Embeddings(path=request["model"], hybrid=True, content=True)
    rankings: dict[str, list[int]] = {}
    ms: dict[str, float] = {}
    index_s = 0.0
    grouped = group(request["questions"])
    for n, (name, questions) in enumerate(grouped.items(), start=1):
        paras: list[str] = request["articles"][name]
        start = time.perf_counter()
        embeddings.index([(str(i), text, None) for i, text in enumerate(paras)])
        index_s += time.perf_counter() - start
        for q in questions:
            start = time.perf_counter()
            rankings[q["id"]] = rank(embeddings, q["query"], len(paras))
            ms[q["id"]] = (time.perf_counter() - start) * 1000
        print(f"txtai: {n}/{len(grouped)} articles", file=sys.stderr, flush=True)
    embeddings.close()
    return {
        "rankings": rankings,
        "ms": ms,
        "index_seconds": round(index_s, 2),
        "versions": {"txtai": version("txtai"), "python": sys.version.split()[0]},
    }


def main() -> int:
    """Read the request, keep stdout for the answer alone."""
    request = json.load(sys.stdin)
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        result = answer(request)
    finally:
        sys.stdout = real_stdout
    json.dump(result, real_stdout)
    real_stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
