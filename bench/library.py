"""A library of over 1,000 real articles: a full build against adding one article, and search
with questions whose article is known.

python -m bench library [--squad 200] [--keep DIR]

The articles: the 840 PolNeAR `train` news articles (../shared/news/polnear; US political news,
2015-16), and SQuAD 2.0 paragraphs of the benchmark articles, each an article of its own, to pass
1,000. The questions: the reader-written news development sets' first questions that the article
answers (eval/news-dev-*.jsonl), and the SQuAD questions that one of the library's paragraphs
answers. A search is right when its first passage comes from the question's own article. Both the
full build and the addition encode with the same encoder (the index's ONNX fp32 export), so the
comparison is of the work, not of the encoder. `--keep DIR` builds the library there once and
reuses it (for repeated search runs); the addition is then not timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
POLNEAR_TRAIN = ROOT.parent / "shared" / "news" / "polnear" / "train" / "articles"
NEWS_QUESTIONS = [ROOT / "eval" / f"news-dev-{x}.jsonl" for x in "abc"]


def articles(folder: Path, squad_paragraphs: int) -> tuple[list[Path], list[tuple[str, str, str]]]:
    """The article files, and the questions as (set, question, doc that answers it)."""
    from bench.squad import load

    files, asked = [], []
    for src in sorted(POLNEAR_TRAIN.glob("*/rawtext.txt")):
        path = folder / f"{src.parent.name}.txt"
        shutil.copyfile(src, path)
        files.append(path)
    for qfile in NEWS_QUESTIONS:
        for line in qfile.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row and not row.get("history") and not row.get("unanswerable") and row.get("evidence_spans"):
                asked.append(("news", row["question"], row["article"]))
    squad, questions = load("all")
    kept: set[str] = set()
    for name, paras in squad.items():
        for i, text in enumerate(paras):
            if len(kept) >= squad_paragraphs:
                break
            doc = f"{name[:40]}-{i + 1:03d}"  # SQuAD gold paragraphs count from 1
            path = folder / f"{doc}.txt"
            path.write_text(" ".join(text.split()) + "\n", encoding="utf-8")
            files.append(path)
            kept.add(doc)
    for q in questions:
        doc = f"{q.article[:40]}-{q.gold[0]:03d}" if q.gold else ""
        if q.unanswerable is not True and doc in kept:
            asked.append(("squad", q.text, doc))
    return files, asked


def build(files: list[Path], folder: Path, encoder: Any) -> tuple[float, float | None]:
    """Build the library from all files but the last, then time adding the last one (the median
    of three additions, removing it between them). Returns (full build s, addition s)."""
    from qa.index import library, store

    extra, rest = files[-1], files[:-1]
    t = time.perf_counter()
    store.build(rest, folder, embedder=encoder)
    full_s = time.perf_counter() - t
    adds = []
    for i in range(3):  # add, remove, add again: the median of three additions
        t = time.perf_counter()
        library.add([library.read(str(extra))], folder, embedder=encoder)
        adds.append(time.perf_counter() - t)
        if i < 2:
            library.remove(extra.stem, folder)
    return full_s, float(np.median(adds))


def run(squad_paragraphs: int = 200, keep: Path | None = None) -> dict[str, Any]:
    import faiss

    from bench.polnear import slug
    from qa.ask.answer import Retriever
    from qa.index import store
    from qa.index.encoder import FOLDER, OnnxEmbedder

    encoder = OnnxEmbedder.open(store.default_index_dir() / FOLDER)
    work = Path(tempfile.mkdtemp(prefix="qa-library-bench-"))
    try:
        (work / "articles").mkdir()
        files, asked = articles(work / "articles", squad_paragraphs)
        folder = keep or work / "index"
        full_s = add_s = None
        if not (folder / "manifest.json").exists():
            full_s, add_s = build(files, folder, encoder)

        r = Retriever.load(folder, embedder=encoder)
        by_set: dict[str, dict[str, list[float]]] = {}
        r.search(asked[0][1])
        for name, text, doc in asked:
            t = time.perf_counter()
            hits = r.search(text, k=10)
            ms = (time.perf_counter() - t) * 1000
            docs = [slug(h.doc) for h in hits]
            row = by_set.setdefault(name, {"ms": [], "first": [], "in_ten": []})
            row["ms"].append(ms)
            row["first"].append(bool(docs) and docs[0] == slug(doc))
            row["in_ten"].append(slug(doc) in docs)
        every = [ms for row in by_set.values() for ms in row["ms"]]

        # the approximate index the library switches to above 50,000 chunks, on these vectors
        vectors = r.index.vectors.reconstruct_n(0, r.index.vectors.ntotal)
        qv = encoder.encode([text for _, text, _ in asked])
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.add(vectors)
        hnsw.hnsw.efSearch = store.HNSW_EF_SEARCH
        _, want = exact.search(qv, 10)
        _, got = hnsw.search(qv, 10)
        ann_recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got, strict=True)]))
        probe = (
            "import resource, sys\nfrom qa import Retriever\nr = Retriever.load(sys.argv[1])\n"
            "for q in sys.argv[2:]:\n    r.search(q, k=10)\n"
            # VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the parent's peak
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024)"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe, str(folder), *[text for _, text, _ in asked[:200]]],
            capture_output=True,
            text=True,
            check=True,
        )
        serving_rss = float(out.stdout.split()[-1])
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and FOLDER not in p.parts)
        return {
            "articles": len(files),
            "news_articles": sum(1 for f in files if (POLNEAR_TRAIN / f.stem).exists()),
            "chunks": len(r.chunks),
            "sentences": int(r.index.sentence_vectors.ntotal),
            "full_build_s": None if full_s is None else round(full_s, 1),
            "add_one_article_s": None if add_s is None else round(add_s, 2),
            "add_over_full_build": None if full_s is None or add_s is None else round(add_s / full_s, 4),
            "questions": len(asked),
            "search_p50_ms": round(float(np.percentile(every, 50)), 2),
            "search_p95_ms": round(float(np.percentile(every, 95)), 2),
            "by_set": {
                name: {
                    "questions": len(row["ms"]),
                    "search_p50_ms": round(float(np.percentile(row["ms"], 50)), 2),
                    "search_p95_ms": round(float(np.percentile(row["ms"], 95)), 2),
                    "right_article_at_1": round(float(np.mean(row["first"])), 4),
                    "right_article_in_10": round(float(np.mean(row["in_ten"])), 4),
                }
                for name, row in by_set.items()
            },
            "hnsw_recall_at_10_vs_exact": round(ann_recall, 4),
            "index_mb_on_disk": round(size / 1e6, 1),
            "serving_peak_rss_mb": round(serving_rss, 1),  # a fresh process: load the library, 200 searches
            "benchmark_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench library", description=__doc__)
    parser.add_argument("--squad", type=int, default=200, help="SQuAD paragraphs beside the 840 news articles")
    parser.add_argument("--keep", type=Path, help="build the library here once and reuse it")
    args = parser.parse_args(argv)
    from bench.common import REPORTS, machine

    result = {"machine": machine(), **run(args.squad, args.keep)}
    print(json.dumps(result, indent=1))
    REPORTS.mkdir(parents=True, exist_ok=True)
    out = REPORTS / f"library-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
