"""A synthetic corpus: the bundled article's paragraphs varied and multiplied to any size."""

from __future__ import annotations

import random
import re
from pathlib import Path

from qa.text import article

_FIRST = ["Anna", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi", "Lena"]
_LAST = ["Okafor", "Marchetti", "Tanaka", "Silva", "Novak", "Haddad", "Lindqvist", "Mensah", "Park", "Reyes"]


def paragraphs(count: int, *, seed: int = 7) -> list[str]:
    """`count` news-style paragraphs built from the article's own, with names and numbers changed."""
    rng = random.Random(seed)
    base = [p.text for p in article.load().paragraphs]
    names = sorted({m for p in base for m in re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", p)})
    out = []
    for i in range(count):
        text = base[i % len(base)]
        for name in names:
            if name in text:
                text = text.replace(name, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")
        text = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 40)), text)
        words = text.split()
        if len(words) > 12:  # swap a pair of words so that no two paragraphs are the same
            a, b = rng.sample(range(len(words) // 2, len(words) - 1), 2)
            words[a], words[b] = words[b], words[a]
        out.append(" ".join(words) + f" (item {i})")
    return out


def write_corpus(folder: Path, chunks: int, *, per_file: int = 2000) -> list[Path]:
    """Article files holding about `chunks` paragraphs in all."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = paragraphs(chunks)
    files = []
    for n, start in enumerate(range(0, len(texts), per_file)):
        path = folder / f"synthetic-{n:03d}.txt"
        path.write_text("\n".join(texts[start : start + per_file]) + "\n", encoding="utf-8")
        files.append(path)
    return files
