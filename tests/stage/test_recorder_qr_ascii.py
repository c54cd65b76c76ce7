"""`exsampling run` on a terminal that can print only ASCII (PYTHONIOENCODING=ascii): the console printed the
recorder's QR code as a drawing no phone could scan (each half block a '\\u2588' on Python's own stderr, or raw UTF-8
through the run's log wrapper) and said nothing of it. Now it prints the address in plain text with a warning naming
it, and the run goes on, as the web recorder's own print does. A console that raises (closed) is a warning too."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import NodeStatus
from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch

ADDRESS = r"^web_recorder 'phones': phones open (http://\S+:\d+/\?token=\S+)$"


@pytest.mark.parametrize("log", ["file", "-"])
def test_an_ascii_terminal_gets_the_address_in_plain_text_and_a_warning(tmp_path: Path, log: str) -> None:
    """``log``: the run's console on its log wrapper (the default), or on Python's own stderr (``--log -``)."""
    patch = folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{port: {free_port()}, https: false, folder: takes, state_folder: state}}
""")
    run = Run(str(patch), "--for", "0.3", "--show-log", "none",
              "--log", str(tmp_path / "lib.log") if log == "file" else "-", env={"PYTHONIOENCODING": "ascii"})
    assert run.wait(60) == 0, run.output()
    said = "".join(run.stderr)
    address = re.search(ADDRESS, said, re.M)
    assert address, said
    assert (f"warning from node 'phones': the QR code could not be printed (the terminal's encoding ascii has no "
            f"half blocks): phones open {address[1]}") in said, said
    assert "\\u2588" not in said and "█" not in said and "??" not in said, said  # no drawing of junk
    assert "stopped after" in said, said  # the run went on to its end


@pytest.mark.parametrize("console", ["closed", "full"])
def test_a_closed_or_full_console_is_a_warning_in_the_log_not_an_error_of_the_observer(
        caplog: pytest.LogCaptureFixture, console: str) -> None:
    """The log has the address and the warning, not the drawing: the whole QR code went there as "not on the
    console", a screenful no phone can scan in a log."""
    patch = Patch()
    patch.add_node(NodeSpec("phones", "web_recorder"))
    if console == "closed":
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        err.close()
    else:  # every write: ENOSPC
        err = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    url = "http://192.0.2.1:8080/?token=abc"
    try:
        with caplog.at_level(logging.WARNING):
            StageConsole(patch, err=err)(NodeStatus("phones", {"url": url, "qr": ["#  #", " ## "]}))  # raised before
    finally:
        with contextlib.suppress(OSError, ValueError):
            err.close()
    logged = [record.getMessage() for record in caplog.records]
    assert any(url in message and "QR code could not be printed" in message for message in logged), logged
    assert not any(mark in message for message in logged for mark in "\u2580\u2584\u2588"), logged  # no drawing
    assert sum(message.startswith("not on the console: ") for message in logged) == 1, logged  # address, warning
