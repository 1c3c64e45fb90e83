"""The chat in a real headless Chromium (Debian's), driven by playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .server import running_app

CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="chromium not installed"),
]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1100})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.dialogs = dialogs  # type: ignore[attr-defined]
        yield page
        browser.close()


def ask(page, question: str, expect: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")
    page.locator("#chat").get_by_text(expect).first.wait_for(timeout=60_000)


def test_question_answer_source_and_follow_up(page):
    ask(page, "Who said safety must be the foundation?", "safety must be the foundation")
    chat = page.locator("#chat")
    assert chat.get_by_text("Qi Xiangdong").first.is_visible()
    assert chat.get_by_text("paragraph 12").first.is_visible()
    mark = chat.locator("mark").first
    assert not mark.is_visible()
    chat.locator("summary").first.click()
    mark.wait_for(state="visible", timeout=10_000)
    assert "safety must be the foundation" in mark.inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "answer.png"), full_page=True)
    ask(page, "What else did he say?", "blowing the trumpet")
    page.screenshot(path=str(SHOTS / "follow-up.png"), full_page=True)


def test_html_question_is_shown_as_text(page):
    evil = "<img src=x onerror=alert(1)>"
    ask(page, evil + " what did they say?", evil)
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def _last_bubbles(page):
    user = page.locator("#chat .message.user, #chat [data-testid='user']").last
    bot = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
    return user, bot


def test_markdown_typed_by_the_user_is_shown_as_typed(page):
    typed = "Title\n===\n- one\n1. two\n~~gone~~ $$x^2$$ www.example.org **bold**"
    page.fill("#question textarea", typed)
    page.click("#ask")
    page.locator("#chat").get_by_text("~~gone~~").first.wait_for(timeout=60_000)
    user, bot = _last_bubbles(page)
    bot.wait_for(timeout=60_000)
    for bubble in (user, bot):
        for tag in ("h1", "h2", "ul", "ol", "li", "del", "s", "a", ".katex"):
            assert bubble.locator(tag).count() == 0, (tag, bubble.inner_html())
    text = user.inner_text()
    for piece in ("Title", "===", "- one", "1. two", "~~gone~~", "$$x^2$$", "www.example.org", "**bold**"):
        assert piece in text


def test_oversized_question_is_echoed_short(page):
    page.evaluate(
        "(text) => { const box = document.querySelector('#question textarea');"
        " box.value = text; box.dispatchEvent(new Event('input', {bubbles: true})); }",
        "why " * 250_000,
    )
    page.click("#ask")
    page.locator("#chat").get_by_text("too long").first.wait_for(timeout=60_000)
    user, _ = _last_bubbles(page)
    assert "1,000,000 characters" in user.inner_text()
    assert len(user.inner_text()) < 2_000


def test_the_evidence_sentence_is_marked_in_the_quote(page):
    ask(page, "What solutions did Qi call for to tackle security risks?", "AI-driven solutions")
    mark = page.locator("#chat [data-testid='bot'] blockquote mark").last
    mark.wait_for(state="visible", timeout=30_000)
    assert "AI-driven solutions" in mark.inner_text()
    quote = page.locator("#chat [data-testid='bot'] blockquote").last.inner_text()
    assert len(mark.inner_text()) < len(quote)  # the answering sentence, not the whole quote


def ask_anew(page, question: str, expect: str) -> None:
    """Ask, and wait for one more `expect` in the chat than there was before (earlier tests in
    the same chat may have shown it already)."""
    times = "text => document.querySelector('#chat').innerText.split(text).length - 1"
    before = page.evaluate(times, expect)
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(f"([text, n]) => ({times})(text) > n", arg=[expect, before], timeout=60_000)


def test_follow_ups_lean_on_the_turn_before(page):
    """A pronoun stands for the speaker of the last answer; who someone is comes from the
    passage that introduces them; "Who said so?" names whoever the last answer quoted."""
    ask_anew(page, "What did Lei Jun say about the public good?", "serve the public good")
    ask_anew(page, "What company does he run?", "fertile ground")
    ask_anew(page, "Who said so?", "said it (paragraph 6)")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "follow-ups.png"), full_page=True)
