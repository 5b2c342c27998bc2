"""Rich progress display for long stages (quiet in tests and CI logs when asked)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class StageProgress:
    """One line per stage with a spinner and elapsed time."""

    def __init__(self, quiet: bool = False, console: Console | None = None):
        self.quiet = quiet
        self.console = console or Console(stderr=True)

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[None]:
        if self.quiet:
            yield
            return
        label = f"{description} ({total:,} distinct)" if total is not None else description
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        ) as prog:
            task = prog.add_task(label, total=1)
            yield
            prog.update(task, completed=1)
