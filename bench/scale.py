"""One scale point, in its own process so its peak memory is its own: build, query, recall."""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.synthetic import write_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    import faiss

    from qa import Retriever
    from qa.index import store
    from qa.index.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_corpus(Path(tmp) / "corpus", args.chunks)
        sample = Path(files[0]).read_text().splitlines()[:256]
        embedder.encode(sample[:8])
        t = time.perf_counter()
        embedder.encode(sample, batch_size=64)
        encoder_rate = len(sample) / (time.perf_counter() - t)

        t = time.perf_counter()
        manifest = store.build(files, Path(tmp) / "index", embedder=embedder, progress=args.chunks >= 10_000)
        build_s = time.perf_counter() - t
        retriever = Retriever.load(Path(tmp) / "index", embedder=embedder)
        n = manifest["chunk_count"]

        questions = [line.split(" (item")[0][:120] for line in sample[: args.queries]]
        vectors = np.vstack([embedder.encode([q]) for q in questions])
        for q in questions[:5]:
            retriever.search(q, k=10)
        times = []
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, k=10)
            times.append((time.perf_counter() - t) * 1000)
        encode_times = []
        for q in questions:
            t = time.perf_counter()
            embedder.encode([q])
            encode_times.append((time.perf_counter() - t) * 1000)

        index = retriever.index.vectors
        recall = 1.0
        ann_ms = None
        if manifest["vector_index"] != "flat":
            exact = faiss.IndexFlatIP(index.d)
            exact.add(index.reconstruct_n(0, index.ntotal))
            _, truth = exact.search(vectors, 10)
            t = time.perf_counter()
            _, approx = index.search(vectors, 10)
            ann_ms = (time.perf_counter() - t) * 1000 / len(vectors)
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(approx, truth, strict=True)]))
    print(
        json.dumps(
            {
                "chunks": n,
                "vector_index": manifest["vector_index"],
                "build_s": round(build_s, 1),
                "build_chunks_per_s": round(n / build_s, 1),
                "encoder_chunks_per_s": round(encoder_rate, 1),
                "search_p50_ms": round(float(np.percentile(times, 50)), 2),
                "search_p95_ms": round(float(np.percentile(times, 95)), 2),
                "encode_p50_ms": round(float(np.percentile(encode_times, 50)), 2),
                "ann_ms_per_query": round(ann_ms, 3) if ann_ms is not None else None,
                "recall_at_10": round(recall, 4),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
