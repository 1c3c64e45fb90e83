"""Run every benchmark, print a table, write bench/results/bench.json.

python -m bench [--sizes 1000,10000,100000] [--sessions 50]
python -m bench squad [--split ...]   answer quality on SQuAD 2.0 beside plain peers
python -m bench fit                   fit fusion weights and the refusal model (qa/data/)
python -m bench encoders              query encoders side by side: torch, ONNX fp32, ONNX int8
python -m bench library               a library of over 1,000 real articles: build, adding one, search
python -m bench codebook              fit the codebook that stores passages' token vectors (qa/data/)
python -m bench pronouns             pronoun resolution in attribution on the PolNeAR pronoun gold
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPORTS, RESULTS, ROOT, launch, machine, pct, peak_rss_mb

QUESTION = "Who said safety must be the foundation?"

_COLD_API = f"""
import resource, time
t = time.perf_counter()
from qa import Retriever
r = Retriever.load()
a = r.answer({QUESTION!r})
assert a.hits
# VmHWM, not ru_maxrss: after exec, ru_maxrss still counts the parent's peak at fork
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024)
"""




def cold_api() -> dict[str, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _COLD_API], capture_output=True, text=True, check=True, cwd=ROOT)
    return {
        "cold_api_s": round(time.perf_counter() - start, 2),
        "api_peak_rss_mb": round(float(out.stdout.split()[-1]), 1),
    }


def warm(rounds: int = 5) -> dict[str, float]:
    from qa import Retriever
    from qa.evaluation import default_questions, read_questions
    from qa.index import store

    retriever = Retriever.load()
    questions = read_questions(default_questions())
    for q in questions:
        retriever.answer(q.question, history=list(q.history))
    search, answer, encode = [], [], []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            retriever.embedder.encode([q.question])
            encode.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            retriever.search(q.question, k=5)
            search.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            retriever.answer(q.question, history=list(q.history))
            answer.append((time.perf_counter() - t) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        store.build(None, Path(tmp) / "index", embedder=retriever.embedder)
        build_s = time.perf_counter() - t
    return {
        "encode_p50_ms": pct(encode, 50),
        "encode_p95_ms": pct(encode, 95),
        "search_p50_ms": pct(search, 50),
        "search_p95_ms": pct(search, 95),
        "answer_p50_ms": pct(answer, 50),
        "answer_p95_ms": pct(answer, 95),
        "search_over_encode": round(pct(search, 50) / pct(encode, 50), 2),
        "build_article_s": round(build_s, 2),
    }






def app(sessions: int) -> dict[str, float]:
    from gradio_client import Client

    from bench.load import run

    proc, url, start = launch()
    try:
        Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        first = time.perf_counter() - start
        load = run(url, sessions)
        hwm = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {
        "app_first_answer_s": round(first, 2),
        "app_peak_rss_mb": round(hwm, 1),
        "load_requests": load.requests,
        "load_answered": load.answered,
        "load_correct": load.correct,
        "load_throughput_rps": round(load.answered / load.seconds, 1),
        "load_p50_ms": pct(load.latencies_ms, 50),
        "load_p95_ms": pct(load.latencies_ms, 95),
    }


def scale(sizes: list[int]) -> list[dict[str, float]]:
    rows = []
    for size in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench.scale", "--chunks", str(size)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  scale {size}: {rows[-1]}", flush=True)
    return rows




def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("squad", "fit", "encoders", "library", "quotes", "news", "same", "polnear", "pronouns", "codebook"):
        import importlib

        importlib.import_module(f"bench.{sys.argv[1]}").main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="synthetic corpus sizes, comma-separated ('' to skip)"
    )
    parser.add_argument("--sessions", type=int, default=50, help="concurrent chat sessions for the load run")
    parser.add_argument("--rounds", type=int, default=5, help="cold runs per encoder in the encoder comparison")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    results: dict[str, object] = {"machine": machine()}
    from bench import encoders

    # first, while this process is small: a child's peak RSS starts from its parent's at fork
    results["encoders"] = encoders.run(args.rounds, with_squad=False)
    print("cold start, Python API ...", flush=True)
    results.update(cold_api())
    print("warm latency and build ...", flush=True)
    results.update(warm())
    print(f"app start and load ({args.sessions} sessions x 5 questions) ...", flush=True)
    results.update(app(args.sessions))
    print("scale ...", flush=True)
    results["scale"] = scale(sizes)

    print("\n| measure | value |\n|---|---|")
    for key, value in results.items():
        if key not in ("scale", "machine", "encoders"):
            print(f"| {key} | {value} |")
    if results["scale"]:
        cols = [
            "chunks",
            "vector_index",
            "build_chunks_per_s",
            "encoder_chunks_per_s",
            "search_p50_ms",
            "search_p95_ms",
            "encode_p50_ms",
            "recall_at_10",
            "peak_rss_mb",
        ]
        print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
        for row in results["scale"]:  # type: ignore[union-attr]
            print("| " + " | ".join(str(row.get(c)) for c in cols) + " |")
    print("\n" + "\n".join(encoders.table(results["encoders"])))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    # the run the README quotes is kept in the repository, with its machine and date
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"bench-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    report.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'bench.json'} and {report}")


if __name__ == "__main__":
    main()
