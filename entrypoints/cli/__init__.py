"""``ppp-registry``: the command line. Each verb opens what it needs and closes it on exit.

Verbs live by family, one module each: ``serving`` (serve, seed), ``tokens``, ``read_model``
(project, rebuild, status), ``importing`` and ``exports`` (``destinations``: where ``--out``
writes); ``common`` holds what they share.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import metadata

from rich.markup import escape

from entrypoints.cli import exports, importing, read_model, serving, tokens
from entrypoints.cli.common import CliError, err
from registry.settings import Settings

DISTRIBUTION = "ppp-registry"
DESCRIPTION = (
    "An open, event-sourced registry of public-private partnerships against cybercrime:"
    " serve its API, manage tokens, import commands, seed a demo, export documents."
)
EPILOG = "Each verb has its own help: ppp-registry VERB --help (e.g. ppp-registry export --help)."


def parser() -> argparse.ArgumentParser:
    """The whole command line, verbs in the order ``--help`` lists them."""
    top = argparse.ArgumentParser(prog="ppp-registry", description=DESCRIPTION, epilog=EPILOG)
    top.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    verbs = top.add_subparsers(dest="verb", required=True)
    serving.add_serve_verb(verbs)
    tokens.add_verbs(verbs)
    read_model.add_verbs(verbs)
    importing.add_verbs(verbs)
    serving.add_seed_verb(verbs)
    exports.add_verbs(verbs)
    return top


def installed_version() -> str:
    """The version pip installed, from the package's metadata (pyproject.toml's version)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(unknown: not installed; ./scripts/install installs it)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        result: int = args.run(args, settings)
        return result
    except CliError as error:
        # The message as it is (a path may hold brackets), unwrapped: the terminal wraps it,
        # and a path or an id in it stays whole when copied.
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is how one stops `serve` (uvicorn says so): by then the verb has closed what
        # it opened (its finally blocks ran), so a traceback would only alarm.
        err.print("interrupted")
        return 130  # 128 + SIGINT, as a shell reports it
