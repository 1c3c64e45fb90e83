"""Concurrent chat sessions against a running server, through gradio_client."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

# (question, speaker the first quote must come from); follow-ups rely on the session's history
SESSION = [
    ("Who said safety must be the foundation?", "Qi Xiangdong"),
    ("What else did he say?", "Qi Xiangdong"),
    ("When did Xiaomi start its all-in-AI strategy?", "Lei Jun"),
    ("What did the report find about AI large models?", "China Academy of Information and Communications Technology"),
    ("What is the population of Brazil?", None),  # must abstain
]


@dataclass
class LoadResult:
    sessions: int
    requests: int = 0
    answered: int = 0
    correct: int = 0
    failures: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _session(url: str, n: int) -> tuple[int, int, list[str], list[float]]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    history: list[str] = []
    answered = correct = 0
    failures: list[str] = []
    latencies = []
    for question, speaker in SESSION:
        start = time.perf_counter()
        try:
            data = client.predict(question, history, None, 3, api_name="/ask")
        except Exception as exc:  # a lost request is what this measures
            failures.append(f"session {n}: {question!r}: {exc}")
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        answered += 1
        ok = (
            data["abstained"] and not data["quotes"]
            if speaker is None
            else (not data["abstained"] and data["quotes"][0]["speaker"] == speaker)
        )
        correct += ok
        if not ok:
            failures.append(f"session {n}: {question!r}: wrong answer {data.get('quotes', [])[:1]}")
        history.append(question)
    return answered, correct, failures, latencies


def run(url: str, sessions: int = 50) -> LoadResult:
    result = LoadResult(sessions=sessions, requests=sessions * len(SESSION))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for answered, correct, failures, latencies in pool.map(lambda n: _session(url, n), range(sessions)):
            result.answered += answered
            result.correct += correct
            result.failures += failures
            result.latencies_ms += latencies
    result.seconds = time.perf_counter() - start
    return result
