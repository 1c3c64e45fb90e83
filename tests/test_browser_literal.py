"""Article data stays text in a real headless Chromium: an article and a title full of links,
images, autolinks and strikethrough build no <a> or <img>, and the page fetches nothing outside."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .server import running_app
from .test_browser import CHROMIUM
from .test_browser_library import _ask, _open_articles

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
]

TITLE = "Pier \u202enews\u202c ![t](http://evil.example/title.png) [t](http://evil.example/t) www.evil.example"
STORY = (
    "Harbour board backs new pier\n"
    '"The plans are on http://evil.example/plans and www.evil.example, or ask pier@evil.example," said Jo Park, '
    'the harbour master. "It is ~~not~~ settled: ![map](http://evil.example/map.png) '
    '[more](http://evil.example/more) <img src=http://evil.example/i.png>."\n'
    "The board voted on Monday after a long debate about the cost of the pier and its route along the bay.\n"
)


def test_no_link_or_image_is_built_from_article_data(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "index"
    shutil.copytree(ROOT / "index", folder, ignore=shutil.ignore_patterns("encoder"))
    if (ROOT / "index" / "encoder").is_dir():
        shutil.copytree(ROOT / "index" / "encoder", folder / "encoder")
    outside: list[str] = []
    with running_app("--index", str(folder)) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on(
            "request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) else None
        )
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        _open_articles(page)
        page.fill("#article-title input", TITLE)
        page.fill("#article-text textarea", STORY)
        page.click("#add-article")
        page.locator("#article-status").get_by_text("added").wait_for(timeout=60_000)
        answer = _ask(page, "What did Jo Park say about the plans?", "Jo Park")
        assert "http://evil.example/plans" in answer and "~~not~~" in answer
        built = page.evaluate(
            """() => [...document.querySelectorAll('a, img, [src*="evil"], [href*="evil"]')]
                   .map(e => e.outerHTML).filter(h => h.includes('evil'))"""
        )
        struck = page.evaluate("() => document.querySelectorAll('#chat del, #chat s, #article-status del').length")
        shown = page.locator("#article-status").inner_text()
        browser.close()
    assert built == [] and struck == 0
    assert "\u202e" not in shown and "![t](http://evil.example/title.png)" in shown
    assert outside == []
