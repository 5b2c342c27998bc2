"""``run.log``: what a run did, one JSON object a line, written as it goes.

Why: a long run that fails at hour three must say where and after what; a finished run
must say how long each stage took (the next run's ETA comes from it). ``microcred status``
reads this file. It holds no personal data and names no input file: stage and step
names, timings, row counts per source kind (as in the manifest), warning categories and
messages with the run's paths replaced, and for a failure the error's type (and, for an
expected error, its message with paths replaced). Lines are flushed one by one, so a
killed run leaves every line up to its last event.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from microcred.errors import UserError

FORMAT = "microcred-run-log/1"
MAX_MESSAGE = 300  # characters of a warning or error message kept


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class RunLog:
    """Appends events to ``run.log``; the path list in ``redact`` never reaches the file."""

    def __init__(self, path: Path, redact: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        # longest first, so that a folder inside another is replaced by its own label
        self._redact = sorted((redact or {}).items(), key=lambda kv: -len(kv[0]))
        self._fh: IO[str] | None = None
        self._stage: str | None = None
        self._failed_stage: str | None = None  # the stage an exception left
        self._start = time.perf_counter()

    # ---- file -------------------------------------------------------------------------
    def open(self) -> RunLog:
        """Start a new log (the previous run's log is replaced: read its history first)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", encoding="utf-8")
        self._start = time.perf_counter()
        return self

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def event(self, kind: str, **fields: Any) -> None:
        """One line: ``{"event": kind, "time": ..., **fields}`` (nothing when not open)."""
        if self._fh is None:
            return
        record = {"event": kind, "time": _now(), **fields}
        self._fh.write(json.dumps(record, sort_keys=False, default=str) + "\n")
        self._fh.flush()

    def clean(self, text: str) -> str:
        """``text`` with the run's paths replaced by their labels, on one line, shortened."""
        for raw, label in self._redact:
            if raw:
                text = text.replace(raw, label)
        text = " ".join(text.split())
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"

    # ---- stages and steps ---------------------------------------------------------------
    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """``stage_start`` / ``stage_end`` (with seconds and status) around a stage."""
        self._stage = name
        self.event("stage_start", stage=name)
        start = time.perf_counter()
        status = "failed"
        try:
            yield
            status = "ok"
        finally:
            seconds = round(time.perf_counter() - start, 3)
            self.event("stage_end", stage=name, seconds=seconds, status=status)
            if status == "failed" and self._failed_stage is None:
                self._failed_stage = name
            self._stage = None

    def step_start(self, step: str, total: int | None) -> None:
        self.event("step_start", stage=self._stage, step=step, total=total)

    def step_end(self, step: str, total: int | None, seconds: float, status: str) -> None:
        self.event(
            "step_end", stage=self._stage, step=step, total=total, seconds=seconds, status=status
        )

    @contextmanager
    def capturing_warnings(self) -> Iterator[None]:
        """Log every Python warning raised inside (category, message, stage), and show it."""
        shown = warnings.showwarning

        def record(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            self.event(
                "warning",
                stage=self._stage,
                category=category.__name__,
                message=self.clean(str(message)),
            )
            shown(message, category, *args, **kwargs)

        warnings.showwarning = record
        try:
            yield
        finally:
            warnings.showwarning = shown

    def finish(self, error: BaseException | None) -> None:
        """``run_end``: ok, or failed with the stage it failed in and the error's type."""
        fields: dict[str, Any] = {
            "status": "ok" if error is None else "failed",
            "seconds": round(time.perf_counter() - self._start, 3),
        }
        if error is not None:
            fields["failed_stage"] = self._failed_stage or self._stage
            fields["error_type"] = type(error).__name__
            # an expected error's message is ours (what to fix); any other may quote data
            if isinstance(error, UserError):
                fields["error"] = self.clean(str(error))
        self.event("run_end", **fields)


@dataclass
class LoggedRun:
    """A ``run.log`` read back: what ``status`` prints and the next run's ETA uses."""

    events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> LoggedRun:
        """Events of ``path``; a torn last line (a killed run) is skipped."""
        events = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "event" in record:
                events.append(record)
        return cls(events)

    def first(self, kind: str) -> dict[str, Any] | None:
        return next((e for e in self.events if e["event"] == kind), None)

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]

    @property
    def status(self) -> str:
        """``ok``, ``failed``, or ``incomplete`` (no end: killed, or still running)."""
        end = self.first("run_end")
        return str(end["status"]) if end else "incomplete"

    def step_seconds(self) -> dict[str, tuple[float, int | None]]:
        """Seconds (and item count) of every step that finished ``ok``, by step name."""
        return {
            str(e["step"]): (float(e["seconds"]), e.get("total"))
            for e in self.all("step_end")
            if e.get("status") == "ok"
        }


def step_history(path: Path) -> dict[str, tuple[float, int | None]]:
    """The step timings of the log at ``path`` ({} when there is none or it is unreadable)."""
    try:
        return LoggedRun.read(path).step_seconds()
    except (OSError, UnicodeDecodeError):
        return {}
