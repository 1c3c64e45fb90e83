"""Question analysis: what a question asks for and about whom (no model needed)."""

from __future__ import annotations

import pytest

from qa.answering import quote_block
from qa.question import asked_subject, focus_heads


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("How many people attended the summit?", ("people",)),
        ("How much revenue did the firm report?", ("revenue",)),
        ("How much did the firm earn?", ("earn",)),
        ("What is the population of Brazil?", ("population",)),
        ("Which football team won the league?", ("team",)),
        ("What kind of data should companies use?", ("data",)),
        ("What did the analysts say about inflation?", ("inflation",)),
        ("What did Qi say?", ()),
        ("Do companies need to copy their rivals?", ()),
    ],
)
def test_focus_heads(question, focus):
    assert focus_heads(question) == focus


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What did the governor say about the river?", "the governor"),
        ("What did Xiaomi say?", "Xiaomi"),
        ("What did he say next?", None),
        ("What did the article say about prices?", None),
        ("What does AI mean for jobs?", None),
        ("How did the mayor describe the plan?", "the mayor"),
    ],
)
def test_asked_subject(question, subject):
    assert asked_subject(question) == subject


def test_quote_block_shows_markup_as_text():
    block = quote_block("He said <b>*no*</b> to [links](x)\nand `code`")
    assert "<b>" not in block and "&lt;b&gt;" in block
    assert "\\*no\\*" in block and "\\[links\\]" in block
    assert all(line.startswith("> ") for line in block.splitlines())
