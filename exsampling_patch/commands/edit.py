"""``exsampling edit [PATCH]``: open the node editor (Dear PyGui) on a patch, or on a new one."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from exsampling_patch.commands.arg_types import at_least
from exsampling_patch.commands.console_lines import ConsoleLines
from exsampling_patch.commands.start_watch import import_notices
from exsampling_patch.editor.screen import x11_library
from exsampling_patch.errors import PatchError
from exsampling_patch.patchfile import closest_existing


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "edit", help="open the node editor", description="Open the node editor on PATCH (or a new patch): "
        "compose, run and watch patches. Needs a display.",
    )
    parser.add_argument("patch", nargs="?", metavar="PATCH", help="patch file (YAML) to open")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="a folder of node files (*.py); give it again for another")
    parser.add_argument("--run", action="store_true", help="start the patch as soon as it is open")
    parser.add_argument("--workers", type=at_least(1), default=None, metavar="N",
                        help="threads that run the nodes' work (default: one per CPU, at least 2)")
    parser.add_argument("--log", metavar="FILE", default=None,
                        help="where libraries' own messages (libjack, PortAudio) and the log go; default "
                        "~/.local/state/exsampling/edit.log; '-': the terminal")
    parser.set_defaults(func=run)


def x11_display_opens(display: str) -> bool:
    """Whether an X server answers at ``display``; True where libX11 is not there to ask (let the editor try)."""
    x11 = x11_library()
    if x11 is None:
        return True
    handle = x11.XOpenDisplay(display.encode())
    if not handle:
        return False
    x11.XCloseDisplay(handle)
    return True


def run(args: argparse.Namespace) -> int:
    # Each line for the person goes through ``lines``: a console that refuses one (stderr on a full disk, closed, or
    # ASCII-only under a non-ASCII path) raised out of print and ended the command before the editor opened.
    lines = ConsoleLines(goes_on="exsampling edit goes on")
    if args.patch and not os.path.exists(args.patch):
        # A misspelt path opened an empty editor without a word: say it is new, and what may have been meant.
        meant = closest_existing(Path(args.patch))
        lines.say(f"{args.patch}: no such file: the editor opens a new patch, saved there"
                  + (f" (did you mean '{meant}'?)" if meant else ""))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        # Dear PyGui aborts the whole process without a display; say so instead.
        lines.say("exsampling edit needs a display (DISPLAY is not set); on a server, use `.venv/bin/exsampling run` "
                  "or start Xvfb and set DISPLAY")
        return 2
    display = os.environ.get("DISPLAY", "")
    if display and sys.platform.startswith("linux") and not x11_display_opens(display):
        # A DISPLAY whose server is gone (an Xvfb stopped, an ssh -X session closed) aborts Dear PyGui the same
        # way, in a C assertion: a core dump, and no word of the display.
        lines.say(f"exsampling edit cannot open the display {display!r} (DISPLAY): no X server answers there; "
                  "on a server, use `.venv/bin/exsampling run` or start Xvfb and set DISPLAY")
        return 2
    import dearpygui.dearpygui as dpg

    from exsampling_patch.editor.app import EditorApp
    from exsampling_patch.editor.model import EditorModel
    from exsampling_patch.registry import Registry

    with import_notices("quits the editor", lines=lines):  # the patch's node_dirs are imported as it opens
        model = EditorModel(Registry.default(args.nodes))
        if args.patch:
            if os.path.exists(args.patch):
                try:
                    model.open(args.patch)
                except PatchError as error:
                    for problem in error.problems:
                        lines.say(str(problem))
                    return 1
            else:
                model.path = Path(args.patch)  # a new patch, saved there
    noise_to_log(args.log, lines)
    dpg.create_context()
    try:
        app = EditorApp(model, workers=args.workers)
        app.build()
        if args.run:
            app.run_patch()
        app.run()
    finally:
        dpg.destroy_context()
    return 0


def noise_to_log(log: str | None, lines: ConsoleLines | None = None) -> None:
    """Libraries' own messages to the log file ``log`` (default: edit.log beside run's log; '-': none), as ``exsampling
    run`` sends them: without JACK, libjack wrote five lines to the editor's terminal at each of the sampler's tries to
    open its MIDI port, every second, while the node said the same in one line. Python's own stderr (a failing
    callback's traceback) stays on the terminal. ``lines``: the command's console lines (a console of its own if
    None)."""
    lines = lines or ConsoleLines()
    if log == "-":
        return
    from exsampling_patch.commands.library_log import default_log_path, library_noise_to

    path = Path(log) if log else default_log_path().with_name("edit.log")
    try:
        library_noise_to(path, "edit")
    except OSError as error:  # a folder, a read-only home: the editor opens all the same
        lines.say(f"warning: libraries' own messages stay on the terminal: cannot write --log {path}: "
                  f"{error.strerror or error}")
        return
    # Said first: a window that cannot open (GLFW's error, then an abort) ends the editor with its words in the log.
    lines.say(f"libraries' own messages (JACK, PortAudio, the window's) go to {path}")
