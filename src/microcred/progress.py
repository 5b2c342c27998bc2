"""Rich progress display for long stages (quiet in tests and CI logs when asked), with an ETA.

Why an ETA from history: a step here is one call (a join, a coder over distinct strings),
so it cannot count its own progress. The previous run into the same folder left its
step timings in ``run.log``; a step expected to take 40 s that has run 10 s shows
``ETA 0:00:30``. A coding step is scaled by its number of distinct strings (``total``).
Each step is also written to the run log (start, end, seconds), whether quiet or not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

if TYPE_CHECKING:
    from microcred.runlog import RunLog

History = dict[str, tuple[float, int | None]]  # step → (seconds, total) of an earlier run


def expected_seconds(history: History, step: str, total: int | None) -> float | None:
    """How long ``step`` should take, from an earlier run (None when it never ran).

    A step with a count of items scales linearly with it; a step without one is
    expected to take what it took.
    """
    if step not in history:
        return None
    seconds, before = history[step]
    if total is not None and before:
        return seconds * total / before
    return seconds


def eta_text(expected: float | None, elapsed: float) -> str:
    """``ETA 0:00:30``; ``ETA ~0:00:00`` once past the expected time; ``ETA –`` without history."""
    if expected is None:
        return "ETA –"
    left = expected - elapsed
    if left <= 0:
        return "ETA ~0:00:00"
    return f"ETA {timedelta(seconds=round(left))}"


class EtaColumn(ProgressColumn):
    """Remaining time of a step from its expected duration (``task.fields['expected']``)."""

    def render(self, task: Task) -> Text:
        return Text(eta_text(task.fields.get("expected"), task.elapsed or 0.0), style="cyan")


class StageProgress:
    """One line per step with a spinner, elapsed time and the ETA; every step logged."""

    def __init__(
        self,
        quiet: bool = False,
        console: Console | None = None,
        log: RunLog | None = None,
        history: History | None = None,
    ):
        self.quiet = quiet
        self.console = console or Console(stderr=True)
        self.log = log
        self.history = history or {}

    def expected(self, key: str, total: int | None) -> float | None:
        return expected_seconds(self.history, key, total)

    @contextmanager
    def step(
        self, description: str, total: int | None = None, key: str | None = None
    ) -> Iterator[None]:
        """Show ``description`` while the body runs. ``key`` names the step in the log and
        the history (default: ``description``); give one when the description holds a path."""
        key = key or description
        if self.log is not None:
            self.log.step_start(key, total)
        start = time.perf_counter()
        status = "failed"
        try:
            with self._display(description, total, self.expected(key, total)):
                yield
            status = "ok"
        finally:
            if self.log is not None:
                seconds = round(time.perf_counter() - start, 3)
                self.log.step_end(key, total, seconds, status)

    @contextmanager
    def _display(
        self, description: str, total: int | None, expected: float | None
    ) -> Iterator[None]:
        if self.quiet:
            yield
            return
        label = f"{description} ({total:,} distinct)" if total is not None else description
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            EtaColumn(),
            console=self.console,
            transient=False,
        ) as prog:
            task = prog.add_task(label, total=1, expected=expected)
            yield
            prog.update(task, completed=1)
