"""Pronoun resolution in attribution, on hand-written gold for PolNeAR `train` articles.

python -m bench pronouns [--gold eval/pronoun-gold.jsonl] [--misses]

Each gold row names an article, the offsets of a pronoun that is the source of an attribution
("he said", "they argued") and the person or group it stands for (`referent`). The article is
read as `qa quotes` reads it; the pronoun is found when a statement's speaker mention covers it,
and resolved right when that statement's speaker is the referent (`same_referent`: "Valls" for
"Manuel Valls"). Accuracy is over every gold pronoun (a
pronoun no statement names counts as wrong) and over the found ones. The corpus is read from
../shared/news/polnear, or where $QA_POLNEAR says.
"""

from __future__ import annotations

import argparse
import json
import os
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from bench.quotes import same_speaker

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = Path(os.environ.get("QA_POLNEAR", ROOT.parent / "shared" / "news" / "polnear"))
GOLD = ROOT / "eval" / "pronoun-gold.jsonl"


def _folded(name: str | None) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name or "") if not unicodedata.combining(c))


def same_referent(found: str | None, gold: str) -> bool:
    """The same person or group: one's words within the other's, accents aside ("Francois" for
    "François"); or, for two full names, the same given name or surname, so that a name the
    article's text spells with broken accents still counts."""
    if same_speaker(_folded(found), _folded(gold)):
        return True
    a, b = _folded(found).lower().split(), _folded(gold).lower().split()
    names = len(a) >= 2 and len(b) >= 2 and all(w[:1].isupper() for w in (found or "").split())
    return names and (a[0] == b[0] or a[-1] == b[-1])


def score(gold: list[dict[str, Any]], *, split: str = "train") -> list[dict[str, Any]]:
    """Every gold pronoun with the statement that names it, if any, and its speaker."""
    from qa.attribution.statements import attribute
    from qa.text.reading import load_article

    rows = []
    by_article: dict[str, list[dict[str, Any]]] = {}
    for g in gold:
        by_article.setdefault(g["article"], []).append(g)
    for name, wanted in by_article.items():
        art = load_article(POLNEAR / split / "articles" / name / "rawtext.txt")
        statements = [s for s in attribute(art).statements if s.mention is not None and s.kind != "narration"]
        for g in wanted:
            hit = next(
                (
                    s
                    for s in statements
                    if s.mention and s.mention.start < g["source_end"] and s.mention.end > g["source_start"]
                ),
                None,
            )
            speaker = hit.speaker if hit else None
            rows.append(
                {
                    **g,
                    "found": hit is not None,
                    "speaker": speaker,
                    "right": hit is not None and same_referent(speaker, g["referent"]),
                }
            )
    return rows


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    found = [r for r in rows if r["found"]]
    right = sum(r["right"] for r in rows)
    out: dict[str, Any] = {
        "pronouns": len(rows),
        "articles": len({r["article"] for r in rows}),
        "found": round(len(found) / max(1, len(rows)), 3),
        "right_of_all": round(right / max(1, len(rows)), 3),
        "right_of_found": round(right / max(1, len(found)), 3),
    }
    for key in ("speech", "kind"):
        groups: dict[str, Counter[str]] = {}
        for r in rows:
            c = groups.setdefault(str(r[key]), Counter())
            c["n"] += 1
            c["found"] += r["found"]
            c["right"] += r["right"]
        out[f"by_{key}"] = {
            k: {"n": c["n"], "found": c["found"], "right": c["right"]} for k, c in sorted(groups.items())
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pronouns", description=__doc__)
    parser.add_argument("--gold", default=str(GOLD))
    parser.add_argument("--misses", action="store_true", help="print each pronoun resolved wrongly or not found")
    args = parser.parse_args(argv)
    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = score(gold)
    if args.misses:
        for r in rows:
            if not r["right"]:
                what = f"speaker {r['speaker']!r}" if r["found"] else "not found"
                print(
                    f"{r['article']} {r['relation']} {r['pronoun'].strip()!r}@{r['source_start']}: {what}, gold {r['referent']!r}"
                )
    print(json.dumps(report(rows), indent=1))
