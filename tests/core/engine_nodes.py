"""Small node types the engine tests run: counters, relays that fail on cue, sinks, nodes that cannot start."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from exsampling_patch import ANY, Input, Node, Output, Param
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeRecovered


class Counter(Node):
    """Emit 0, 1, 2, ... from its own thread until stopped (or `count` is reached)."""

    type_name = "counter"
    out = Output(ANY)
    count = Param(int, 0, "how many (0: until stopped)")
    interval = Param(float, 0.0005, "seconds between numbers")

    def start(self) -> None:
        self.sent = 0
        self.run_thread(self.loop)

    def loop(self) -> None:
        while not self.stop_event.is_set() and (self.count == 0 or self.sent < self.count):
            self.emit("out", self.sent)
            self.sent += 1
            time.sleep(self.interval)


def all_sent(engine: Any, node_id: str = "src", seconds: float = 10.0) -> bool:
    """Whether the counter ``node_id`` has sent its ``count`` numbers within ``seconds``. Wait for this before
    ``Engine.wait_idle``: the engine does not see a source's own thread, and a busy host that held the counter's
    thread past the settle time between two numbers had wait_idle find the engine idle with numbers still to come
    (3 runs in 300 of counter -> sink under 6 busy loops on 2 cores, the sink short)."""
    source = engine.node(node_id)
    deadline = time.monotonic() + seconds
    while source.sent < source.count and time.monotonic() < deadline:
        time.sleep(0.002)
    return bool(source.sent >= source.count)


class AddOne(Node):
    """Add one; raise on numbers in `fail_on`."""

    type_name = "add_one"
    inlet = Input(ANY)
    outlet = Output(ANY)
    fail_on = Param(list, [], "numbers that make it raise")

    def on_inlet(self, message: int) -> None:
        if message in self.fail_on:
            raise ValueError(f"cannot add one to {message}")
        self.emit("outlet", message + 1)


class Sink(Node):
    """Collect everything."""

    type_name = "sink"
    inlet = Input(ANY, multiple=True)
    delay = Param(float, 0.0, "seconds to spend on each message")

    def start(self) -> None:
        self.received: list[Any] = []
        self.threads: set[str] = set()

    def on_inlet(self, message: Any) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.threads.add(threading.current_thread().name)
        self.received.append(message)


class BadStart(Node):
    """Cannot start."""

    type_name = "bad_start"
    inlet = Input(ANY)

    def start(self) -> None:
        raise OSError("no such device")

    def stop(self) -> None:
        self.device.close()  # type: ignore[attr-defined]  # as real nodes do: start() never opened it
        super().stop()

    def on_inlet(self, message: Any) -> None:
        pass


class BadStop(Node):
    """Fails to close what it opened, in a helper its stop() calls."""

    type_name = "bad_stop"
    inlet = Input(ANY)

    def stop(self) -> None:
        self._close()
        super().stop()

    def _close(self) -> None:
        raise OSError("device gone")

    def on_inlet(self, message: Any) -> None:
        pass


LIFECYCLE: list[tuple[str, str]] = []  # (node id, "prepare" or "start"), in the order the engine called them


class Slow(Node):
    """Notes when it is prepared and started; raises from prepare() when told to."""

    type_name = "slow"
    inlet = Input(ANY)
    outlet = Output(ANY)
    fail_prepare = Param(bool, False, "raise from prepare()")
    fail_build = Param(bool, False, "raise from the constructor")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.fail_build:
            raise RuntimeError("cannot be built")

    def prepare(self) -> None:
        LIFECYCLE.append((self.node_id, "prepare"))
        if self.fail_prepare:
            raise RuntimeError("cannot begin loading")

    def start(self) -> None:
        LIFECYCLE.append((self.node_id, "start"))

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)


class Reporter(Node):
    """Report each message (a dict) as its status, as a sampler reports a take loaded or skipped."""

    type_name = "reporter"
    inlet = Input(ANY)

    def on_inlet(self, message: dict[str, Any]) -> None:
        self.report_status(**message)


class Quits(Node):
    """Calls sys.exit() in the method it is told to, as a plugin may (argparse does on a bad argument)."""

    type_name = "quits"
    inlet = Input(ANY)
    quit_in = Param(str, "start", "the method that calls sys.exit()",
                    choices=("__init__", "prepare", "start", "stop"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._quit_if("__init__")

    def _quit_if(self, call: str) -> None:
        if self.quit_in == call:
            sys.exit(f"no device, in {call}")

    def prepare(self) -> None:
        self._quit_if("prepare")

    def start(self) -> None:
        self._quit_if("start")

    def stop(self) -> None:
        super().stop()
        self._quit_if("stop")

    def on_inlet(self, message: Any) -> None:
        pass


class HalfStarts(Node):
    """Opens a thread in start(), then calls sys.exit() before opening the rest, as a plugin may."""

    type_name = "half_starts"
    inlet = Input(ANY)

    def start(self) -> None:
        self.run_thread(self._hold, name=f"{self.node_id}-held")
        sys.exit("no second device")

    def _hold(self) -> None:
        self.stop_event.wait()

    def stop(self) -> None:
        super().stop()
        self.second.close()  # type: ignore[attr-defined]  # as real nodes do: start() never opened it

    def on_inlet(self, message: Any) -> None:
        pass


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no text for this one")


class Garbled(Node):
    """Fails on every message with an error whose text cannot be made."""

    type_name = "garbled"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        raise Unprintable()


class Closes(Node):
    """Closes its device in stop(): a second stop() finds it closed and raises, as real nodes do. Calls sys.exit()
    in its constructor or its stop() when told to."""

    type_name = "closes"
    inlet = Input(ANY)
    quit_building = Param(bool, False, "call sys.exit() in the constructor")
    quit_stopping = Param(bool, False, "call sys.exit() in stop(), once its device is closed")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.quit_building:
            sys.exit("no device, in __init__")
        self.closed = False

    def stop(self) -> None:
        super().stop()
        if self.closed:
            raise OSError("already closed")
        self.closed = True
        if self.quit_stopping:
            sys.exit("no device, in stop")

    def on_inlet(self, message: Any) -> None:
        pass


class Tracking:
    """What the engine did with the Tracked nodes: each instance built, each start() and stop() call, and the gate
    a held start() waits at."""

    def __init__(self) -> None:
        self.built: list[Node] = []
        self.starts: list[Node] = []
        self.stops: list[Node] = []
        self.holding = threading.Event()  # set as a held start() begins to wait
        self.gate = threading.Event()  # lets it return
        self.quit_versions: set[int] = set()  # a start() of these versions calls sys.exit()
        self.gate_on_warning = True  # the editor test's log handler opens the gate when the runner says it waits


TRACKING = Tracking()


class Tracked(Node):
    """Notes each instance built and each start() and stop() call in TRACKING; its start() waits at TRACKING.gate
    when told to, as a node's start() loading a model takes long, and calls sys.exit() for a version in
    TRACKING.quit_versions (a device gone meanwhile)."""

    type_name = "tracked"
    inlet = Input(ANY)
    outlet = Output(ANY)
    hold = Param(bool, False, "start() waits until TRACKING.gate is set")
    version = Param(int, 0, "changed by an edit: the node is rebuilt")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        TRACKING.built.append(self)

    def start(self) -> None:
        TRACKING.starts.append(self)
        if self.version in TRACKING.quit_versions:
            sys.exit(f"no device for version {self.version}")
        if self.hold:
            TRACKING.holding.set()
            TRACKING.gate.wait(30.0)  # a failed test does not leave it waiting for ever

    def stop(self) -> None:
        TRACKING.stops.append(self)
        super().stop()

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)


class Held(Node):
    """Passes each message on, the first once :attr:`gate` is set: the others queue behind it."""

    type_name = "held"
    inlet = Input(ANY)
    outlet = Output(ANY)
    gate = threading.Event()

    def start(self) -> None:
        self.entered = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.entered.set()
        self.gate.wait(5)
        self.emit("outlet", message)


class OutputOnCue(Node):
    """An output whose destination fails ("down", told about its "port"), is fine ("up", a status with that key),
    or whose message is bad ("bad": a plain handler's error); any other message it handles cleanly."""

    type_name = "t_output_on_cue"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "down":
            self.report_error("the destination refuses", about="port")
        elif message == "bad":
            self.report_error("this message cannot be sent")
        elif message == "up":
            self.report_status(port=9000)


def lone_node_engine(node_type: type[Node], node_id: str) -> tuple[Engine, list[NodeError], list[NodeRecovered]]:
    """An engine of one worker, started on a patch of one node ``node_id`` of ``node_type`` (registered beside the
    built-in types), and the lists its errors and recoveries are told into; the caller stops it."""
    registry = Registry.default(entry_points=False)
    registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec(node_id, node_type.type_name))
    engine = Engine(registry, workers=1, pin_workers=False)
    told: list[NodeError] = []
    back: list[NodeRecovered] = []
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(back.append, NodeRecovered)
    engine.start(patch)
    return engine, told, back


def taken_out_from_between(middle: str) -> tuple[Patch, Patch]:
    """r1 -> extra -> r2 -> sink, ``extra`` a node of type ``middle``, and the edit that takes extra out from between
    the relays: r1 -> r2 -> sink."""
    patch = Patch()
    for node_id, type_name in (("r1", "relay"), ("extra", middle), ("r2", "relay"), ("sink", "sink")):
        patch.add_node(NodeSpec(node_id, type_name))
    for link in ("r1.outlet -> extra.inlet", "extra.outlet -> r2.inlet", "r2.outlet -> sink.inlet"):
        patch.connect(*link.split(" -> "))
    edited = patch.copy()
    del edited.nodes["extra"]
    edited.links = [link for link in edited.links if "extra" not in (link.source.node, link.target.node)]
    edited.connect("r1.outlet", "r2.inlet")
    return patch, edited


def engine_registry() -> Registry:
    """The built-in node types and the ones above."""
    registry = Registry.default(entry_points=False)
    for node_type in (Counter, AddOne, Sink, BadStart, BadStop, Slow, Reporter, Quits, HalfStarts, Garbled,
                      Closes, Tracked):
        registry.register(node_type, "test")
    return registry


def chain(n: int, **source: Any) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", source))
    previous = "src.out"
    for i in range(n):
        patch.add_node(NodeSpec(f"r{i}", "relay"))
        patch.connect(previous, f"r{i}.inlet")
        previous = f"r{i}.outlet"
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect(previous, "sink.inlet")
    return patch
