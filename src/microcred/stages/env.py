"""What every stage is given besides its own inputs."""

from __future__ import annotations

from dataclasses import dataclass

from microcred.config import StudyConfig
from microcred.engine import Engine
from microcred.progress import StageProgress
from microcred.run_layout import RunLayout


@dataclass(frozen=True)
class StageEnv:
    """The engine the stages share, the study configuration, the progress display
    (which also writes steps to the run log) and where the run writes."""

    engine: Engine
    config: StudyConfig
    progress: StageProgress
    layout: RunLayout
