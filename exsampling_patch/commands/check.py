"""``exsampling check PATCH...``: validate patches and print every problem as FILE:LINE: message."""

from __future__ import annotations

import argparse
import sys

from exsampling_patch.validate import check_file


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="validate patch files", description="Validate patch files. Prints each problem on one "
        "line as FILE:LINE: message (hint); exits 1 if there is any.",
    )
    parser.add_argument("patches", nargs="+", metavar="PATCH", help="patch files (YAML)")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR", help="folder of user nodes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = False
    for path in args.patches:
        problems = check_file(path, args.nodes)
        for problem in problems:
            print(problem)
        failed = failed or bool(problems)
        if not problems:
            print(f"{path}: ok", file=sys.stderr)
    return 1 if failed else 0
