"""report stage: released tables → self-contained report.html + figures/ (PNG, SVG)."""

from microcred.report.build import build_report, render_report
from microcred.report.charts import UnreleasedTableError, chart_for, save_figures
from microcred.report.context import DEFAULT_ATTRIBUTIONS, ReportContext

__all__ = [
    "DEFAULT_ATTRIBUTIONS",
    "ReportContext",
    "UnreleasedTableError",
    "build_report",
    "chart_for",
    "render_report",
    "save_figures",
]
