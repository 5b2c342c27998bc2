"""The run's stages, each a function from a typed input to a typed output.

Why: ``pipeline.py`` only composes these; what a stage needs and what it hands on is
written in its dataclasses, not in a dozen local variables of one long function.

``sources → coding → features → weighting → analysis → release → report``

Every input carries a :class:`~microcred.stages.env.StageEnv` (engine, configuration,
progress, the run's :class:`~microcred.run_layout.RunLayout`). A stage writes only to
the paths the layout gives it, and produces the coverage tables of the numbers it made.
"""
