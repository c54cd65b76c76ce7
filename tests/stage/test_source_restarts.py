"""A source whose loop fails at once, for good (its device gone): run again ever more seldom, up to a few seconds
apart, and told on the console once, then counted. Before, it was run again every restart_delay for the rest of the
show: an error each time in the log and the show log, and the CPU it took."""

from __future__ import annotations

import io
import itertools
import threading
import time

import pytest

from exsampling_patch import TAKE, Node, Output
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.node import LONGEST_RESTART_DELAY, RAN_A_WHILE, SHORTEST_RESTART_DELAY, restart_wait
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

FIRST_WAIT = 0.02
RUNS = 6


class Gone(Node):
    """A source whose device is gone: its loop fails at once, every time."""

    type_name = "gone_device"
    out = Output(TAKE)
    delay = FIRST_WAIT  # its restart_delay

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.runs: list[float] = []
        self.ran = threading.Event()

    def start(self) -> None:
        self.run_thread(self.listen, name=f"{self.node_id}-listen", restart_delay=self.delay)

    def listen(self) -> None:
        self.runs.append(time.monotonic())
        if len(self.runs) >= RUNS:
            self.ran.set()
            self.stop_event.wait()
            return
        raise OSError("the sound device is gone")


class Spinning(Gone):
    """The same, run with a restart_delay of 0."""

    type_name = "spinning_device"
    delay = 0.0


@pytest.mark.parametrize("node_type", [Gone, Spinning])
def test_a_loop_failing_at_once_is_run_again_ever_more_seldom_and_told_once_on_the_console(
        node_type: type[Gone]) -> None:
    """With a restart_delay of 0 too: before, it was run again at once, for ever (the wait stayed 0)."""
    registry = Registry.default(entry_points=False)
    registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("mic", node_type.type_name))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console.repeats.every = 3600.0  # no count is due during the test, however slow the host: the stop tells it
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        node = engine.node("mic")
        assert isinstance(node, Gone)
        assert node.ran.wait(30)
        runs = list(node.runs)
    finally:
        engine.stop()
    # Only lower bounds: each wait is at least twice the one before (a slow host makes them longer, never shorter).
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    for failed, gap in enumerate(gaps):
        # restart_delay after the first failure, then twice as long each time (from the floor, for 0)
        least = node_type.delay * 2**failed if node_type.delay else failed and SHORTEST_RESTART_DELAY * 2**(failed - 1)
        assert gap >= least * 0.99, (failed, gaps)
    assert engine.error_counts == {"mic": RUNS - 1}
    (line,) = err.getvalue().splitlines()
    assert " error in node 'mic': OSError: the sound device is gone (at " in line, line
    console.flush_errors()
    assert err.getvalue().splitlines()[1].endswith(f"error in node 'mic': the same error {RUNS - 2} more times")


def test_the_wait_doubles_up_to_a_few_seconds_and_is_short_again_after_a_long_run() -> None:
    waits = [0.0]
    for _ in range(12):
        waits.append(restart_wait(waits[-1], 0.001, 1.0))
    assert waits[1:6] == [1.0, 2.0, 4.0, LONGEST_RESTART_DELAY, LONGEST_RESTART_DELAY]
    assert max(waits) == LONGEST_RESTART_DELAY
    assert restart_wait(LONGEST_RESTART_DELAY, RAN_A_WHILE, 1.0) == 1.0  # ran a while: a failure of its own
    assert restart_wait(0.0, 0.001, 10.0) == 10.0 and restart_wait(10.0, 0.001, 10.0) == 10.0  # never below it


def test_a_restart_delay_of_0_grows_from_a_small_floor() -> None:
    """Before, a wait of 0 doubled stayed 0: a loop failing at once was run again at once, for ever."""
    waits = [restart_wait(None, 0.001, 0.0)]
    for _ in range(12):
        waits.append(restart_wait(waits[-1], 0.001, 0.0))
    assert waits[:4] == [0.0, SHORTEST_RESTART_DELAY, 2 * SHORTEST_RESTART_DELAY, 4 * SHORTEST_RESTART_DELAY]
    assert max(waits) == LONGEST_RESTART_DELAY
    assert restart_wait(LONGEST_RESTART_DELAY, RAN_A_WHILE, 0.0) == 0.0  # ran a while: a failure of its own
