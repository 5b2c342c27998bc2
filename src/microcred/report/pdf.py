"""``report.pdf`` printed from ``report.html`` by a headless Chromium, when one is installed.

Why Chromium and not a Python PDF library: the charts are drawn by Vega in the
page's JavaScript, and only a browser runs it; the report's print stylesheet
(A4, the synthetic-data banner on every page, every table expanded) is written
for it. Chromium's own ``--print-to-pdf`` needs no Python dependency. The PDF
carries Chromium's creation time, so unlike ``report.html`` it is not
byte-identical between runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PDF_FILE = "report.pdf"
CHROMIUM_ENV = "MICROCRED_CHROMIUM"  # path of a Chromium/Chrome binary, if not on PATH
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Time the page's scripts get (in the browser's virtual clock) to draw every chart.
VIRTUAL_TIME_MS = 60_000
TIMEOUT_S = 180


class PdfUnavailableError(RuntimeError):
    """No Chromium to print with, or it failed; the message says what to do."""


def find_chromium() -> Path | None:
    """``$MICROCRED_CHROMIUM``, else the first Chromium or Chrome on PATH, else None."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        path = Path(configured)
        return path if path.is_file() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def write_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: ``report.pdf`` beside it); return its path.

    Raises :class:`PdfUnavailableError` when no Chromium is found or printing fails.
    """
    chromium = find_chromium()
    if chromium is None:
        raise PdfUnavailableError(
            f"no PDF written: no Chromium found (install it, e.g. apt-get install chromium, "
            f"or set {CHROMIUM_ENV}); {html_path.name} is complete without it"
        )
    html_path = html_path.resolve()
    pdf_path = (pdf_path or html_path.with_name(PDF_FILE)).resolve()
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        f"--virtual-time-budget={VIRTUAL_TIME_MS}",
        f"--print-to-pdf={pdf_path}",
        html_path.as_uri(),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PdfUnavailableError(
            f"no PDF written: Chromium ({chromium}) failed: {error}"
        ) from error
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PdfUnavailableError(
            f"no PDF written: Chromium ({chromium}) exited with {done.returncode}: {last}"
        )
    return pdf_path


def pdf_line(html_path: Path | None) -> str:
    """Print the report to PDF for ``--pdf`` and say in one line what happened (never raises)."""
    if html_path is None:
        return "  no PDF written: this run wrote no report"
    try:
        return f"  pdf: {write_pdf(html_path)}"
    except PdfUnavailableError as error:
        return f"  {error}"
