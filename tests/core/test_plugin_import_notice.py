"""``exsampling nodes``, ``check`` and ``edit`` name a node plugin whose import does not return (it waits for a
device, a network share), as ``run`` does: they waited on one in silence. Each command runs in a process of its
own; the plugin waits for a file the test writes once the notice came, so no notice is waited for by the clock.
The first notice comes :data:`FIRST_NOTICE` in (:data:`SPAWN`), not at start_watch.NOTICES[0] (5 s): a wait the
suite paid twice for words that are the same at any time."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WAITS = '''import os
import time
from pathlib import Path

from exsampling_patch.node import Node


class Waited(Node):
    """A node whose plugin waits for a device as it is imported."""


release = Path(os.environ["EXS_TEST_RELEASE"])
while not release.exists():  # a device that answers only when it answers
    time.sleep(0.02)
'''
PATCH = "exsampling_patch: 1\nnodes:\n- id: log\n  type: log\n"
FIRST_NOTICE = 1.0
#: ``python -m exsampling_patch`` with the commands' first notice at FIRST_NOTICE: import_notices's default, taken
#: from NOTICES[0] when it was defined, set on the function its context manager wraps (run has --start-notice; nodes,
#: check and edit have no option for it).
SPAWN = ("import sys\n"
         "from exsampling_patch.commands import start_watch\n"
         f"start_watch.import_notices.__wrapped__.__defaults__ = ({FIRST_NOTICE},)\n"
         "from exsampling_patch.cli import main\n"
         "sys.exit(main())\n")


class Command:
    """``exsampling ARGS`` in a process group of its own, its stderr lines gathered as they come."""

    def __init__(self, args: list[str], env: dict[str, str], spawn: str = SPAWN) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", spawn, *args], cwd=REPO, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def wait_for(self, text: str) -> str:
        """The first stderr line with ``text``; fails after a minute (a wait, not a timed assertion)."""
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r}:\n{''.join(self.stderr)}") from None
            if text in line:
                return line

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)


def _setup(tmp_path: Path, folder: str = "plugins") -> tuple[Path, Path, dict[str, str]]:
    plugins = tmp_path / folder
    plugins.mkdir()
    (plugins / "waits_at_import.py").write_text(WAITS, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text(PATCH, encoding="utf-8")
    release = tmp_path / "release"
    env = {**os.environ, "EXS_TEST_RELEASE": str(release), "XDG_STATE_HOME": str(tmp_path / "state")}
    return plugins, patch, env


def _told(line: str, plugins: Path, ctrl_c: str) -> None:
    assert line.split(" ", 1)[1].startswith(f"node plugin {plugins}/waits_at_import.py is still being imported, "), line
    assert line.rstrip().endswith(f" s in: its module's code has not returned (Ctrl+C {ctrl_c})"), line


def test_nodes_and_check_name_a_plugin_whose_import_hangs_then_go_on(tmp_path: Path) -> None:
    plugins, patch, env = _setup(tmp_path)
    # Both at once: the notice comes 5 s in, waited for once.
    nodes = Command(["nodes", "--nodes", str(plugins)], env)
    check = Command(["check", str(patch), "--nodes", str(plugins)], env)
    try:
        told = {"stops the listing": nodes.wait_for("is still being imported"),
                "stops the check": check.wait_for("is still being imported")}
    finally:
        (tmp_path / "release").write_text("", encoding="utf-8")
        for command in (nodes, check):
            with contextlib.suppress(subprocess.TimeoutExpired):
                command.process.wait(60)
            command.kill()
    for ctrl_c, line in told.items():
        _told(line, plugins, ctrl_c)
    assert nodes.process.returncode == 0, "".join(nodes.stderr)
    assert check.process.returncode == 0, "".join(check.stderr)
    assert f"{patch}: ok\n" in check.stderr, "".join(check.stderr)


#: SPAWN on a stderr that refuses what ASCII cannot say (a console in a C locale, set strict): a line naming a plugin
#: under a folder named in UTF-8 is refused, and the console notice that says so is told in the command's words.
ASCII_SPAWN = SPAWN.replace("from exsampling_patch.cli import main\n", (
    "import io\n"
    "sys.stderr = io.TextIOWrapper(sys.stderr.buffer, encoding='ascii', errors='strict', line_buffering=True)\n"
    "from exsampling_patch.cli import main\n"))


def test_nodes_and_check_tell_a_refused_line_in_their_own_words(tmp_path: Path) -> None:
    # Both said "the show goes on", the run's words, where there is no show: import_notices's console of its own
    plugins, patch, env = _setup(tmp_path, "plugins-\u00e9t\u00e9")
    nodes = Command(["nodes", "--nodes", str(plugins)], env, spawn=ASCII_SPAWN)
    check = Command(["check", str(patch), "--nodes", str(plugins)], env, spawn=ASCII_SPAWN)
    try:
        told = {"listing": nodes.wait_for("console lines could not be written"),
                "check": check.wait_for("console lines could not be written")}
    finally:
        (tmp_path / "release").write_text("", encoding="utf-8")
        for command in (nodes, check):
            command.kill()
    for command, line in told.items():
        assert line.startswith("warning: console lines could not be written (UnicodeEncodeError: "), line
        assert line.rstrip().endswith(f"each such line goes to the log instead; the {command} goes on"), line


@pytest.mark.display
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display")
def test_edit_names_a_plugin_of_the_patch_whose_import_hangs(tmp_path: Path) -> None:
    plugins, patch, env = _setup(tmp_path)
    # The plugin is the patch's own (node_dirs), imported as the editor opens the patch.
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [{plugins}]\nnodes: []\n", encoding="utf-8")
    edit = Command(["edit", str(patch), "--log", str(tmp_path / "edit.log")], env)
    try:
        line = edit.wait_for("is still being imported")
    finally:
        edit.kill()
    _told(line, plugins, "quits the editor")
