"""The typer application objects, shared by the command modules in ``microcred.commands``.

Why a separate module: each command module registers itself on these apps, so a
stage's command lives beside its owner and ``cli.py`` only assembles them.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from microcred.errors import EXIT_USER_ERROR, UserError

DEBUG = "microcred.debug"  # key in the click context's meta


class UserErrorGroup(TyperGroup):
    """The root command group: turns a :class:`UserError` from any command into its lines.

    Why here: every command (and every sub-app) runs inside this ``invoke``, so the
    rule "expected errors print what to do, exit 2, no traceback" is kept once.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            if ctx.meta.get(DEBUG):
                traceback.print_exc(file=sys.stderr)
            for line in exc.lines():
                print(line, file=sys.stderr)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except typer.BadParameter as exc:  # a bad or missing option value, as typer parses it
            if ctx.meta.get(DEBUG):
                traceback.print_exc(file=sys.stderr)
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            print(f"error: {exc.format_message()} — see `{where} --help`", file=sys.stderr)
            raise typer.Exit(EXIT_USER_ERROR) from None


app = typer.Typer(
    cls=UserErrorGroup,
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
    help="Released tables: audit that no suppressed cell can be worked out; plan a DP release.",
    no_args_is_help=True,
)

app.add_typer(code_app, name="code")
app.add_typer(eval_app, name="eval")
app.add_typer(data_app, name="data")
app.add_typer(link_app, name="link")
app.add_typer(release_app, name="release")


@app.callback()
def _options(
    ctx: typer.Context,
    debug: bool = typer.Option(
        False, "--debug", help="Show the Python traceback of an error (for bug reports)."
    ),
) -> None:
    """Microcredentials in professional-profile data: ingest, code, compare, release safely, report."""
    ctx.meta[DEBUG] = debug
