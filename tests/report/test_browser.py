"""The report in a real browser: every chart draws, nothing errors, nothing leaves the machine.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; no browser download.
Outside CI the test is skipped when Chromium is absent; in CI (env CI set) it must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
# Data marks drawn by Vega: role-mark groups hold one element per datum.
MARK_ITEMS = "svg g.role-mark > path, svg g.role-mark > line, svg g.role-mark > text"

# One round trip: the state of every chart container after vega-embed finished.
CHART_STATE_JS = """
(markSelector) => Array.from(document.querySelectorAll("[data-vega-spec]")).map((el) => {
  const svg = el.querySelector("svg");
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  return {
    id: el.id,
    rendered: el.getAttribute("data-rendered"),
    svgs: el.querySelectorAll("svg").length,
    marks: el.querySelectorAll(markSelector).length,
    label: el.getAttribute("aria-label"),
    width: box.width,
    height: box.height,
  };
})
"""

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        "/usr/bin/chromium is absent (install with: apt-get install -y chromium); "
        "in CI this test runs",
        allow_module_level=True,
    )


def test_report_renders_every_chart_without_errors_or_network(
    built_report: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    console_errors: list[str] = []
    page_errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []

    def on_request(request) -> None:  # noqa: ANN001 - playwright Request
        if urlparse(request.url).scheme not in LOCAL_SCHEMES:
            outside.append(request.url)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda m: console_errors.append(m.text) if m.type in ("error", "assert") else None,
            )
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
            page.on("request", on_request)
            page.goto(built_report.resolve().as_uri(), wait_until="load")
            page.wait_for_selector("body[data-charts-rendered]", state="attached", timeout=30_000)

            charts = page.evaluate(CHART_STATE_JS, MARK_ITEMS)
            rendered = page.locator("body").get_attribute("data-charts-rendered")
            assert len(charts) == int(rendered) == 7  # every table with a chart in the fake set
            for chart in charts:
                name = chart["id"]
                assert chart["rendered"] == "true", name
                assert chart["svgs"] == 1, name
                assert chart["marks"] > 0, f"{name}: no marks drawn"
                assert chart["label"], name
                assert chart["width"] > 150 and chart["height"] > 100, name

            shot = page.screenshot(full_page=True)
        finally:
            browser.close()

    (tmp_path / "report.png").write_bytes(shot)
    if target := os.environ.get("MICROCRED_SCREENSHOT_DIR"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "report.png", Path(target) / "report.png")

    assert outside == []
    assert failed == []
    assert page_errors == []
    assert console_errors == []
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
