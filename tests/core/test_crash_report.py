"""scripts/crash_report.py: a crashed worker's log says again, last, which thread crashed and where."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: A process whose second thread dies of a segmentation fault in a function named for it, the main thread waiting.
CRASHING = """
import ctypes, faulthandler, threading
faulthandler.enable()
def the_thread_that_crashes():
    ctypes.string_at(0)
def the_main_thread_waits():
    thread = threading.Thread(target=the_thread_that_crashes)
    thread.start()
    thread.join()
the_main_thread_waits()
"""


def test_the_crashed_threads_stack_is_said_last_and_not_the_others(tmp_path: Path) -> None:
    crashed = subprocess.run([sys.executable, "-c", CRASHING], capture_output=True, text=True, timeout=60)
    assert crashed.returncode != 0
    log = tmp_path / "tests.log"
    log.write_text("..........\n" + crashed.stderr + ".[gw1] node down: Not properly terminated\n")
    said = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash_report.py"), str(log)],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    assert "Fatal Python error: Segmentation fault" in said
    assert "the_thread_that_crashes" in said
    assert "the_main_thread_waits" not in said  # only the thread that crashed
    assert "Extension modules" not in said


def test_a_log_without_a_crash_gets_nothing_said(tmp_path: Path) -> None:
    log = tmp_path / "tests.log"
    log.write_text("....F..\n1 failed, 6 passed\n")
    said = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash_report.py"), str(log)],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    assert said == ""
