"""Fit the codebook that stores passages' token vectors in an index (qa/data/tokens.npy).

python -m bench codebook [--subspaces 96] [--articles 300]

The token vectors come from the bundled model's exported encoder run over paragraphs of real
text: PolNeAR `train` news articles and SQuAD 2.0's 20 fitting (retrieval-only) articles. The centroids are fitted with faiss's product quantiser on the first half of the
articles of each kind and measured on the rest: how close a decoded vector stays to its own
(cosine), and how far a question word's best match in a passage moves (the quantity the
word-by-word match averages), with the other half's token vectors standing in for the question's.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.squad import load
from qa.index import store
from qa.index.encoder import FOLDER, OnnxEmbedder
from qa.index.tokens import CODEBOOK, CODEBOOK_RECORD, Codebook

ROOT = Path(__file__).resolve().parent.parent
POLNEAR_TRAIN = ROOT.parent / "shared" / "news" / "polnear" / "train" / "articles"


def texts(articles: int) -> tuple[list[list[str]], list[list[str]]]:
    """Paragraph lists of news and SQuAD articles, `articles` of each kind."""
    news = []
    for path in sorted(POLNEAR_TRAIN.glob("*/rawtext.txt"))[:articles]:
        blocks = [" ".join(b.split()) for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        news.append(blocks)
    squad, _ = load("retrieval-only")  # the fitting articles; the labelled ones are for reports
    encyclopedia = list(squad.values())[:articles]
    return news, encyclopedia


def token_rows(encoder: OnnxEmbedder, articles: list[list[str]]) -> list[np.ndarray]:
    """Per paragraph: its token vectors."""
    out = []
    for paras in articles:
        _, tokens = encoder.encode_tokens(paras)
        out += [rows for _, rows in tokens if len(rows)]
    return out


def measure(book: Codebook, passages: list[np.ndarray], asked: np.ndarray) -> dict[str, float]:
    """Decoded against true: each token's cosine to its own decoded vector; and the error in a
    question word's best cosine in a passage."""
    own, moved = [], []
    for rows in passages:
        decoded = book.decode(book.encode(rows))
        own.append((rows * decoded).sum(axis=1))
        moved.append(np.abs((asked @ rows.T).max(axis=1) - (asked @ decoded.T).max(axis=1)))
    own_all, moved_all = np.concatenate(own), np.concatenate(moved)
    return {
        "own_cosine_mean": round(float(own_all.mean()), 4),
        "own_cosine_p5": round(float(np.percentile(own_all, 5)), 4),
        "best_match_error_mean": round(float(moved_all.mean()), 4),
        "best_match_error_p95": round(float(np.percentile(moved_all, 95)), 4),
    }


def run(subspaces: int, articles: int, write: bool) -> dict[str, Any]:
    import faiss

    encoder = OnnxEmbedder.open(store.default_index_dir() / FOLDER)
    news, encyclopedia = texts(articles)
    half_n, half_e = len(news) // 2, len(encyclopedia) // 2
    t = time.perf_counter()
    fit = token_rows(encoder, news[:half_n] + encyclopedia[:half_e])
    held = token_rows(encoder, news[half_n:] + encyclopedia[half_e:])
    encode_s = time.perf_counter() - t
    train = np.vstack(fit)
    rng = np.random.default_rng(7)
    t = time.perf_counter()
    quantizer = faiss.ProductQuantizer(train.shape[1], subspaces, 8)
    quantizer.train(train)
    fit_s = time.perf_counter() - t
    centroids = faiss.vector_to_array(quantizer.centroids).reshape(subspaces, 256, -1)
    book = Codebook(encoder.model_id, centroids)
    pool = np.vstack(held)
    asked = pool[rng.choice(len(pool), size=min(64, len(pool)), replace=False)]
    sample = [held[i] for i in rng.choice(len(held), size=min(400, len(held)), replace=False)]
    result = {
        "model": encoder.model_id,
        "dimension": int(train.shape[1]),
        "subspaces": subspaces,
        "bytes_per_token": subspaces,
        "fitted_on": f"token vectors of {half_n} PolNeAR train news articles and {half_e} SQuAD 2.0 fitting articles",
        "fit_tokens": len(train),
        "held_out_tokens": int(sum(len(r) for r in sample)),
        "held_out": measure(book, sample, asked),
        "encode_s": round(encode_s, 1),
        "fit_s": round(fit_s, 1),
    }
    if write:
        np.save(CODEBOOK, centroids.astype(np.float32), allow_pickle=False)
        CODEBOOK_RECORD.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench codebook", description=__doc__)
    parser.add_argument("--subspaces", type=int, default=96, help="bytes per token vector (a divisor of 384)")
    parser.add_argument("--articles", type=int, default=300, help="articles of each kind (half fit, half measure)")
    parser.add_argument("--dry-run", action="store_true", help="measure only; write nothing")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.subspaces, args.articles, not args.dry_run), indent=1))
