"""Attribution on news articles written with their gold quotes first (tests/news/).

python -m bench quotes [--folder tests/news] [--misses]
python -m bench quotes --polnear DATA --pred OUT    # PolNeAR: OUT/<article>.json as `qa quotes --json` prints it

With --polnear, every DATA/articles/<name>/rawtext.txt is read in one process, exactly as `qa quotes
FILE --json` reads it, and its records are written to OUT/<name>.json, with the warm timings in
OUT/_timing.json; `polnear_eval.py DATA --pred OUT` (../shared/news) then scores them. The warm speed,
parser included, is printed per 1,000 words.

A statement matches a gold quote when it covers more than 30% of the gold quote's characters
(one-to-one, best overlap first). Recall: gold quotes matched; precision: statements (all but
narration) that match one; speaker: matched statements whose speaker is the gold one (the same
name, or one name's words within the other's: "Doucette" for "Karen Doucette"). Both are also
given by how the article introduces the speaker: name, pronoun, continuing quote, description.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OVERLAP = 0.3


def _words(name: str | None) -> set[str]:
    words = re.findall(r"[\w'-]+", (name or "").lower())
    return {w for w in words if w not in {"the", "a", "an", "its", "of"}}


def same_speaker(found: str | None, gold: str) -> bool:
    a, b = _words(found), _words(gold)
    return bool(a) and bool(b) and (a <= b or b <= a)


def score_article(path: Path) -> dict[str, Any]:
    from qa.attribution.statements import attribute
    from qa.text import article

    art = article.load(path)
    text = art.text
    gold = []
    for line in path.with_suffix(".gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            start = text.find(row["quote"])
            if start < 0:
                raise ValueError(f"{path.name}: gold quote not in the text: {row['quote'][:60]}")
            gold.append({**row, "start": start, "end": start + len(row["quote"])})
    # what `qa quotes --json` prints: a split quotation is one record per run of quoted words
    statements = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(text)]
    pairs = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(statements):
            overlap = max(0, min(g["end"], s["end"]) - max(g["start"], s["start"])) / max(1, g["end"] - g["start"])
            if overlap > OVERLAP:
                pairs.append((overlap, gi, si))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, si in sorted(pairs, reverse=True):
        if gi not in matched and si not in used:
            matched[gi] = si
            used.add(si)
    rows = []
    for gi, g in enumerate(gold):
        s = statements[matched[gi]] if gi in matched else None
        rows.append(
            {
                "introduced": g["introduced"],
                "found": s is not None,
                "speaker_right": s is not None and same_speaker(s["speaker"], g["speaker"]),
                "gold_speaker": g["speaker"],
                "speaker": s["speaker"] if s else None,
                "quote": g["quote"],
            }
        )
    extra = [s for i, s in enumerate(statements) if i not in used]
    return {"article": path.stem, "rows": rows, "statements": len(statements), "unmatched": extra}


def speed(articles: list[Path], rounds: int = 5) -> dict[str, Any]:
    """Warm attribution time per 1,000 words (parser included), median over rounds per article,
    beside the pattern rules alone (parse=False)."""
    from qa.attribution.statements import attribute
    from qa.text import article

    texts = [article.load(p) for p in articles]
    attribute(texts[0])  # load the pipeline and the name table once
    result: dict[str, Any] = {}
    for label, parse in (("parsed", True), ("patterns_only", False)):
        per_k = []
        for art in texts:
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                attribute(art, parse=parse)
                times.append(time.perf_counter() - t0)
            per_k.append(sorted(times)[rounds // 2] / max(1, len(art.text.split())) * 1000)
        per_k.sort()
        result[label] = {
            "seconds_per_1000_words_median": round(per_k[len(per_k) // 2], 4),
            "seconds_per_1000_words_max": round(per_k[-1], 4),
        }
    return result


def run(folder: Path, *, timing: bool = False) -> dict[str, Any]:
    articles = sorted(p for p in folder.glob("*.txt") if p.with_suffix(".gold.jsonl").exists())
    scored = [score_article(p) for p in articles]
    rows = [r for a in scored for r in a["rows"]]
    statements = sum(a["statements"] for a in scored)
    found = [r for r in rows if r["found"]]
    by: dict[str, Counter[str]] = {}
    for r in rows:
        c = by.setdefault(r["introduced"], Counter())
        c["gold"] += 1
        c["found"] += r["found"]
        c["speaker_right"] += r["speaker_right"]
    report: dict[str, Any] = {
        "articles": len(scored),
        "gold_quotes": len(rows),
        "statements": statements,
        "recall": round(len(found) / max(1, len(rows)), 3),
        "precision": round(len(found) / max(1, statements), 3),
        "speaker_right_on_found": round(sum(r["speaker_right"] for r in found) / max(1, len(found)), 3),
        "by_introduction": {
            k: {
                "gold": c["gold"],
                "found": round(c["found"] / c["gold"], 3),
                "speaker_right_on_found": round(c["speaker_right"] / max(1, c["found"]), 3),
            }
            for k, c in sorted(by.items())
        },
        "by_article": {
            a["article"]: {
                "gold": len(a["rows"]),
                "found": round(sum(r["found"] for r in a["rows"]) / max(1, len(a["rows"])), 3),
                "speaker_right": round(sum(r["speaker_right"] for r in a["rows"]) / max(1, len(a["rows"])), 3),
            }
            for a in scored
        },
        "_scored": scored,
    }
    if timing:
        import os
        import platform

        report["speed"] = speed(articles)
        report["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "threads": os.environ.get("OMP_NUM_THREADS"),
        }
    return report


def predict(data: Path, out: Path) -> dict[str, float]:
    """`qa quotes --json` for every article of a PolNeAR folder, in one process; the warm speed."""
    from qa.attribution.statements import attribute
    from qa.text.reading import load_article

    articles = sorted(p for p in (data / "articles").iterdir() if p.is_dir())
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    attribute(load_article(articles[0] / "rawtext.txt"))  # the parser and the name table load here
    load_s = time.perf_counter() - started
    seconds: dict[str, float] = {}
    words = 0
    for folder in articles:
        path = folder / "rawtext.txt"
        t0 = time.perf_counter()
        art = load_article(path)
        found = attribute(art)
        units = [u for s in found.statements if s.kind != "narration" for u in s.units(art.text)]
        seconds[folder.name] = time.perf_counter() - t0
        words += len(art.text.split())
        (out / f"{folder.name}.json").write_text(json.dumps(units, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "_timing.json").write_text(json.dumps({"load_s": load_s, "seconds": seconds}))
    return {"articles": len(articles), "words": words, "warm_s_per_1000_words": 1000 * sum(seconds.values()) / words}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench quotes", description=__doc__)
    parser.add_argument("--folder", default=str(ROOT / "tests" / "news"))
    parser.add_argument("--misses", action="store_true", help="print every miss and every unmatched statement")
    parser.add_argument(
        "--polnear", help="a PolNeAR folder (DATA/articles/<name>/rawtext.txt) to write predictions for"
    )
    parser.add_argument("--pred", help="where --polnear writes them")
    args = parser.parse_args(argv)
    if args.polnear:
        if not args.pred:
            parser.error("--polnear needs --pred")
        print(json.dumps(predict(Path(args.polnear), Path(args.pred)), indent=1))
        return
    report = run(Path(args.folder), timing=True)
    scored = report.pop("_scored")
    if args.misses:
        for a in scored:
            for r in a["rows"]:
                if not r["speaker_right"]:
                    what = "missed" if not r["found"] else f"speaker {r['speaker']!r}"
                    print(f"{a['article']}: {what} [{r['introduced']}] {r['gold_speaker']}: {r['quote'][:70]}")
            for s in a["unmatched"]:
                print(f"{a['article']}: extra statement ({s['speaker']}): {s['text'][:70]}")
    print(json.dumps(report, indent=1))
    out = ROOT / "bench" / "reports" / f"quotes-{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
