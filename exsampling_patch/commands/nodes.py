"""``exsampling nodes``: list every node type with its ports, parameters and docs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exsampling_patch.commands.arg_parser import closest
from exsampling_patch.commands.console_lines import ConsoleLines
from exsampling_patch.commands.start_watch import import_notices
from exsampling_patch.patchfile import ParsedPatch, read_patch
from exsampling_patch.plugin_problems import could_define
from exsampling_patch.registry import PluginProblem, Registry
from exsampling_patch.validate import at_node_dirs_lines, node_dirs_of

#: A mapping default of more rows than this is summed up on the text listing (--json gives it whole).
SHOWN_ROWS = 8
#: The text listing's doc of a node type whose class has no docstring (--json gives its doc as "").
NO_DOC = "(no description: give the class a docstring)"
#: The same for a port or parameter declared without its doc, by what declared it (--json gives its doc as "").
NO_PORT_DOC = {"in": '(no description: give it one, Input(TYPE, "..."))',
               "out": '(no description: give it one, Output(TYPE, "..."))',
               "param": '(no description: give it one, Param(kind, default, "..."))'}


def _default_text(param: dict[str, Any]) -> str:
    """A parameter's default as the text listing shows it: its repr, but a large mapping (the slot map's ~160-row
    class table) by its size, which as a repr filled one line of thousands of characters."""
    default = param["default"]
    if not isinstance(default, Mapping) or len(default) <= SHOWN_ROWS:
        return repr(default)
    # A table that changes a base (``base_table``) is shown with its rows merged onto the shipped ones.
    what = "the shipped table" if param.get("base") else "a table"
    return f"{what}, {len(default)} rows (.venv/bin/exsampling nodes --json lists them)"


def _is_type_name(word: str) -> bool:
    """Whether ``word`` names a node type rather than a patch file: `exsampling nodes trim` said "trim: cannot read
    the patch: no such file or directory", the listing of one type being what a newcomer asked for."""
    path = Path(word)
    return not path.exists() and path.suffix.lower() not in (".yaml", ".yml") and len(path.parts) == 1


def _only(rows: list[dict[str, Any]], asked: list[str], problems: list[PluginProblem]) -> list[dict[str, Any]]:
    """The rows of the types ``asked``, in the listing's order; each name no type has is told on stderr, with the
    type it most likely misspells, or why its type was refused at load (``problems``). None where any name is
    unknown."""
    types = [row["type"] for row in rows]
    unknown = [name for name in asked if name not in types]
    for name in unknown:
        # A type refused at load (an input without its handler) was "no node type of that name", its reason on a
        # warning line above that read as unrelated.
        refused = _refused(name, problems)
        if refused:
            print(f"{name}: a node type of that name was found but refused at load: {refused}", file=sys.stderr)
            continue
        # A refused type is meant too: `nodes refusd` for the refused 'refused' suggested nothing.
        refused_types = [t for p in problems for t in (p.type_name, *p.others) if t and t not in types]
        meant = closest(name, [*types, *refused_types])
        hint = f"did you mean '{meant}'?" if meant else "'.venv/bin/exsampling nodes' lists them all"
        if meant and meant not in types:
            hint += f" It was found but refused at load: {_refused(meant, problems)}"
        # `nodes reverb` with reverb.py failing to import said "lists them all", as of a name never defined.
        unloaded = [str(p) for p in problems if not p.type_name and could_define(p, name)]
        if unloaded:
            more = f"; and {len(unloaded) - 3} more" if len(unloaded) > 3 else ""
            hint = (f"{hint} A" if meant else "a") + f" plugin that may define it did not load: " \
                f"{'; '.join(unloaded[:3])}{more}"
        print(f"{name}: no node type of that name, nor a patch file ({hint})", file=sys.stderr)
    return [] if unknown else [row for row in rows if row["type"] in asked]


def _refused(name: str, problems: list[PluginProblem]) -> str:
    """Why the type ``name`` was refused at load (each of its problems, '; ' between), or '' for none."""
    return "; ".join(told for told in (p.refused_for(name) for p in problems) if told)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "nodes", help="list node types", description="List every node type (built-in, entry-point plugins, "
        "--nodes folders and the node_dirs of the patches named) with its ports, parameters and docs, or only the "
        "types named ('.venv/bin/exsampling nodes sampler'). A plugin that does not load is a warning on stderr, "
        "'warning: plugin FILE:LINE: error', as check and run say it.",
    )
    parser.add_argument("patches", nargs="*", metavar="PATCH|TYPE",
                        help="patch files whose node_dirs (folders of user nodes) are listed too; node type names "
                        "(a word that is no file and does not end in .yaml): only those types are listed")
    parser.add_argument("--json", action="store_true", help="print one JSON list of node types")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="a folder of node files (*.py); give it again for another")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    node_dirs: list[str | Path] = list(args.nodes)
    read: list[tuple[ParsedPatch, str]] = []
    asked = [word for word in args.patches if _is_type_name(word)]
    for path in (word for word in args.patches if word not in asked):  # as check and run load them: --nodes
        parsed = read_patch(path)
        if parsed.problems and not parsed.patch.nodes and not parsed.patch.node_dirs:
            for unread in parsed.problems:  # not read at all (no such file): its node_dirs are unknown
                print(unread, file=sys.stderr)
            return 1
        node_dirs += node_dirs_of(parsed.patch, path)  # then each patch's node_dirs
        read.append((parsed, path))
    with import_notices("stops the listing", lines=ConsoleLines(goes_on="the listing goes on")):
        registry = Registry.default(node_dirs)
    plugins = list(registry.problems)
    for parsed, path in read:  # a node_dirs folder that is not there, at its patch line as check tells it
        plugins = at_node_dirs_lines(plugins, parsed, path)
    for problem in plugins:
        print(f"warning: plugin {problem}", file=sys.stderr)
    rows = registry.describe()
    if asked:
        rows = _only(rows, asked, registry.problems)
        if not rows:
            return 1
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
        # A class without a docstring printed "name: " and nothing after, as if the listing had been cut short.
        print(f"{row['type']}: {row['doc'] or NO_DOC}")
        if row["origin"] != "built-in":  # which plugin it is (a folder's file, an entry point): one of a name taken
            print(f"    from {row['origin']}")  # by another plugin was listed as if it were yours
        # Like the class's: a port or parameter without a doc ended its line at "): ", as if cut short.
        for port in row["inputs"]:
            many = ", many" if port["multiple"] else ""
            print(f"    in  {port['name']} ({port['type']}{many}): {port['doc'] or NO_PORT_DOC['in']}")
        for port in row["outputs"]:
            print(f"    out {port['name']} ({port['type']}): {port['doc'] or NO_PORT_DOC['out']}")
        for param in row["params"]:
            limits = ""
            if "choices" in param:
                limits = f", one of {', '.join(map(str, param['choices']))}"
            elif "min" in param or "max" in param:
                limits = f", in [{param.get('min', '')}, {param.get('max', '')}]"
            if param.get("unit"):  # declared, and shown by the editor alone: "gain_db (float, default 0.0)" said no dB
                limits += f" {param['unit']}" if limits.startswith(", in [") else f", in {param['unit']}"
            # A required parameter's default (None) is what a patch must not leave it at.
            default = "required" if param.get("required") else f"default {_default_text(param)}"
            doc = param["doc"] or NO_PORT_DOC["param"]
            print(f"    param {param['name']} ({param['type']}, {default}{limits}): {doc}")
    return 0
