"""The typer application objects, shared by the command modules in ``microcred.commands``.

Why a separate module: each command module registers itself on these apps, so a
stage's command lives beside its owner and ``cli.py`` only assembles them.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="microcred",
    help="Microcredentials in professional-profile data: ingest, code, compare, release safely, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
code_app = typer.Typer(
    help="Code a file of strings (titles, credentials, education, skills).", no_args_is_help=True
)
eval_app = typer.Typer(help="Evaluate a coder against a hand-labelled file.", no_args_is_help=True)
data_app = typer.Typer(
    help="Reference data: check what is present, download Statistics Canada tables.",
    no_args_is_help=True,
)
link_app = typer.Typer(
    help="Privacy-preserving record linkage (Bloom-filter encodings).", no_args_is_help=True
)
release_app = typer.Typer(
    help="Released tables: audit that no suppressed cell can be worked out.", no_args_is_help=True
)

app.add_typer(code_app, name="code")
app.add_typer(eval_app, name="eval")
app.add_typer(data_app, name="data")
app.add_typer(link_app, name="link")
app.add_typer(release_app, name="release")
