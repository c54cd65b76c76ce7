"""The cli's hold of a Ctrl+C over its imports (:mod:`exsampling_patch.first_ctrl_c`) when the cli is not the
command's own start, or its import fails part-way.

A program importing the cli as a library had a Ctrl+C during the import swallowed, and the flag it left set made each
later ``main()`` return 130 at once, even ``--version``; an import that failed part-way left the hold's handler in
place, every later Ctrl+C of the process noted and never raised. Each case runs in a real Python process of its own;
the Ctrl+C is a real SIGINT the process sends itself as the cli imports ``exsampling_patch.version`` (an audit hook on
that import: no timing), and the failing import is made to fail there the same way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exsampling_patch.version import package_version as version

REPO = Path(__file__).resolve().parents[2]

#: Run first in each process: at the cli's import of its version module, ``AT_IMPORT`` (a SIGINT, or an ImportError).
HOOK = """
import signal, sys
def hook(event, args):
    if event == "import" and args[0] == "exsampling_patch.version":
        {at_import}
sys.addaudithook(hook)
"""
CTRL_C = "signal.raise_signal(signal.SIGINT)"


def run(program: str, at_import: str, script: Path) -> list[str]:
    """Run ``program`` (after :data:`HOOK`) as the file ``script`` in a Python process of its own: its stdout lines."""
    script.write_text(HOOK.format(at_import=at_import) + program, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_ctrl_c_while_a_program_imports_the_cli_reaches_that_program(tmp_path: Path) -> None:
    said = run("""
try:
    import exsampling_patch.cli
    print("swallowed")
except KeyboardInterrupt:
    print("KeyboardInterrupt")
print("handler back:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
""", CTRL_C, tmp_path / "program.py")
    assert said == ["KeyboardInterrupt", "handler back: True"]  # before: swallowed, as the command's own start


def test_the_commands_ctrl_c_in_imports_stops_its_first_main_only(tmp_path: Path) -> None:
    said = run("""
from exsampling_patch.cli import main
print("first:", main())
sys.argv = ["exsampling", "--version"]
try:
    print("later:", main())
except SystemExit as done:  # --version prints it and exits: argparse's way
    print("later:", done.code)
""", CTRL_C, tmp_path / "exsampling")  # named as the console script pip makes
    assert said[0] == "first: 130"
    assert said[1:] == ["exsampling " + version(), "later: 0"], said  # before: 130 at once, the flag never cleared


def test_a_failed_import_of_the_cli_leaves_ctrl_c_working(tmp_path: Path) -> None:
    said = run("""
try:
    import exsampling_patch.cli
except ImportError:
    print("import failed")
try:
    signal.raise_signal(signal.SIGINT)
    print("Ctrl+C swallowed")
except KeyboardInterrupt:
    print("KeyboardInterrupt")
""", 'raise ImportError("a broken install")', tmp_path / "program.py")
    assert said == ["import failed", "KeyboardInterrupt"]  # before: swallowed, the hold's handler left in place
