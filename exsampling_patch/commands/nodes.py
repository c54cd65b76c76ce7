"""``exsampling nodes``: list every node type with its ports, parameters and docs."""

from __future__ import annotations

import argparse
import json
import sys

from exsampling_patch.registry import Registry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "nodes", help="list node types", description="List every node type (built-in, entry-point plugins "
        "and --nodes folders) with its ports, parameters and docs.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list of node types")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR", help="folder of user nodes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    registry = Registry.default(args.nodes)
    for problem in registry.problems:
        print(f"warning: plugin {problem}", file=sys.stderr)
    rows = registry.describe()
    if args.json:
        json.dump(rows, sys.stdout, indent=1, default=str)
        print()
        return 0
    family = None
    for row in rows:
        if row["family"] != family:
            gap = "" if family is None else "\n"  # between families, not above the first
            print(f"{gap}== {row['family']}")
            family = row["family"]
        print(f"{row['type']}: {row['doc']}")
        for port in row["inputs"]:
            print(f"    in  {port['name']} ({port['type']}{', many' if port['multiple'] else ''}): {port['doc']}")
        for port in row["outputs"]:
            print(f"    out {port['name']} ({port['type']}): {port['doc']}")
        for param in row["params"]:
            limits = ""
            if "choices" in param:
                limits = f", one of {', '.join(map(str, param['choices']))}"
            elif "min" in param or "max" in param:
                limits = f", in [{param.get('min', '')}, {param.get('max', '')}]"
            # A required parameter's default (None) is what a patch must not leave it at.
            default = "required" if param.get("required") else f"default {param['default']!r}"
            print(f"    param {param['name']} ({param['type']}, {default}{limits}): {param['doc']}")
    return 0
