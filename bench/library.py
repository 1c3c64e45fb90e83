"""A library of over 1,000 articles: a full build against adding one article, and search with
real questions.

python -m bench library [--synthetic 300]

The articles: every SQuAD 2.0 paragraph of the 24 benchmark articles as an article of its own
(743), plus synthetic news articles (bench/synthetic.py) to pass 1,000. Questions: the SQuAD
questions that their paragraph answers, so the right article is known. Both the full build and
the addition encode with the same encoder (the index's ONNX fp32 export), so the comparison is
of the work, not of the encoder.
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


def articles(folder: Path, synthetic: int) -> tuple[list[Path], dict[str, str]]:
    """Article files, and which doc answers each SQuAD question id."""
    from bench.squad import load
    from bench.synthetic import paragraphs

    squad, questions = load("all")
    files, doc_of = [], {}
    for name, paras in squad.items():
        for i, text in enumerate(paras):
            doc = f"{name[:40]}-{i + 1:03d}"  # SQuAD gold paragraphs count from 1
            path = folder / f"{doc}.txt"
            path.write_text(" ".join(text.split()) + "\n", encoding="utf-8")
            files.append(path)
    for q in questions:
        if q.unanswerable is not True and q.gold:
            doc_of[q.id] = f"{q.article[:40]}-{q.gold[0]:03d}"
    made = paragraphs(synthetic * 4, seed=11)
    for i in range(synthetic):
        path = folder / f"synthetic-{i:04d}.txt"
        path.write_text("\n".join(made[i * 4 : i * 4 + 4]) + "\n", encoding="utf-8")
        files.append(path)
    return files, doc_of


def run(synthetic: int = 300, questions_limit: int = 2000) -> dict[str, Any]:
    import faiss

    from bench.squad import load
    from qa.ask.answer import Retriever
    from qa.index import library, store
    from qa.index.encoder import FOLDER, OnnxEmbedder

    encoder = OnnxEmbedder.open(store.default_index_dir() / FOLDER)
    work = Path(tempfile.mkdtemp(prefix="qa-library-bench-"))
    try:
        (work / "articles").mkdir()
        files, doc_of = articles(work / "articles", synthetic)
        extra, rest = files[-1], files[:-1]
        folder = work / "index"
        t = time.perf_counter()
        store.build(rest, folder, embedder=encoder)
        full_s = time.perf_counter() - t

        adds = []
        for _ in range(3):  # add, remove, add again: the median of three additions
            t = time.perf_counter()
            library.add([library.read(str(extra))], folder, embedder=encoder)
            adds.append(time.perf_counter() - t)
            library.remove(extra.stem, folder)
        t = time.perf_counter()
        library.add([library.read(str(extra))], folder, embedder=encoder)
        adds.append(time.perf_counter() - t)
        add_s = float(np.median(adds))

        r = Retriever.load(folder, embedder=encoder)
        _, questions = load("all")
        asked = [q for q in questions if q.id in doc_of][:questions_limit]
        search_ms, right, in_ten = [], 0, 0
        r.search(asked[0].text)
        for q in asked:
            t = time.perf_counter()
            hits = r.search(q.text, k=10)
            search_ms.append((time.perf_counter() - t) * 1000)
            docs = [h.doc for h in hits]
            right += bool(docs) and docs[0] == doc_of[q.id]
            in_ten += doc_of[q.id] in docs

        # the approximate index the library switches to above 50,000 chunks, on these vectors
        vectors = r.index.vectors.reconstruct_n(0, r.index.vectors.ntotal)
        qv = encoder.encode([q.text for q in asked])
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
            [sys.executable, "-c", probe, str(folder), *[q.text for q in asked[:200]]],
            capture_output=True,
            text=True,
            check=True,
        )
        serving_rss = float(out.stdout.split()[-1])
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and FOLDER not in p.parts)
        return {
            "articles": len(files),
            "chunks": len(r.chunks),
            "sentences": int(r.index.sentence_vectors.ntotal),
            "full_build_s": round(full_s, 1),
            "add_one_article_s": round(add_s, 2),
            "add_over_full_build": round(add_s / full_s, 3),
            "questions": len(asked),
            "search_p50_ms": round(float(np.percentile(search_ms, 50)), 2),
            "search_p95_ms": round(float(np.percentile(search_ms, 95)), 2),
            "right_article_at_1": round(right / len(asked), 4),
            "right_article_in_10": round(in_ten / len(asked), 4),
            "hnsw_recall_at_10_vs_exact": round(ann_recall, 4),
            "index_mb_on_disk": round(size / 1e6, 1),
            "serving_peak_rss_mb": round(serving_rss, 1),  # a fresh process: load the library, 200 searches
            "benchmark_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench library", description=__doc__)
    parser.add_argument("--synthetic", type=int, default=300, help="synthetic articles beside the 743 SQuAD ones")
    args = parser.parse_args(argv)
    from bench.common import REPORTS, machine

    result = {"machine": machine(), **run(args.synthetic)}
    print(json.dumps(result, indent=1))
    REPORTS.mkdir(parents=True, exist_ok=True)
    out = REPORTS / f"library-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
