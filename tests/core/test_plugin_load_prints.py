"""A plugin folder loading on one thread while another prints: only the loading thread's prints go to stderr.

Before: the load swapped stdout for stderr process-wide (contextlib.redirect_stdout), so an editor loading a plugin
folder during a run sent every other thread's prints to stderr for that time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from exsampling_patch.registry import Registry

# The plugin prints as it is imported, then waits for the test's thread to print (its file "printed"), so that the
# two prints fall within its load.
PLUGIN = '''
import time
from pathlib import Path

from exsampling_patch import ANY, Input, Node

HERE = Path({folder!r})
print("the plugin loads")
(HERE / "loading").touch()
deadline = time.monotonic() + 20
while not (HERE / "printed").exists() and time.monotonic() < deadline:
    time.sleep(0.01)


class Slow(Node):
    """Loads slowly."""

    x = Input(ANY)

    def on_x(self, message):
        pass
'''


def test_a_plugin_load_sends_only_its_own_threads_prints_to_stderr(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    nodes, flags = tmp_path / "nodes", tmp_path / "flags"
    nodes.mkdir()
    flags.mkdir()
    (nodes / "slow.py").write_text(PLUGIN.format(folder=str(flags)), encoding="utf-8")
    registry = Registry()
    loader = threading.Thread(target=registry.load_folder, args=(nodes,))
    loader.start()
    try:
        deadline = time.monotonic() + 20
        while not (flags / "loading").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (flags / "loading").exists(), registry.problems
        print("another thread prints meanwhile")
    finally:
        (flags / "printed").touch()
        loader.join(20)
    assert registry.problems == [] and "slow" in registry.types
    out, err = capsys.readouterr()
    assert "another thread prints meanwhile" in out and "another thread" not in err, (out, err)
    assert "the plugin loads" in err and "the plugin loads" not in out, (out, err)
    print("after the load")
    assert capsys.readouterr().out == "after the load\n"
