"""How an area of ``scrm`` and its actions are declared: ``area`` for ``scrm keys``, ``action`` for
``scrm keys list`` with its arguments as ``arg`` values, ``--json`` and the function it runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from scrm.cli.common import add_json, subcommands


def area(sub: Any, name: str, help: str, **parser_options: Any) -> Any:
    """An area of ``scrm`` (``scrm keys``) and the subparsers of its actions."""
    return subcommands(sub.add_parser(name, help=help, **parser_options))


Arg = tuple[tuple[str, ...], dict[str, Any]]


def arg(*names: str, **options: Any) -> Arg:
    """One argument of an ``action``, as ``add_argument`` takes it."""
    return names, options


CORP_ID = arg("corp_id", metavar="CORP")


def action(
    acts: Any,
    name: str,
    func: Callable[[argparse.Namespace], None],
    help: str | None,
    *args: Arg | Callable[[argparse.ArgumentParser], None],
    description: str | None = None,
    json: bool = True,
    **parser_options: Any,
) -> argparse.ArgumentParser:
    """One action of an area (``scrm keys list``): its parser with ``args`` in order (an ``arg`` each, or a
    function that adds a group of them), then ``--json`` unless ``json`` is false, set to run ``func``. The
    ``--help`` description is ``func``'s docstring unless ``description`` is given."""
    description = func.__doc__ if description is None else description
    if help is not None:  # argparse lists an action with a help (even None) apart from the others
        parser_options["help"] = help
    parser = acts.add_parser(name, description=description, **parser_options)
    for a in args:
        if callable(a):
            a(parser)
        else:
            parser.add_argument(*a[0], **a[1])
    if json:
        add_json(parser)
    parser.set_defaults(func=func)
    return parser
