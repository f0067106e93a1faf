"""report.html in a real browser: headless Chromium, driven over the DevTools protocol.

Chromium comes from Debian's `chromium` package (scripts/install-chromium.sh, run by `make test`);
these tests skip only when it is not installed. websocket-client is in the `test` extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM, Page, load  # the DevTools harness the browser fixtures use

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium: run "
                       "scripts/install-chromium.sh (apt-get install chromium, as root)"),
]


def test_report_browser_loads_without_console_errors(report_page: Page) -> None:
    assert report_page.errors() == []
    assert report_page.evaluate("document.readyState") == "complete"


def test_report_browser_shows_charts(report_page: Page) -> None:
    images = report_page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.getBoundingClientRect().width])"
    )
    assert [alt for alt, *_ in images] == ["net stance chart", "sentiment chart", "frames chart"]
    assert all(complete and natural > 300 and shown > 300 for _, complete, natural, shown in images)


def test_report_browser_shows_table_and_headline(report_page: Page) -> None:
    rows = report_page.evaluate(
        "Array.from(document.querySelectorAll('#summary tbody tr')).map(r => r.cells[0].innerText)"
    )
    assert rows == ["Harsh Herald", "Solo Sentinel", "Balanced Bugle", "Friendly Flyer"]
    headline = report_page.evaluate("document.querySelector('.headline').innerText")
    assert headline.startswith("Most negative toward Netflix: Harsh Herald")
    top, height = report_page.evaluate("[document.querySelector('img').getBoundingClientRect().top, innerHeight]")
    assert top < height / 2, "the net-stance chart must start in the first screen, above the fold"


def test_report_browser_highlights_the_evidence_words_of_each_quote(report_page: Page) -> None:
    marks = report_page.evaluate(
        "Array.from(document.querySelectorAll('blockquote mark')).map(m => [m.innerText, getComputedStyle(m).backgroundColor])"
    )
    quotes = report_page.evaluate("document.querySelectorAll('blockquote').length")
    assert len(marks) == quotes > 0
    assert {text for text, _ in marks} == {"sentence"}
    assert all(colour == "rgb(255, 226, 138)" for _, colour in marks)


def test_report_browser_fetches_nothing_from_the_network(report_page: Page) -> None:
    assert [url for url in report_page.requests() if not url.startswith(("file:", "data:"))] == []


def test_report_browser_harness_catches_errors(browser: Page, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><link rel="icon" href="data:,"><img src="missing.png">'
                      "<script>console.error('boom'); undefinedCall();</script>", encoding="utf-8")
    errors = load(browser, broken).errors()
    assert any("boom" in e for e in errors) and any("Uncaught" in e for e in errors)
    assert any("ERR_FILE_NOT_FOUND" in e or "Failed to load" in e for e in errors)


def test_report_browser_screenshot(report_page: Page, tmp_path: Path) -> None:
    import base64

    import matplotlib.image

    shot = base64.b64decode(report_page.send("Page.captureScreenshot", format="png")["data"])
    (tmp_path / "report.png").write_bytes(shot)
    pixels = matplotlib.image.imread(tmp_path / "report.png")[..., :3]
    width, height = report_page.evaluate("[window.innerWidth, window.innerHeight]")
    assert pixels.shape[:2] == (height, width)
    dark = (pixels.mean(axis=2) < 0.35).mean()  # the headline's text and the chart's bars, on a light page
    assert 0.005 < dark < 0.5, f"share of dark pixels {dark:.3f}: a blank or a black page"
    colors = {tuple(p) for p in (pixels[::7, ::7] * 255).astype(int).reshape(-1, 3)}
    assert len(colors) > 30, "one or two colours only: nothing was drawn"
