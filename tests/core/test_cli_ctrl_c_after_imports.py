"""A Ctrl+C at the command's own start while cli.py defines what follows its imports (after the imports' try, before
the module's end) stops the first ``main()`` quietly, as one during the imports does.

The hold of a Ctrl+C ended after the imports: one pressed while the rest of the module ran was Python's again, and the
command stopped with a KeyboardInterrupt traceback. A real Python process, named as the console script pip makes; the
Ctrl+C is a real SIGINT it sends itself as the line of the first definition after the imports runs (a trace function
on cli.py's module code: no timing)."""

from __future__ import annotations

from pathlib import Path

import exsampling_patch.cli as cli
from tests.core.test_cli_imported_ctrl_c import run

#: Run first: the SIGINT as cli.py's module code reaches ``COMMAND_MODULES``, the first definition after its imports.
TRACE = """
import signal, sys
def _line(frame, event, arg):
    if event == "line" and frame.f_lineno == {line}:
        sys.settrace(None)
        signal.raise_signal(signal.SIGINT)
    return _line
def _call(frame, event, arg):
    if frame.f_code.co_filename == {file!r} and frame.f_code.co_name == "<module>":
        return _line
    return None
sys.settrace(_call)
"""


def _first_line_after_imports() -> int:
    lines = Path(cli.__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if text.startswith("COMMAND_MODULES = ("))


def test_a_ctrl_c_after_the_clis_imports_stops_its_first_main_quietly(tmp_path: Path) -> None:
    trace = TRACE.format(line=_first_line_after_imports(), file=str(Path(cli.__file__).resolve()))
    said = run(trace + """
from exsampling_patch.cli import main
print("first:", main())
""", "pass", tmp_path / "exsampling")  # named as the console script: the command's own start
    assert said == ["first: 130"]  # before: a KeyboardInterrupt traceback out of the import (rc 1)
