"""The `qa` command through its installed entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .conftest import ARTICLES, ROOT

QA = shutil.which("qa") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "qa")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([QA, *args], capture_output=True, text=True, timeout=300, cwd=ROOT)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_quotes_json_has_the_eval_shape():
    rows = json.loads(run("quotes", "--json").stdout)
    assert rows and all({"paragraph", "speaker", "role", "kind", "text"} <= set(r) for r in rows)
    assert all(r["kind"] != "narration" for r in rows)
    gold = [json.loads(line) for line in (ROOT / "eval" / "attribution.jsonl").read_text().splitlines()]
    attributed = {g["paragraph"]: g["speaker"] for g in gold if g["speaker"]}
    assert {r["paragraph"]: r["speaker"] for r in rows} == attributed


def test_quotes_json_names_each_speaker_entity_and_mention():
    news = ROOT / "tests" / "news" / "tech-layoffs.txt"
    text = news.read_text(encoding="utf-8")
    rows = json.loads(run("quotes", str(news), "--json").stdout)
    for r in rows:
        assert r["speaker_kind"] in ("person", "organization", "group", "document")
        m = r["mention"]
        if m and m["via"] != "continuing":
            assert text[m["start"] : m["end"]] == m["text"] and m["via"] in (
                "name",
                "surname",
                "pronoun",
                "description",
            )
    speakers = json.loads(run("quotes", str(news), "--speakers", "--json").stdout)
    by_name = {s["name"]: s for s in speakers}
    raman = by_name["Priya Raman"]
    assert raman["kind"] == "person" and raman["named"] and "Raman" in [m["text"] for m in raman["mentions"]]
    assert {"she", "Raman"} <= {m["text"] for m in raman["mentions"]}
    described = [s for s in speakers if not s["named"]]
    assert described and all(s["mentions"] for s in described)


def test_quotes_table_and_speaker_filter():
    out = run("quotes", str(ARTICLES / "river-cleanup.txt"), "--speaker", "okafor").stdout
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["para", "speaker", "kind"]
    assert len(lines) == 4 and all("Amara Okafor" in line for line in lines[1:])


def test_ask_json_and_text():
    data = json.loads(run("ask", "Who said safety must be the foundation?", "--json", "-k", "2").stdout)
    assert data["abstained"] is False and data["hits"][0]["speaker"]
    assert 1 <= len(data["hits"]) <= 2
    text = run("ask", "What is the population of Brazil?").stdout
    assert "does not say" in text


def test_ask_with_history():
    data = json.loads(
        run(
            "ask",
            "What else did he say?",
            "--history",
            "What did Qi Xiangdong say about the future?",
            "-k",
            "1",
            "--json",
        ).stdout
    )
    assert data["hits"] and {h["speaker"] for h in data["hits"]} == {"Qi Xiangdong"}
    # everything this speaker said was shown already: the bot says so, and shows it again
    done = json.loads(
        run("ask", "What else did he say?", "--history", "What did Zhou Hongyi say?", "-k", "5", "--json").stdout
    )
    assert not done["abstained"] and "everything the article quotes from Zhou Hongyi" in done["markdown"]
    assert {h["speaker"] for h in done["hits"]} == {"Zhou Hongyi"}


def test_eval_json_reports_metrics():
    data = json.loads(run("eval", "--json").stdout)
    assert set(data["metrics"]) >= {"hit@1", "recall@3", "mrr@10", "attribution", "contains", "abstention"}
    m = data["metrics"]
    assert m["hit@1"] >= 0.90 and m["recall@3"] == 1.0 and m["attribution"] == 1.0, data["misses"]
    assert m["abstention"] >= 0.95, data["misses"]  # one calibrated decision: one of 26 may go the other way


def test_user_mistakes_give_one_line_and_no_traceback(tmp_path: Path):
    for args in (
        ["ask", ""],
        ["ask", "hello", "--index", str(tmp_path / "none")],
        ["quotes", str(tmp_path / "x.txt")],
        ["eval", "--questions", str(tmp_path / "q.jsonl")],
        ["build", "--source", str(tmp_path)],
    ):
        result = run(*args, check=False)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("qa: error:"), result.stderr


def test_build_into_a_folder(tmp_path: Path):
    out = run("build", "--source", str(ARTICLES / "warehouse-robots.txt"), "--index", str(tmp_path / "idx")).stdout
    assert "built 1" in out or "built" in out
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["sources"][0]["doc"] == "warehouse-robots"
    check = run("check", "--index", str(tmp_path / "idx")).stdout
    assert "up to date" in check
    assert "token vectors:" in check and "stored in half precision" in check  # a small index keeps them as they are
    assert (tmp_path / "idx" / "tokens.npy").is_file()
