"""``exsampling check PATCH...``: validate patches and print every problem as FILE:LINE: message."""

from __future__ import annotations

import argparse
import sys

from exsampling_patch.commands.console_lines import ConsoleLines
from exsampling_patch.commands.start_watch import import_notices
from exsampling_patch.plugin_problems import loaded_in_part, not_loaded
from exsampling_patch.validate import check_file_with_warnings
from exsampling_patch.wording import counted


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="validate patch files", description="Validate patch files. Prints each problem on one "
        "line as FILE:LINE: message (hint); exits 1 if there is any. A plugin that does not load (in the patch's "
        "node_dirs, --nodes or an entry point) is a warning on stderr, 'warning: plugin FILE:LINE: error'; it "
        "makes a check fail only where the patch uses a node type it would have defined. What is likely a mistake "
        "but runs (a pattern whose slots are not its sampler's slot_names, what a node type warns of) is a warning "
        "on stderr too, 'warning: FILE:LINE: message (hint)', and leaves the exit status alone.",
    )
    parser.add_argument("patches", nargs="+", metavar="PATCH", help="patch files (YAML)")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="a folder of node files (*.py); give it again for another")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = False
    warned: set[str] = set()  # a plugin shared by several patches (an entry point, a common folder): told once
    lines = ConsoleLines(goes_on="the check goes on")  # one console for all patches: its notice is told once
    for path in args.patches:
        with import_notices("stops the check", lines=lines):
            problems, plugins, warnings = check_file_with_warnings(path, args.nodes)
        for problem in problems:
            print(problem)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        failed = failed or bool(problems)
        for plugin in plugins:
            if str(plugin) not in warned:
                warned.add(str(plugin))
                print(f"warning: plugin {plugin}", file=sys.stderr)
        if not problems:
            # The patch runs as it is (`run` warns of the same plugins and goes on): ok, but not without a word.
            # Plugins, not their problems: an entry point's import failure and a type refused in it are one, and
            # one that loaded its other types (a type of it already defined elsewhere) did load.
            unloaded, in_part = len(not_loaded(plugins)), len(loaded_in_part(plugins) - not_loaded(plugins))
            said = [*([f"{counted(unloaded, 'plugin')} did not load"] if unloaded else []),
                    *([f"{counted(in_part, 'plugin')} loaded in part"] if in_part else []),
                    *([counted(len(warnings), "warning")] if warnings else [])]
            but = f", but {', '.join(said[:-1])}{', and ' if len(said) > 1 else ''}{said[-1]}" if said else ""
            print(f"{path}: ok{but}", file=sys.stderr)
    return 1 if failed else 0
