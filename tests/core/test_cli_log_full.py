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
