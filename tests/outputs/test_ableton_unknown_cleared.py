"""An ableton_max node's "how many is unknown" (its ``unsent_unknown`` status: the kept takes' lock stuck at a stop)
is said anew at each stop, not left standing from an earlier one.

A live edit rebuilt the node while a stopped process held the lock: the edit's stop could not count the kept takes
and said so; the rebuilt node's start could not take them over either (none sent: nothing cleared the word). The
holder gone by the patch's stop, that stop counted them, yet the summary still said the count was unknown, with the
old reason. Real engine, real sender processes, a real holder process stopped with SIGSTOP."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from exsampling_patch.commands.run import unsent_counts, unsent_text
from exsampling_patch.nodes.osc_outbox import unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.stop_news import unsent_unknown

from .test_osc_outbox import receive_all
from .test_osc_outbox_damaged import kept
from .test_osc_outbox_lock_held import receiver, stopped_holder  # noqa: F401 (fixtures)


def live_patch(folder: Path, port: int, keep_per_slot: int) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": port, "folder": str(folder),
                                                    "keep_per_slot": keep_per_slot}))
    return patch


def test_a_stop_that_counts_the_kept_takes_clears_an_earlier_unknown(
        tmp_path: Path, receiver: socket.socket,  # noqa: F811 (fixture)
        stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:  # noqa: F811 (fixture)
    to = receiver.getsockname()
    folder = tmp_path / "live"
    kept(folder, to, [b"one"])
    holder = stopped_holder(unsent_path(folder / ".sent-live.txt"))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(live_patch(folder, to[1], 8))
    try:
        # Rebuilt: its stop cannot count them (unknown, and why), nor its start take them over (none sent)
        assert engine.update(live_patch(folder, to[1], 9)) is not None
    finally:
        holder.kill()  # gone before the patch's stop, which can count them again
        holder.wait()
        engine.stop()
    said = unsent_text(unsent_counts(engine), unsent_unknown(engine.status_snapshot()))
    assert unsent_unknown(engine.status_snapshot()) == {}, said  # before: the edit's stop's reason, still
    assert unsent_counts(engine) == {"live": 1}, said
    assert receive_all(receiver) == []
