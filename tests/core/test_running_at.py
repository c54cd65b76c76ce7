"""Where a hung handler is, read from faulthandler's dump of the threads (runtime/parts.py ``running_at``): the line of
the node's own code a live thread runs, nothing for a thread gone. The watchdog walked the thread's frames with
``traceback.extract_stack()`` before, the GIL let go between frames: a handler that returned and whose worker ended
under the walk killed the process (SIGSEGV in ``walk_stack``, CPython 3.11.7), a crash only load makes likely."""

from __future__ import annotations

import inspect
import textwrap
import threading
from pathlib import Path
from typing import Any

from exsampling_patch.node import Input, Node
from exsampling_patch.node_files import import_file
from exsampling_patch.ports import ANY
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.parts import running_at
from tests.waiting import wait_for


class Waits(Node):
    """Waits in its handler until the test lets it go, a few calls deep."""

    type_name = "waits"
    inlet = Input(ANY)

    def on_inlet(self, release: Any) -> None:
        self._deeper(release, 3)

    def _deeper(self, release: threading.Event, depth: int) -> None:
        if depth:
            self._deeper(release, depth - 1)
        else:
            release.wait(10)  # the line running_at names


def test_the_line_a_live_thread_runs_is_named_and_a_thread_gone_names_nothing() -> None:
    release, inside = threading.Event(), threading.Event()
    node = Waits.__new__(Waits)

    def handle() -> None:
        inside.set()
        node.on_inlet(release)

    thread = threading.Thread(target=handle, daemon=True)
    thread.start()
    try:
        assert inside.wait(10)
        lines, first = inspect.getsourcelines(Waits)
        line = next(first + n for n, text in enumerate(lines) if "release.wait(10)" in text)
        where = f"{__file__}:{line} in _deeper"
        assert thread.ident is not None
        ident = thread.ident
        # until its thread is inside the wait (it may still be on its way down)
        assert wait_for(lambda: running_at(ident, Waits) == where), running_at(ident, Waits)
    finally:
        release.set()
        thread.join(10)
    assert running_at(thread.ident, Waits) == ""  # ended: no thread of that id is dumped


PLUGIN = textwrap.dedent("""\
    from typing import Any

    from exsampling_patch import ANY, Input, Node


    class Wartet(Node):
        type_name = "t_wartet_non_ascii"
        inlet = Input(ANY)

        def on_inlet(self, release: Any) -> None:
            self.wärtet(release)

        def wärtet(self, release: Any) -> None:
            release.wait(10)  # the line running_at names
    """)


def test_a_plugin_in_a_folder_of_a_non_ascii_name_is_named_as_it_is(tmp_path: Path) -> None:
    # faulthandler writes names escaped to ASCII ("plugins_\\xe9"): the plugin's file never matched, its place "".
    file = tmp_path / "plugins_é" / "wartet_ünicode.py"
    file.parent.mkdir()
    file.write_text(PLUGIN, encoding="utf-8")
    registry = Registry.default(entry_points=False)
    registry.register_module(import_file(file), str(file))
    node_type = registry.get("t_wartet_non_ascii")
    release = threading.Event()
    node: Any = node_type.__new__(node_type)
    thread = threading.Thread(target=node.on_inlet, args=(release,), daemon=True)
    thread.start()
    try:
        assert thread.ident is not None
        ident = thread.ident
        where = f"{file}:{PLUGIN.splitlines().index('        release.wait(10)  # the line running_at names') + 1}"
        assert wait_for(lambda: running_at(ident, node_type) == f"{where} in wärtet"), running_at(ident, node_type)
    finally:
        release.set()
        thread.join(10)
