"""The chat's articles panel in a real headless Chromium: add an article (pasted and uploaded),
ask across articles and within one, remove it. The app serves a copy of the index."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from .server import running_app
from .test_browser import CHROMIUM, SHOTS

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
]

STORY = """Ferry service returns after storm repairs
The island ferry will sail again on Monday after three weeks of repairs to the storm-damaged pier, the council said on Friday.
"The pier is safe, and the timetable is back to normal," said Ines Duarte, the council's head of transport. "We thank islanders for their patience."
Captain Rui Gomes said his crew had trained on the new berth all week.
"""

PAGE = """<html><head><title>Tram line approved | City News</title></head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>Tram line approved</h1>
<p>The city council approved a new tram line on Tuesday after a long debate about its cost and route through the old town.</p>
<p>"It will change how people move around the city," said Mayor Ana Ruiz, who backed the plan from the start.</p>
</article><footer>Copyright City News</footer></body></html>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory):
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("library") / "index"
    shutil.copytree(ROOT / "index", folder)
    with running_app("--index", str(folder)) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.folder = folder  # type: ignore[attr-defined]
        yield page
        browser.close()


def _open_articles(page) -> None:
    if not page.locator("#article-text textarea").is_visible():
        page.get_by_text("Articles", exact=True).first.click()
        page.locator("#article-text textarea").wait_for(state="visible", timeout=10_000)


BOT = "#chat .message.bot, #chat [data-testid='bot']"


def _ask(page, question: str, expect: str) -> str:
    """Ask, wait for this question's own answer to hold `expect`, and return the answer's text."""
    before = page.locator(BOT).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        """([selector, before, expect]) => {
            const bubbles = document.querySelectorAll(selector);
            return bubbles.length > before && bubbles[bubbles.length - 1].innerText.includes(expect);
        }""",
        arg=[BOT, before, expect],
        timeout=60_000,
    )
    return page.locator(BOT).last.inner_text()


def _pick(page, elem_id: str, label: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=label).first.click()


def test_add_ask_pick_remove(page, tmp_path: Path):
    _open_articles(page)
    page.fill("#article-title input", "Ferry news")
    page.fill("#article-text textarea", STORY)
    page.click("#add-article")
    page.locator("#article-status").get_by_text("(Ferry-news): added").wait_for(timeout=60_000)
    assert "Ferry news" in page.locator("#article-list").inner_text()

    upload = tmp_path / "tram.html"
    upload.write_text(PAGE)
    page.set_input_files("#article-file input[type=file]", str(upload))
    page.wait_for_timeout(1000)
    page.click("#add-article")
    page.locator("#article-status").get_by_text("(tram): added").wait_for(timeout=60_000)
    assert "Tram line approved | City News" in page.locator("#article-list").inner_text()
    uploads = Path(tempfile.gettempdir()).glob("qa-uploads-*")
    assert not [p for folder in uploads for p in folder.rglob("tram.html")]  # the upload was deleted once read

    _ask(page, "Who is the council's head of transport?", "Ines Duarte")
    chat = page.locator("#chat")
    assert chat.get_by_text("Ferry news").first.is_visible()  # the quote names its article
    listed = _ask(page, "Who is quoted?", "Ana Ruiz")
    assert "Ines Duarte" in listed and "Tram line approved" in listed and "Ferry news" in listed
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "library.png"), full_page=True)

    _pick(page, "article-picker", "Tram line approved | City News (tram)")
    last = _ask(page, "What did Ana Ruiz say?", "change how people move")
    assert "Ferry news" not in last and "Tram line approved" in last

    _pick(page, "remove-choice", "Ferry news (Ferry-news)")
    page.click("#remove-article")
    page.locator("#article-status").get_by_text("removed").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert "Ferry news" not in page.locator("#article-list").inner_text()
    assert not list(Path(page.folder, "docs").glob("Ferry-news*"))  # type: ignore[attr-defined]
