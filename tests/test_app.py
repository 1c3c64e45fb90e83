"""The web chat against a real Gradio server, through gradio_client."""

from __future__ import annotations

import pytest

from .server import running_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def url():
    with running_app() as address:
        yield address


@pytest.fixture
def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def _text(message) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return str(content)


def test_named_endpoints(client):
    assert {"/chat", "/ask"} <= set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])


def test_ask_and_follow_up_in_one_session(client):
    chat, box = client.predict("Who said safety must be the foundation?", [], "Anyone", 3, api_name="/chat")
    assert box == ""
    reply = _text(chat[-1])
    assert "**Qi Xiangdong**" in reply and "(paragraph 12)" in reply
    assert "<details><summary>Source: paragraph 12" in reply and "<mark>" in reply
    chat, _ = client.predict("What else did he say?", chat, "Anyone", 3, api_name="/chat")
    follow = _text(chat[-1])
    shown = [line for line in follow.splitlines() if line.startswith("\u2014")]
    assert shown and all("Qi Xiangdong" in line for line in shown)
    assert not any("(paragraph 12)" in line for line in shown)  # already shown


def test_structured_api(client):
    data = client.predict("What did the Xiaomi founder say about AI?", api_name="/ask")
    assert data["abstained"] is False
    quote = data["quotes"][0]
    assert {"text", "speaker", "role", "kind", "paragraph", "score"} <= set(quote)
    assert quote["speaker"] == "Lei Jun" and "Xiaomi" in quote["role"]
    follow = client.predict(
        "What else did he say?", ["What did the Xiaomi founder say about AI?"], None, 5, api_name="/ask"
    )
    assert follow["quotes"] and all(q["speaker"] == "Lei Jun" for q in follow["quotes"])


def test_abstains_plainly(client):
    data = client.predict("What is the population of Brazil?", api_name="/ask")
    assert data["abstained"] is True and data["quotes"] == []
    chat, _ = client.predict("What is the population of Brazil?", [], "Anyone", 3, api_name="/chat")
    assert "does not say" in _text(chat[-1])


def test_speaker_filter(client):
    speaker = "Zhou Hongyi"
    chat, _ = client.predict("What about AI large models?", [], speaker, 5, api_name="/chat")
    reply = _text(chat[-1])
    attributions = [line for line in reply.splitlines() if line.startswith("\u2014")]
    assert attributions and all(speaker in line for line in attributions)
    assert reply.count("<details>") == len(attributions)  # a source view under every quote
    data = client.predict("What about AI large models?", None, speaker, 5, api_name="/ask")
    assert {q["speaker"] for q in data["quotes"]} == {speaker}


def test_over_long_question_is_refused(client):
    chat, _ = client.predict("why " * 400, [], "Anyone", 3, api_name="/chat")
    assert "too long" in _text(chat[-1])
    assert "error" in client.predict("x" * 2000, api_name="/ask")


def test_html_in_question_is_text(client):
    chat, _ = client.predict("<img src=x onerror=alert(1)> who said it?", [], "Anyone", 3, api_name="/chat")
    shown = _text(chat[-2])
    assert "<img" not in shown and "&#60;img" in shown
