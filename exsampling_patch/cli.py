"""The ``exsampling`` command. Each sub-command lives in its own module under ``commands/``."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from exsampling_patch.version import package_version

#: Sub-command modules; each has ``register(subparsers)`` that adds its parser with ``func`` set.
COMMAND_MODULES = (
    "exsampling_patch.commands.run",
    "exsampling_patch.commands.replay",
    "exsampling_patch.commands.check",
    "exsampling_patch.commands.nodes",
    "exsampling_patch.commands.classify",
    "exsampling_patch.commands.train",
    "exsampling_patch.commands.edit",
    "exsampling_patch.commands.ableton",
    "exsampling_patch.commands.devices",
)


class _Version(argparse.Action):
    """argparse's "version" action, the version looked up only when asked for (see :mod:`.version`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exsampling",
        description="ExSampling Patch: field recordings become playable instruments, wired as a node patch.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more detail in the log (-vv: debug), on stderr; 'run' writes it to its --log file")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        if argv is None:
            start_early(sys.argv[1:])
        # Importing the sub-commands takes a quarter of a second or more: a Ctrl+C then (the wrong patch typed) left
        # a screenful of traceback ending in KeyboardInterrupt, where one a moment later ends quietly with 130.
        parser = build_parser()
    except KeyboardInterrupt:
        return 130
    if not (sys.argv[1:] if argv is None else argv):
        # A bare `exsampling` said only "the following arguments are required: COMMAND": the list of commands is
        # what a first-time user typing it wants.
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    # A command's own -v (after its name: `exsampling run PATCH -v`) adds to this one: the same log detail.
    level = logging.WARNING - 10 * (args.verbose + getattr(args, "more_verbose", 0))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        code = int(args.func(args) or 0)
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # The reader stopped early (`exsampling nodes | head`, quitting `less`): no traceback, and no second one
        # when the interpreter flushes stdout at exit. 141 is a shell's status for a write to a closed pipe.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141
    if argv is None and getattr(args, "exit_at_once", False):
        exit_at_once(code)
    return code


def start_early(args: Sequence[str]) -> None:
    """``exsampling run PATCH`` (or ``exsampling edit --run PATCH``, which runs it once the editor is built): start
    the classifier's process before the sub-commands (about 0.5 s here), the editor and the patch load, as it imports
    torch and loads its model, the default patch's start-up floor (2-3 s). A guess at the command line: where it
    guesses wrong, nothing starts early, or a process nobody takes is killed at exit."""
    words = [arg for arg in args if not arg.startswith("-")]
    runs = words[:1] == ["run"] or (words[:1] == ["edit"] and "--run" in args)
    if len(words) >= 2 and runs and os.path.isfile(words[1]):
        from exsampling_patch.models.process import start_early as start_classifier

        with contextlib.suppress(Exception):  # the patch's loading says what is wrong with it
            start_classifier(words[1])


def exit_at_once(code: int) -> None:
    """End this process now that the command is done: exit handlers run and output is flushed, but the
    interpreter's teardown of every module is skipped. With librosa, scipy and numba loaded it took 2 s on a
    busy machine, after the patch had stopped: a Ctrl+C on stage must end the run sooner than that."""
    import atexit

    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
