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


#: A log that cannot encode "é" (an ASCII-only stream), given three such lines and one whose arguments do not fit
#: its format; the console (this process's stderr) takes any character.
NOT_THE_FILES = """
import io, logging
from exsampling_patch.cli import configure_logging

configure_logging(logging.WARNING)
logging.getLogger().handlers[0].setStream(io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict"))
for n in range(3):
    logging.getLogger("exsampling_patch.take").warning("caf\\u00e9 %d", n)
logging.getLogger("exsampling_patch.take").warning("two %d %d", 1)
print("went on")
"""


def test_a_log_line_failing_otherwise_is_told_once_per_kind_in_one_line_not_a_traceback() -> None:
    # Before: Python's "--- Logging error ---" and a traceback on the console, at each of the four lines.
    done = subprocess.run([sys.executable, "-c", NOT_THE_FILES], capture_output=True, text=True, timeout=60)
    assert done.stdout == "went on\n", done.stderr
    told = done.stderr.splitlines()
    assert len(told) == 2, done.stderr
    assert told[0].startswith("exsampling: could not write to the log (stderr): UnicodeEncodeError: 'ascii' codec "
                              "can't encode character '\\xe9' in position "), done.stderr
    assert told[0].endswith("; lines like this one, from <string>:8, are missing from it (told once)"), done.stderr
    assert told[1] == ("exsampling: could not write to the log (stderr): TypeError: not enough arguments for format "
                       "string; lines like this one, from <string>:9, are missing from it (told once)"), done.stderr
