"""The report in Chromium at a desktop (1280 px) and a phone (390 px) width.

Nothing may stick out of its card or scroll the page sideways, the synthetic-data
banner stays on screen, and no label (axis, legend, facet header, table header,
heading) shows a raw snake_case identifier. Screenshots of both widths are kept
(in ``$MICROCRED_SCREENSHOT_DIR`` when set).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import pytest
from report_fakes import make_context, make_tables
from test_browser import CHROMIUM, CHROMIUM_ARGS

from microcred.report import build_report

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium is absent; in CI this test runs", allow_module_level=True)

WIDTHS = (1280, 390)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")

# Every element that sticks out of its card (a <section> of <main>), unless it is
# inside a scroll box that itself fits (a wide table scrolls inside its card).
OVERFLOW_JS = """
() => {
  const out = [];
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  for (const card of document.querySelectorAll("main > section")) {
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll("*")) {
      let inner = false;
      for (let a = el.parentElement; a && a !== card; a = a.parentElement) {
        if (scrolls(a)) { inner = true; break; }
      }
      if (inner) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > box.right + 1 || r.left < box.left - 1) {
        out.push(`${card.id}: <${el.tagName.toLowerCase()} id=${el.id} class=${el.className.baseVal ?? el.className}> ${Math.round(r.left)}-${Math.round(r.right)} outside ${Math.round(box.left)}-${Math.round(box.right)}`);
      }
    }
  }
  return out;
}
"""

# The words a reader sees as labels: everything Vega draws, and headings and headers.
LABELS_JS = """
() => {
  const out = [];
  document.querySelectorAll("svg text").forEach((t) => out.push(["chart", t.textContent]));
  document.querySelectorAll("h1, h2, h3, h4, th, caption, dt, summary, nav a").forEach(
    (t) => out.push([t.tagName.toLowerCase(), t.innerText]));
  return out;
}
"""


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ctx = dataclasses.replace(
        make_context(),
        synthetic=True,
        category_orders={"experience_band": ["0-2", "2-5", "5-10", "10-20", "20+"]},
    )
    return build_report(tmp_path_factory.mktemp("synthetic"), make_tables(), ctx)


def test_no_overflow_at_either_width_banner_stays_and_labels_are_words(
    synthetic_report: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    shots: dict[int, bytes] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(synthetic_report.resolve().as_uri(), wait_until="load")
                page.wait_for_selector(
                    "body[data-charts-rendered]", state="attached", timeout=30_000
                )
                assert page.locator("[data-rendered=true]").count() == 7, width

                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= width, f"{width} px: page scrolls sideways ({scroll_width})"
                assert page.evaluate(OVERFLOW_JS) == [], width
                for chart in page.locator(".chart svg").all():
                    svg = chart.bounding_box()
                    holder = chart.locator("xpath=..").bounding_box()
                    assert svg and holder and svg["width"] <= holder["width"] + 1, width

                banner = page.locator("#synthetic-banner")
                assert banner.is_visible() and "Synthetic data" in banner.inner_text()
                page.evaluate("document.getElementById('section-models').scrollIntoView()")
                top = page.evaluate(
                    "document.getElementById('synthetic-banner').getBoundingClientRect().top"
                )
                assert top == 0, f"{width} px: the banner scrolled away"
                page.evaluate("window.scrollTo(0, 0)")

                labels = page.evaluate(LABELS_JS)
                raw = sorted({f"{where}: {text}" for where, text in labels if SNAKE.search(text)})
                assert raw == [], width
                drawn = {text for where, text in labels if where == "chart"}
                # Coded values and column names reach the charts as words …
                assert {"MOOC certificate", "Years of experience", "Characteristic"} <= drawn
                assert "Seniority" in drawn and "Occupation group" in drawn  # facet headers
                # … and a suppressed value is a labelled mark, not an empty slot.
                assert "suppressed" in drawn
                shots[width] = page.screenshot(full_page=True)
                page.close()
        finally:
            browser.close()

    target = os.environ.get("MICROCRED_SCREENSHOT_DIR")
    for width, shot in shots.items():
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        path = tmp_path / f"report-{width}.png"
        path.write_bytes(shot)
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(target) / path.name)
