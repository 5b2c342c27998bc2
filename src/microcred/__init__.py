"""microcred: microcredentials in labour-market profile data.

The Python API (see docs/api.md)::

    import microcred
    study = microcred.Study.from_yaml("study.yaml")     # or microcred.Study()
    result = study.run("jsonl", "profiles.jsonl", "out/")
    coded = microcred.code_titles(df, column="title")   # df with codes appended

Names are imported on first use, so ``import microcred`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Study",
    "__version__",
    "code_credentials",
    "code_education",
    "code_skills",
    "code_titles",
    "read_table",
    "write_table",
]

if TYPE_CHECKING:
    from microcred.api import Study, code_credentials, code_education, code_skills, code_titles
    from microcred.tabular import read_table, write_table


def __getattr__(name: str) -> Any:
    if name in ("read_table", "write_table"):
        from microcred import tabular

        return getattr(tabular, name)
    if name in __all__:
        from microcred import api

        return getattr(api, name)
    raise AttributeError(f"module 'microcred' has no attribute {name!r}")
