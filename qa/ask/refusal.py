"""The refusal: one logistic model of "the article answers this", read over features of the best passages."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa.ask.question import focus_heads, things_asked, unknown_names
from qa.ask.search import Hit, Searcher
from qa.ask.vocabulary import vocabulary
from qa.index.lexical import terms


@dataclass(frozen=True)
class Refusal:
    """A logistic model of "the article answers this", fitted by `python -m bench fit`."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the probability is at least this
    version: int

    def probability(self, values: dict[str, float]) -> float:
        return _sigmoid(self.bias + sum(w * values[name] for name, w in zip(self.features, self.weights, strict=True)))

    def bounds(self, values: dict[str, float], free: dict[str, tuple[float, float]]) -> tuple[float, float]:
        """The lowest and highest probability over every value the `free` features may take
        (each within its range); the others are as given."""
        low = high = self.bias
        for name, w in zip(self.features, self.weights, strict=True):
            a, b = (w * free[name][0], w * free[name][1]) if name in free else (w * values[name],) * 2
            low, high = low + min(a, b), high + max(a, b)
        return _sigmoid(low), _sigmoid(high)

def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

@lru_cache(maxsize=1)
def refusal_model() -> Refusal:
    data = json.loads((Path(__file__).resolve().parents[1] / "data" / "refusal.json").read_text(encoding="utf-8"))
    return Refusal(
        features=tuple(data["features"]),
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        version=int(data["version"]),
    )

FEATURES = (
    "evidence",
    "chunk",
    "margin",
    "covered_top",
    "covered_evidence",
    "covered_article",
    "covered_things",
    "unknown_names",
    "focus_missing",
    "foreign",
    "lacking_date",
    "lacking_denial",
    "lacking_figure",
    "no_one_described",
    "pronoun_open",
    "speaker_elsewhere",
)

PARSED = ("covered_things", "unknown_names", "focus_missing")  # the features read from a parse

def decision_features(
    retriever: Searcher,
    text: str,
    ranked: Sequence[Hit],
    topic: dict[str, str],
    missing: list[str],
) -> dict[str, float]:
    """What the refusal model reads, but for the PARSED features: how close the best evidence
    is, and how much of the question the best passage and the whole article cover.

    `topic` is every content word of the question (names of speakers included) and `missing`
    those the article neither uses nor paraphrases."""
    _, chunk_terms = vocabulary(retriever)
    top = ranked[0] if ranked else None
    second = max((h.evidence_score for h in ranked[1:]), default=0.0)
    stems = set(topic.values())
    covered_top = len(stems & chunk_terms[top.chunk_id]) / len(stems) if top and stems else 1.0
    evidence_terms = set(terms(" ".join(top.evidence_text()))) if top else set()
    covered_evidence = len(stems & evidence_terms) / len(stems) if top and stems else 1.0
    return {
        "evidence": top.evidence_score if top else 0.0,
        "chunk": top.dense if top else 0.0,
        "margin": (top.evidence_score - second) if top else 0.0,
        "covered_top": covered_top,
        "covered_evidence": covered_evidence,
        "covered_article": 1.0 - len(missing) / len(topic) if topic else 1.0,
    }

def parsed_features(
    retriever: Searcher, text: str, topic: dict[str, str], missing: list[str], surface: set[str] | None = None
) -> dict[str, float]:
    """The refusal features read from the question's parse: which of its nouns the article
    lacks, whether it names someone the article never mentions (`surface`: the article's
    words; the whole index's when None), whether what it asks for (its focus noun) is missing."""
    if surface is None:
        surface, _ = vocabulary(retriever)
    things = things_asked(text) & set(topic)
    return {
        "covered_things": 1.0 - len(things & set(missing)) / len(things) if things else 1.0,
        "unknown_names": float(bool(unknown_names(text, surface))),
        "focus_missing": float(any(w in missing for w in focus_heads(text))),
    }

def parse_ranges(missing: list[str]) -> dict[str, tuple[float, float]]:
    """The values the PARSED features can take before the parse is read: with nothing
    missing, every noun and the focus are covered; only an unknown name is open."""
    if not missing:
        return {"covered_things": (1.0, 1.0), "unknown_names": (0.0, 1.0), "focus_missing": (0.0, 0.0)}
    return {name: (0.0, 1.0) for name in PARSED}

def decide(
    model: Refusal,
    values: dict[str, float],
    parse: Callable[[], dict[str, float]],
    *,
    free: dict[str, tuple[float, float]],
    exact: bool,
) -> tuple[bool, float, dict[str, float]]:
    """Answer or refuse: (answers, confidence, features). The parse is read only when its
    features could turn the decision (or when `exact`); unread, the confidence is the lowest
    the model could give, and the parsed features are absent from the returned values."""
    if not exact:
        low, high = model.bounds(values, free)
        if low >= model.threshold:
            return True, low, values
        if high < model.threshold:
            return False, high, values
    values = {**values, **parse()}
    confidence = model.probability(values)
    return confidence >= model.threshold, confidence, values


def strongest(model: Refusal, values: dict[str, float], names: Sequence[str]) -> str | None:
    """Of the features `names`, the one that pulled the decision furthest towards refusing;
    None when none of them did."""
    pulls = {
        name: w * values.get(name, 0.0)
        for name, w in zip(model.features, model.weights, strict=True)
        if name in names and w * values.get(name, 0.0) < 0
    }
    return min(pulls, key=lambda name: pulls[name]) if pulls else None
