"""The ``exsampling`` command. Each sub-command lives in its own module under ``commands/``."""

from __future__ import annotations

# First: a Ctrl+C during the imports below is held until main() can stop quietly (see first_ctrl_c).
from exsampling_patch.first_ctrl_c import HOLD

# isort: split
# Ended at the module's end, or here where an import fails part-way (a broken install): that left the hold's handler
# in place for good.
try:
    import argparse
    import contextlib
    import importlib
    import logging
    import os
    import signal
    import sys
    from collections.abc import Sequence
    from typing import TextIO

    from exsampling_patch.commands.arg_parser import Parser, parse_args
    from exsampling_patch.version import package_version
except BaseException:
    HOLD.end()
    raise


#: Sub-command modules; each has ``register(subparsers)`` that adds its parser with ``func`` set. In the README's
#: order: `exsampling --help` lists them in this one.
COMMAND_MODULES = (
    "exsampling_patch.commands.run",
    "exsampling_patch.commands.check",
    "exsampling_patch.commands.nodes",
    "exsampling_patch.commands.edit",
    "exsampling_patch.commands.classify",
    "exsampling_patch.commands.train",
    "exsampling_patch.commands.replay",
    "exsampling_patch.commands.devices",
    "exsampling_patch.commands.ableton",
)


class _Version(argparse.Action):
    """argparse's "version" action, the version looked up only when asked for (see :mod:`.version`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="exsampling",
        description="ExSampling Patch: field recordings become playable instruments, wired as a node patch.",
        epilog="To begin, in the project's folder: '.venv/bin/exsampling run patches/exsampling.yaml' (README.md, "
        "'The first five minutes'). Each command tells more with its own --help: '.venv/bin/exsampling run --help'.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more detail in the log (-vv: debug), on stderr; 'run' and 'edit' write it to their --log "
                        "file")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    early = EarlyStops()
    try:
        return _main(argv, early)
    finally:
        early.restore()


def _ctrl_c_in_imports() -> bool:
    """Whether a Ctrl+C came during this module's imports, cleared: it stops the first main() only (the console
    script's), not each later one of the process (a later ``main(["--version"])`` returned 130 at once)."""
    global CTRL_C_IN_IMPORTS
    pressed, CTRL_C_IN_IMPORTS = CTRL_C_IN_IMPORTS, False
    return pressed


def _main(argv: Sequence[str] | None, early: EarlyStops) -> int:
    try:
        if _ctrl_c_in_imports():  # checked here: its 130 and line come from the except below
            raise KeyboardInterrupt
        if argv is None:
            start_early(sys.argv[1:])
        # Importing the sub-commands takes a quarter of a second or more: a Ctrl+C then (the wrong patch typed) left
        # a screenful of traceback ending in KeyboardInterrupt, where one a moment later ends quietly with 130.
        parser = build_parser()
        if not (sys.argv[1:] if argv is None else argv):
            # A bare `exsampling` said only "the following arguments are required: COMMAND": the list of commands is
            # what a first-time user typing it wants.
            parser.print_help(sys.stderr)
            return 2
        args = parse_args(parser, argv)
    except KeyboardInterrupt:
        return early.stopped(argv)
    except StopSignal as stop:
        return 128 + stop.signum
    if not getattr(args, "own_signals", False):  # a SIGTERM ends the command as it always did, by Python's default
        early.restore()
    # A command's own -v (after its name: `exsampling run PATCH -v`) adds to this one: the same log detail.
    level = logging.WARNING - 10 * (args.verbose + getattr(args, "more_verbose", 0))
    configure_logging(level)
    exits = argv is None and getattr(args, "exit_at_once", False)
    args.process_ends = exits  # a command's own handlers, at its end, leave the signals ignored (run: StopSignals)
    try:
        try:
            code = int(args.func(args) or 0)
        finally:
            if exits:  # from the handlers restored to the process's end (exit handlers, os._exit): see ignore_stops
                ignore_stops()
    except KeyboardInterrupt:
        # out of a command with handlers of its own (`run`), one came before they were in place: its start-up
        code = early.stopped(argv) if getattr(args, "own_signals", False) else 130
    except StopSignal as stop:
        code = 128 + stop.signum
    except BrokenPipeError:
        # The reader stopped early (`exsampling nodes | head`, quitting `less`): no traceback, and no second one
        # when the interpreter flushes stdout at exit. 141 is a shell's status for a write to a closed pipe.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141
    if exits:
        exit_at_once(code)
    return code


def ignore_stops() -> None:
    """Ignore SIGINT, SIGTERM and SIGHUP until the process ends, the command's work done (its code decided): a Ctrl+C
    (or `timeout`'s second signal) landing after ``run`` had put back the handlers it replaced, before os._exit, was
    Python's KeyboardInterrupt (SIGTERM :class:`StopSignal`), a traceback after the run's summary, one in the middle of
    the exit handlers that kill the child processes; SIGHUP killed the process before them."""
    with contextlib.suppress(ValueError, OSError):  # not the main thread: main() called from a test's thread
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, signal.SIG_IGN)


#: The line a Ctrl+C leaves before the command's start-up ended (its modules importing, `run`'s patch loading).
STOPPED_EARLY = "stopped before start-up ended"


class StopSignal(BaseException):
    """A SIGTERM before the command put its own handler in place, raised by :class:`EarlyStops`'s: a BaseException,
    as KeyboardInterrupt, that no ``except Exception`` on the way swallows."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class EarlyStops:
    """SIGTERM from the first moment of :func:`main` until the command's own handler replaces this one (``run``,
    its ``own_signals`` set) or the command begins (any other): it raises :class:`StopSignal`, which ``main`` ends
    with 143 quietly, the exit handlers run (the classifier's process started early is killed), as Ctrl+C is
    ended with 130. Python's default killed the process outright, nothing cleaned up. A SIGTERM ignored by whoever
    started us (``nohup``-like) stays ignored."""

    def __init__(self) -> None:
        self._previous: signal._HANDLER = None
        with contextlib.suppress(ValueError):  # not the main thread (main called from a test's thread)
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                self._previous = signal.signal(signal.SIGTERM, self._raise)

    def _raise(self, signum: int, _frame: object) -> None:
        signal.signal(signum, signal.SIG_IGN)  # a second one, while the first unwinds, lands nowhere
        raise StopSignal(signum)

    def restore(self) -> None:
        """Python's default again, unless the command has put its own handler in place since."""
        if self._previous is not None and signal.getsignal(signal.SIGTERM) in (self._raise, signal.SIG_IGN):
            signal.signal(signal.SIGTERM, self._previous)
        self._previous = None

    def stopped(self, argv: Sequence[str] | None) -> int:
        """A Ctrl+C before start-up ended: the one line, and 130. On the command line, the signals that may follow
        it (`timeout -s INT` sends the run one, then its process group another) are ignored while the process
        ends: one landing in the exit handlers printed a traceback after the line."""
        if argv is None:
            self._previous = None  # ignored until the process ends: restore() leaves them so
            with contextlib.suppress(ValueError, OSError):
                for stop in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(stop, signal.SIG_IGN)
        with contextlib.suppress(OSError, ValueError):
            print(STOPPED_EARLY, file=sys.stderr, flush=True)
        return 130


def configure_logging(level: int) -> None:
    """The libraries' log, at ``level``, on stderr: descriptor 2, which ``exsampling run`` sends to its log file
    (run.log, see :func:`~exsampling_patch.commands.library_log.library_noise_to`)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=[LogHandler(sys.stderr)])


#: How many places (FILE:LINE) whose log lines fail are told, each once: past them, one line says more fail. A
#: bound on the console's lines, should a fault sit in code that logs from many places (a shared helper's caller).
PLACES_TOLD = 20


class LogHandler(logging.StreamHandler):
    """The log's handler: a write that fails (its disk full) is told once in words on the console, each reason once,
    and the log goes on (its lines missing meanwhile); a line that fails otherwise (its arguments do not fit its
    format: a fault in the code that logs it) is told once per place it comes from, up to :data:`PLACES_TOLD`. Why:
    Python printed "--- Logging error ---" and a traceback to the console for every line the handler could not write,
    many a second while a patch played."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._told: set[str] = set()
        self._places: set[str] = set()

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the file's: each reason once (a full disk is one, whatever the line)
            why = error.strerror or str(error)
            self._tell(why, f"could not write to the log ({_log_name(self.stream)}): {why}; its lines are missing "
                       "from it meanwhile (told once)")
            return
        # Not the file's: Python's traceback came on the console instead, at each such line. Told once per place (one
        # per kind hid a second faulty format, elsewhere, for good), which is what finds it.
        place = f"{record.pathname}:{record.lineno}"
        if place not in self._places and len(self._places) >= PLACES_TOLD:
            self._tell("places", f"log lines from more than {PLACES_TOLD} places fail: the others are not told")
            return
        self._places.add(place)
        if isinstance(error, UnicodeError):  # the log's encoding (ASCII only) cannot take a character of the line
            what = f"could not write to the log ({_log_name(self.stream)}): {type(error).__name__}: {error}"
        else:  # a line's arguments that do not fit its format, an argument whose str() raises: the code's fault
            what = (f"a log line failed ({type(error).__name__}: {error}), a fault in the code that logs it, not in "
                    f"the log ({_log_name(self.stream)})")
        self._tell(place, f"{what}; lines from {place} are missing from the log (told once for that place)")

    def _tell(self, key: str, line: str) -> None:
        """Say ``line`` on the console once per ``key``, in words it can encode; never raises."""
        if key in self._told:
            return
        self._told.add(key)
        with contextlib.suppress(Exception):  # the console may be on the same full disk: nothing more to do then
            encoding = getattr(sys.stderr, "encoding", None) or "utf-8"  # the line itself may hold what broke the log
            sys.stderr.write(f"exsampling: {line}\n".encode(encoding, "backslashreplace").decode(encoding))
            sys.stderr.flush()


def _log_name(stream: TextIO) -> str:
    """The file behind ``stream`` (the log file, where descriptor 2 was sent to it), or its name."""
    with contextlib.suppress(Exception):
        return os.readlink(f"/proc/self/fd/{stream.fileno()}")
    return str(getattr(stream, "name", "stderr"))


def start_early(args: Sequence[str]) -> None:
    """``exsampling run PATCH`` (or ``exsampling edit --run PATCH``, which runs it once the editor is built): start
    the classifier's process before the sub-commands (about 0.5 s here), the editor and the patch load, as it imports
    torch and loads its model, the default patch's start-up floor (2-3 s). A guess at the command line: where it
    guesses wrong, nothing starts early, or a process nobody takes is killed at exit."""
    words = _positionals(args)
    runs = words[:1] == ["run"] or (words[:1] == ["edit"] and "--run" in args)
    if len(words) >= 2 and runs and os.path.isfile(words[1]):
        from exsampling_patch.models.process import start_early as start_classifier

        with contextlib.suppress(Exception):  # the patch's loading says what is wrong with it
            start_classifier(words[1])


#: The options of ``run`` and ``edit`` that take a value (tests/models/test_process_early.py holds it to their
#: parsers): the word after one is no patch. Taken for one, `edit --nodes DIR --run PATCH` and `run --for 60 PATCH`
#: read DIR and 60 as the patch, and nothing started early.
VALUE_OPTIONS = ("--for", "--log", "--show-log", "--nodes", "--workers", "--start-notice")


def _positionals(args: Sequence[str]) -> list[str]:
    """The words of ``args`` that are no option nor an option's value, as argparse would read them."""
    words: list[str] = []
    value_next = False
    for index, arg in enumerate(args):
        if value_next:
            value_next = False
        elif arg == "--":
            words.extend(args[index + 1:])
            break
        elif arg.startswith("-"):
            # argparse takes a long option's prefix for it (--node DIR), and its value after "=" (--nodes=DIR)
            value_next = arg.startswith("--") and len(arg) > 2 and "=" not in arg and any(
                option.startswith(arg) for option in VALUE_OPTIONS)
        else:
            words.append(arg)
    return words


def exit_at_once(code: int) -> None:
    """End this process now that the command is done: exit handlers run and output is flushed, but the
    interpreter's teardown of every module is skipped. With librosa, scipy and numba loaded it took 2 s on a
    busy machine, after the patch had stopped: a Ctrl+C on stage must end the run sooner than that. Bounded: the
    signals ignored (:func:`ignore_stops`), an exit handler that stalls is ended after a grace, with ``code``
    (:func:`~exsampling_patch.commands.run_signals.watch_exit`)."""
    import atexit

    from exsampling_patch.commands.run_signals import watch_exit

    watch_exit(code)
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


#: A Ctrl+C pressed while this module loads (its imports, its definitions), at the command's own start: it stops
#: :func:`main` at its start, which clears it. Elsewhere (a program importing this module) it was raised here, Python's
#: Ctrl+C back. Ended here, not after the imports: one pressed during the definitions after them gave a traceback.
CTRL_C_IN_IMPORTS: bool = HOLD.end()

if __name__ == "__main__":
    sys.exit(main())
