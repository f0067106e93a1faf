"""report.html in a real browser: headless Chromium, driven over the DevTools protocol.

Chromium comes from Debian's `chromium` package (scripts/install-chromium.sh, run by `make test`);
these tests skip only when it is not installed. websocket-client is in the `test` extra.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from mediaframe.compare.comparison import Grouping, compare
from mediaframe.compare.reporting import render_report, write_report
from mediaframe.config import ComparisonConfig, ReportConfig

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", "--window-size=1200,900"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium: run "
                       "scripts/install-chromium.sh (apt-get install chromium, as root)"),
]


class Page:
    """One browser tab over the DevTools protocol: send commands, keep the events that arrive."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> Any:
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error/assert calls and error log entries (failed loads included)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "log error"))
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


def page_url(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")


@pytest.fixture(scope="module")
def browser() -> Iterator[Page]:
    """A headless Chromium with an empty profile; yields a DevTools connection to its first tab."""
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port_file, deadline = Path(profile) / "DevToolsActivePort", time.monotonic() + 60
            while not (port_file.is_file() and port_file.read_text().strip()):
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("Chromium did not open its DevTools port within 60 s")
                time.sleep(0.1)
            page = Page(page_url(int(port_file.read_text().split()[0])))
            for domain in ("Runtime", "Log", "Page", "Network"):
                page.send(f"{domain}.enable")
            yield page
            page.ws.close()
        finally:
            process.terminate()
            process.wait(timeout=30)


def load(page: Page, path: Path) -> Page:
    page.events.clear()
    page.send("Page.navigate", url=path.resolve().as_uri())
    page.wait_for("Page.loadEventFired")
    return page


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory, make_predictions) -> Path:
    """report.html of four outlets (one all against, one with a single article), charts beside it."""
    rows = make_predictions({
        "Harsh Herald": [["against"] * 4 for _ in range(4)],
        "Balanced Bugle": [["against", "favor", "neutral", "neutral"] for _ in range(4)],
        "Friendly Flyer": [["favor", "favor", "neutral", "against"] for _ in range(4)],
        "Solo Sentinel": [["against", "neutral"]],
    })
    comparison = compare(rows, Grouping(), ComparisonConfig(bootstrap_samples=300, permutations=300), seed=13)
    out = tmp_path_factory.mktemp("report")
    write_report(render_report(comparison, ReportConfig(dpi=80)), out)
    return out / "report.html"


@pytest.fixture()
def report_page(browser: Page, report_html: Path) -> Page:
    return load(browser, report_html)


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
