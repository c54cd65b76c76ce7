"""The log's handler on a full disk (``exsampling run``'s log file, run.log, is descriptor 2; here its stream is
/dev/full, in a process of its own, whose stderr stands for the console).

Before: each line the handler could not write printed "--- Logging error ---" and a traceback to the console."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging
from exsampling_patch.cli import configure_logging

configure_logging(logging.WARNING)
logging.getLogger().handlers[0].setStream(open("/dev/full", "w"))
for n in range(3):
    logging.getLogger(f"exsampling_patch.part{n}").warning("line %d", n)
print("went on")
"""


def test_a_full_log_disk_is_told_once_in_words_and_the_command_goes_on() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.stdout == "went on\n", done.stderr
    assert done.stderr == ("exsampling: could not write to the log (/dev/full): No space left on device; its lines "
                           "are missing from it meanwhile (told once)\n")


#: A log that cannot encode "é" (an ASCII-only stream), given three such lines from one place, and lines whose
#: arguments do not fit their format from two more places, the second one twice; the console (this process's stderr)
#: takes any character.
NOT_THE_FILES = """
import io, logging
from exsampling_patch.cli import configure_logging

configure_logging(logging.WARNING)
logging.getLogger().handlers[0].setStream(io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict"))
for n in range(3):
    logging.getLogger("exsampling_patch.take").warning("caf\\u00e9 %d", n)
logging.getLogger("exsampling_patch.take").warning("two %d %d", 1)
for n in range(2):
    logging.getLogger("exsampling_patch.slot").warning("one %s", 1, n)
print("went on")
"""


def test_a_log_line_failing_otherwise_is_told_once_per_place_in_one_line_not_a_traceback() -> None:
    # Before: Python's "--- Logging error ---" and a traceback on the console, at each of the lines; then once per
    # kind of error, where the second faulty format (another TypeError, elsewhere) was never told.
    done = subprocess.run([sys.executable, "-c", NOT_THE_FILES], capture_output=True, text=True, timeout=60)
    assert done.stdout == "went on\n", done.stderr
    told = done.stderr.splitlines()
    assert len(told) == 3, done.stderr
    assert told[0].startswith("exsampling: could not write to the log (stderr): UnicodeEncodeError: 'ascii' codec "
                              "can't encode character '\\xe9' in position "), done.stderr
    assert told[0].endswith("; lines from <string>:8 are missing from the log (told once for that place)"), done.stderr
    # a faulty format is the code's, worded so, with its place
    assert told[1] == ("exsampling: a log line failed (TypeError: not enough arguments for format string), a fault in "
                       "the code that logs it, not in the log (stderr); lines from <string>:9 are missing from the log "
                       "(told once for that place)"), done.stderr
    assert told[2].startswith("exsampling: a log line failed (TypeError: not all arguments converted during string "
                              "formatting), a fault in the code that logs it"), done.stderr
    assert "lines from <string>:11 are missing" in told[2], done.stderr


#: Faulty lines from more places than are told (PLACES_TOLD), each place twice.
MANY_PLACES = """
import logging
from exsampling_patch.cli import PLACES_TOLD, configure_logging

configure_logging(logging.WARNING)
source = "\\n".join(f"logging.getLogger('x').warning('line %d %d', {n})" for n in range(PLACES_TOLD + 5))
for _ in range(2):
    exec(compile(source, "many.py", "exec"))
print("went on")
"""


def test_faulty_log_lines_from_many_places_are_told_up_to_a_bound_then_once_more() -> None:
    from exsampling_patch.cli import PLACES_TOLD

    done = subprocess.run([sys.executable, "-c", MANY_PLACES], capture_output=True, text=True, timeout=60)
    assert done.stdout == "went on\n", done.stderr
    told = done.stderr.splitlines()
    assert len(told) == PLACES_TOLD + 1, done.stderr
    assert [line.split("lines from ")[1].split(" ")[0] for line in told[:-1]] == [
        f"many.py:{n + 1}" for n in range(PLACES_TOLD)], done.stderr
    assert told[-1] == f"exsampling: log lines from more than {PLACES_TOLD} places fail: the others are not told"
