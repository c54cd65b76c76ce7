"""The stage console: a line per port at start, a line per take with its fate, JSON lines for scripts, and
libraries' noise in a log file rather than on the console."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch, recorder

# the take writer's file, named as the patch names its folder: "done (writer)" named the last node it reached
TAKE_LINE = re.compile(r"^\d\d:\d\d:\d\d one\.wav from inbox, 0\.10 s: stored as library/one\.wav \(\d+ ms\)$",
                       re.M)


def run_with_a_take(tmp_path: Path, *options: str) -> Run:
    phones = recorder(free_port()).replace("print_qr: false", "print_qr: true")
    run = Run(str(folder_patch(tmp_path, phones)), "--for", "1.5", "--log",
              str(tmp_path / "lib.log"), *options)
    run.wait_for("running")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    sf.write(tmp_path / "inbox" / "one.wav", np.zeros(4800, np.float32), 48000)
    assert run.wait(60) == 0, run.output()
    return run


def test_the_console_names_each_port_at_start_and_each_take_with_its_fate(tmp_path: Path) -> None:
    run = run_with_a_take(tmp_path)
    err = "".join(run.stderr)
    assert re.search(r"^web_recorder 'phones': phones open http://\S+:\d+/\?token=\S+$", err, re.M), err
    assert "█" in err  # its QR code, printed by the console in the recorder's place (once)
    assert err.count("phones open") == 1
    assert TAKE_LINE.search(err), err
    assert "; 1 take done" in err


def test_a_take_stored_on_its_way_names_its_file_not_the_last_node(tmp_path: Path) -> None:
    """patches/web_to_writer.yaml's takes went on from the writer to a recorder_status: each line said "done
    (status)", the last node it reached, not the file it was stored as."""
    from exsampling_patch.patch import NodeSpec
    from tests.intake.folder_show import inbox_to_writer

    patch, engine, err = inbox_to_writer({"folder": str(tmp_path / "inbox"), "poll_interval": 0.05,
                                          "settle_time": 0.05}, tmp_path / "library")
    patch.add_node(NodeSpec("status", "recorder_status", {}))
    patch.connect("writer.written", "status.take")
    engine.start(patch)
    try:
        sf.write(tmp_path / "inbox" / "kick.wav", np.full(4800, 0.1, np.float32), 48000)
        deadline = time.monotonic() + 20
        while " from inbox" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    (line,) = [line.split(" ", 1)[1] for line in err.getvalue().splitlines() if " from inbox" in line]
    assert re.fullmatch(rf"kick\.wav from inbox, 0\.10 s: stored as {re.escape(str(tmp_path))}/library/kick\.wav "
                        r"\(\d+ ms\)", line), err.getvalue()


def test_quiet_prints_no_line_per_take_or_port_but_the_recorders_url(tmp_path: Path) -> None:
    """-q hid the recorder's URL and QR code too: a performer using it could not pair a phone."""
    err = "".join(run_with_a_take(tmp_path, "-q").stderr)
    assert not TAKE_LINE.search(err), err
    assert re.search(r"^web_recorder 'phones': phones open http://\S+:\d+/\?token=\S+$", err, re.M), err
    assert "█" in err and err.count("phones open") == 1, err  # its QR code, once
    assert "; 1 take done" in err  # the summary stays


def test_json_prints_one_event_per_line_on_stdout(tmp_path: Path) -> None:
    run = run_with_a_take(tmp_path, "--json")
    events = [json.loads(line) for line in run.stdout if line.strip()]  # every line parses
    kinds = {e["event"] for e in events}
    assert {"NodeStarted", "NodeStatus", "TakeEnded"} <= kinds, kinds
    ended = next(e for e in events if e["event"] == "TakeEnded")
    assert ended["fate"] == "done" and ended["node_id"] == "writer" and abs(ended["at"] - time.time()) < 60
    assert not TAKE_LINE.search("".join(run.stderr))
    # The last line is the summary's counts: before, only the text line on stderr said them, which a script reading
    # stdout never saw.
    summary = events[-1]
    assert [e["event"] for e in events].count("RunStopped") == 1 and summary["event"] == "RunStopped", events[-3:]
    assert summary["takes"] == {"done": 1} and summary["node_errors"] == {} and summary["never_started"] == {}
    assert summary["clean"] is True and summary["during_start_up"] is False and summary["signal"] is None
    assert summary["exit_status"] == 0 and summary["cut_off"] == {} and summary["unsent"] == {}
    assert summary["seconds"] >= 1.5 and abs(summary["at"] - time.time()) < 60, summary


def test_library_noise_goes_to_the_log_and_the_reason_to_the_console_in_one_line(tmp_path: Path) -> None:
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n", encoding="utf-8")
    log = tmp_path / "lib.log"
    # A JACK server that does not run: libjack says so in many lines, on descriptor 2 of the audio process.
    run = Run(str(patch), "--for", "1", "--log", str(log), env={"JACK_DEFAULT_SERVER": f"absent-{free_port()}"})
    run.wait(60)
    output = run.output()
    assert "Cannot connect to server" not in output and "jack server is not running" not in output, output
    assert "jack server is not running" in log.read_text(encoding="utf-8")
    assert re.search(r"error in node 'sampler': cannot open sound device .*\n", output), output


def test_a_take_line_names_the_class_heard_not_the_pitch_found_beside_it(tmp_path: Path, esc50: Path) -> None:
    # As the default patch: pitch runs beside the classifier, and usually reports first.
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: trim, type: trim}
- {id: pitch, type: pitch, params: {method: yin, max_seconds: 1.0}}
- {id: classifier, type: classifier}
- {id: gate, type: confidence_gate, params: {threshold: 0.45, judge: slot}}
- {id: map, type: slot_map}
links:
- inbox.take -> trim.take
- trim.out -> classifier.take
- trim.out -> pitch.take
- pitch.out -> map.take
- classifier.prediction -> gate.prediction
- gate.passed -> map.prediction
- gate.rejected -> map.rejected
""", encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running")
        (tmp_path / "inbox").mkdir(exist_ok=True)
        shutil.copy(esc50 / "audio" / "1-100032-A-0.flac", tmp_path / "inbox" / "dog.flac")  # a dog barking
        run.wait_for(" from inbox", timeout=60)
    finally:
        run.signal_group()
        run.wait(30)
    line = next(line for line in run.stderr if " from inbox" in line)
    assert re.search(r": dog \d+% -> Bass \(\d+ ms\)$", line), line


def test_a_take_from_a_folder_is_named_by_its_file(tmp_path: Path) -> None:
    """A performer dropped kick.wav into the folder and read "take-2 from inbox": its id, the default one (a file
    without a sidecar has no id of its own). The line names the file, from the folder it was dropped into, and
    its length, as a web recorder's take line does."""
    from tests.intake.folder_show import inbox_to_writer

    patch, engine, err = inbox_to_writer({"folder": str(tmp_path / "inbox"), "recursive": True,
                                          "poll_interval": 0.05, "settle_time": 0.05}, tmp_path / "library")
    engine.start(patch)
    try:
        (tmp_path / "inbox" / "toms").mkdir(parents=True)
        sf.write(tmp_path / "inbox" / "kick.wav", np.full(4800, 0.1, np.float32), 48000)
        sf.write(tmp_path / "inbox" / "toms" / "kick.wav", np.full(4800, 0.1, np.float32), 48000)
        deadline = time.monotonic() + 20
        while err.getvalue().count(" from inbox") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    lines = sorted(line.split(" ", 1)[1] for line in err.getvalue().splitlines() if " from inbox" in line)
    # each stored under its own name in the library, whichever came first ("kick.wav", "kick-2.wav")
    library = f"{tmp_path / 'library'}/"
    assert [re.sub(r"kick(-2)?\.wav \(\d+ ms\)$", "kick*.wav (N ms)", line.replace(library, "library/"))
            for line in lines] == [
        "kick.wav from inbox, 0.10 s: stored as library/kick*.wav (N ms)",
        "toms/kick.wav from inbox, 0.10 s: stored as library/kick*.wav (N ms)"
    ], err.getvalue()
    assert sorted(line.rsplit("/", 1)[1].split(" ")[0] for line in lines) == ["kick-2.wav", "kick.wav"], lines


def test_a_short_takes_length_is_told_in_hundredths() -> None:
    from exsampling_patch.commands.stage import seconds_text

    assert [seconds_text(s) for s in (0.03, 0.25, 0.994, 0.996, 5.0, 12.34)] == \
        ["0.03 s", "0.25 s", "0.99 s", "1.0 s", "5.0 s", "12.3 s"]


def test_an_osc_target_without_a_port_is_named_with_its_types_default_port() -> None:
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry

    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {}))
    patch.add_node(NodeSpec("out", "osc_send", {"host": "10.0.0.7", "port": 9100}))
    err = io.StringIO()
    StageConsole(patch, err=err).announce_static(Registry.default())
    assert err.getvalue().splitlines() == ["ableton_max 'live': OSC to 127.0.0.1:10500 (UDP)",
                                           "osc_send 'out': OSC to 10.0.0.7:9100 (UDP)"]


def test_a_take_the_classifier_could_not_hear_is_not_told_as_nothing_at_0_percent() -> None:
    """A 10 ms tick: the console said "take T from Tiny, 0.01 s: nothing 0%, rejected: nothing to classify: too
    short (...)", where "nothing 0%" is the classifier's status for no label, not something it heard."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus, TakeEnded

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    console(NodeStatus("recorder", {"take": "T", "duration": 0.01}))
    console(NodeStatus("classifier", {"take": "T", "label": "nothing", "confidence": 0.0}))
    console(TakeEnded("gate", take_id="T", recorder="Tiny", fate="rejected",
                      reason="rejected: nothing to classify: too short (0.01 s < 0.03 s)", seconds=0.003))
    told = " take T from Tiny, 0.01 s: rejected: nothing to classify: too short (0.01 s < 0.03 s) (3 ms)\n"
    assert err.getvalue().endswith(told), err.getvalue()


def test_a_nodes_warning_is_a_line_of_its_own_not_an_error() -> None:
    """A burst of more than max_waiting takes at the slot map, none lost: it was "error in node 'map'" and counted
    among the nodes with errors. Now a warning line; the empty warning that clears it says nothing."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    backlog = "9 takes wait for their predictions; all are kept"
    console(NodeStatus("map", {"take": "T", "waiting": 9, "warning": backlog}))
    console(NodeStatus("map", {"warning": ""}))
    (line,) = err.getvalue().splitlines()
    assert line.endswith(f" warning from node 'map': {backlog}"), line
    assert "error" not in line
    quiet = io.StringIO()
    StageConsole(Patch(), "quiet", err=quiet)(NodeStatus("map", {"warning": "9 takes wait"}))
    assert quiet.getvalue() == ""  # quiet: failures, recoveries and the summary only


def test_a_lasting_warning_given_the_node_line_back_is_not_printed_again() -> None:
    """Live's old script: its warning lasts, and the node line is given back to it after each passing warning ("not
    loaded yet"), which printed the long line again each time Live loaded a set. Only that giving back is quiet: the
    same warning told again otherwise is printed."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.node import StandingWarning
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    old = "the ExSampling script in Live is older than this ExSampling's"
    warning = StandingWarning()
    warning.told_lasting(old)
    console(NodeStatus("live", {"warning": old}))
    for passing in ("a.wav (slot HH) not loaded yet", "b.wav (slot HH) not loaded yet"):
        warning.told()
        console(NodeStatus("live", {"warning": passing}))
        console(NodeStatus("live", {"take": "t1", **warning.ended()}))
    console(NodeStatus("live", {"warning": old}))  # told again, not given back: printed
    lines = [line.split(" warning from node ", 1)[1] for line in err.getvalue().splitlines()]
    assert lines == [f"'live': {old}", "'live': a.wav (slot HH) not loaded yet",
                     "'live': b.wav (slot HH) not loaded yet", f"'live': {old}"], lines


def test_a_disk_filling_up_again_after_room_is_printed_again() -> None:
    """The disk fills, another warning takes the node line, room is made (no empty warning: the disk watch ends only
    its own line), and the disk fills again to the same rounded figure: its line is printed again, not left under
    "has room again"."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    filling = "the take folder's disk is filling up: 1999 MB free"
    console(NodeStatus("mic", {"warning": filling, "disk_low": True}))
    console(NodeStatus("mic", {"warning": "takes stored late"}))
    console(NodeStatus("mic", {"disk_low": False, "disk_room": "the take folder's disk has room again: 3000 MB free"}))
    console(NodeStatus("mic", {"warning": filling, "disk_low": True}))
    lines = err.getvalue().splitlines()
    assert sum(line.endswith(filling) for line in lines) == 2 and lines[-1].endswith(filling), lines


def test_an_error_outside_a_handler_names_the_method() -> None:
    """An error in a plugin's stop() was "error in node 'rev': OSError: ... (at FILE:LINE in _close)": the line of a
    helper, and nothing to say the node was stopping."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeError

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    console(NodeError("rev", error="OSError: device gone", where="/my-nodes/rev.py:12 in _close", during="stop"))
    console(NodeError("rev", error="ValueError: odd take", port="take"))
    stopping, handling = err.getvalue().splitlines()
    assert stopping.endswith(" error in node 'rev' in stop(): OSError: device gone (at /my-nodes/rev.py:12 in _close)")
    assert handling.endswith(" error in node 'rev': ValueError: odd take")


def test_an_opening_during_the_start_that_failed_is_no_recovery() -> None:
    """A web recorder that finds a damaged take as it starts, then listens: the console said "rec is back" while
    the engine and the editor keep its error (runtime.recovery). Only an opening after its start is a recovery."""
    import io

    from exsampling_patch import Node
    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import Engine

    class DamagedTake(Node):
        type_name = "damaged_take"

        def start(self) -> None:
            self.report_error("take-3 is damaged; kept aside")
            self.report_status(url="https://10.0.0.2:8443")

    registry = Registry.default(entry_points=False)
    registry.register(DamagedTake, "test")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "damaged_take"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        assert engine.errors == {"rec": "take-3 is damaged; kept aside"}
        started = err.getvalue().splitlines()
        engine.node("rec").report_status(url="https://10.0.0.2:8443")  # its server opened again, after its start
        assert engine.errors == {}
    finally:
        engine.stop()
    assert started[-1] == "damaged_take 'rec': phones open https://10.0.0.2:8443", started
    assert not any("is back" in line for line in started), started
    back = err.getvalue().splitlines()[-1]
    assert back.endswith(" rec is back: damaged_take 'rec': phones open https://10.0.0.2:8443"), back


def test_an_error_the_engine_cleared_is_not_back_at_a_later_opening() -> None:
    """The console's mark of a failing node was cleared only by an opening: after a good message that followed a
    message's error, or a live edit that rebuilt the node, the engine had cleared the error (runtime.recovery) and
    yet the next time its server opened the console said "is back". It follows the engine's rule now."""
    import io

    from exsampling_patch import ANY, Input, Node, Param
    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import Engine, NodeTiming

    class Listener(Node):
        """Fails on "bad" messages; its start may tell a device's error, as a recorder whose server is not up."""

        type_name = "listener"
        inlet = Input(ANY)
        missing = Param(str, "", "the error start() tells")

        def start(self) -> None:
            if self.missing:
                self.report_error(self.missing)

        def on_inlet(self, message: Any) -> None:
            if message == "bad":
                raise ValueError("bad message")

    registry = Registry.default(entry_points=False)
    registry.register(Listener, "test")
    patch = Patch()
    patch.add_node(NodeSpec("msg", "listener"))
    patch.add_node(NodeSpec("dev", "listener", {"missing": "no server"}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    # The engine's word on the status (NodeStatus.back): no event for each message handled, as before 8e4b4a0.
    assert not engine.events.wants(NodeTiming)
    engine.start(patch)
    reopened = "https://10.0.0.2:8443"
    try:
        engine.inject("msg", "inlet", "bad")
        assert engine.wait_idle(5, settle=0.05)
        engine.inject("msg", "inlet", "good")  # a message handled without an error ends a message's error
        assert engine.wait_idle(5, settle=0.05)
        edited = Patch()
        edited.add_node(NodeSpec("msg", "listener"))
        edited.add_node(NodeSpec("dev", "listener", {"missing": ""}))  # rebuilt by a live edit, its device found
        assert engine.update(edited) is not None
        assert engine.errors == {} and engine.error_counts == {"msg": 1, "dev": 1}
        before = err.getvalue().splitlines()
        engine.node("msg").report_status(url=reopened)
        engine.node("dev").report_status(url=reopened)
        # One still in a message's error when it reopens is back, as the engine says.
        engine.inject("msg", "inlet", "bad")
        assert engine.wait_idle(5, settle=0.05)
        assert "msg" in engine.errors
        engine.node("msg").report_status(url=reopened)
        assert engine.errors == {}
    finally:
        engine.stop()
    assert any("error in node 'msg': ValueError: bad message" in line for line in before), before
    assert any("error in node 'dev'" in line and "no server" in line for line in before), before
    after = err.getvalue().splitlines()[len(before):]
    assert after[:2] == [f"listener 'msg': phones open {reopened}", f"listener 'dev': phones open {reopened}"], after
    assert [line for line in after if "is back" in line] == [after[-1]], after
    assert after[-1].endswith(f" msg is back: listener 'msg': phones open {reopened}"), after


def test_a_take_in_the_gates_fallback_slot_is_told_with_why_it_is_there() -> None:
    """A kick heard at 97% under a gate of 0.999 with fallback_slot Chorus: the console said "kick 97% -> Chorus",
    and nothing of why a kick was in Chorus (classify --patch says "gate's fallback: not sure (kick 97%)")."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.messages import Prediction, Score, Take
    from exsampling_patch.nodes.classify import ConfidenceGate, SlotMap
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus, TakeEnded

    gate = ConfidenceGate("gate", {"threshold": 0.999, "fallback_slot": "Chorus"})

    gate.start()
    slot_map = SlotMap("map", {})
    slot_map.start()
    heard = Prediction(Take(np.zeros(4800, np.float32), 48000, take_id="T"), (Score("kick", 0.97),))
    gate.handle("prediction", heard)
    (passed,) = [message for port, message in gate.context.emitted if port == "passed"]
    slot_map.handle("prediction", passed)
    (assigned,) = [message for port, message in slot_map.context.emitted if port == "slot"]
    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    console(NodeStatus("classifier", {"take": "T", "label": "kick", "confidence": 0.97}))
    for node in (gate, slot_map):
        for status in node.context.statuses:
            console(NodeStatus(node.node_id, status))
    console(TakeEnded("map", take_id="T", recorder="", fate="slot", reason=f"slot {assigned.slot}",
                      slots=(assigned.slot,), seconds=0.004))
    assert err.getvalue().endswith(" take T: kick 97% -> Chorus (gate's fallback: not sure (kick 97%)) (4 ms)\n"), \
        err.getvalue()

    err.truncate(0)  # a take the gate passed: its slot alone
    console(NodeStatus("classifier", {"take": "U", "label": "kick", "confidence": 0.97}))
    console(TakeEnded("map", take_id="U", recorder="", fate="slot", reason="slot BD", slots=("BD",), seconds=0.004))
    assert err.getvalue().endswith(" take U: kick 97% -> BD (4 ms)\n"), err.getvalue()


def test_numpy_numbers_a_node_reports_are_numbers_in_the_json_lines() -> None:
    """A plugin's report_status(level=np.max(...)) (a numpy float32) came out as the text "np.float32(0.5)": a
    script reading a level got no number."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import NodeStatus

    out = io.StringIO()
    StageConsole(Patch(), "json", out=out)(NodeStatus("p", {"level": np.max(np.full(4, 0.5, np.float32)),
                                                            "takes": np.int64(3), "peaks": [np.float32(0.25)]}))
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["status"] == {"level": 0.5, "takes": 3, "peaks": [0.25]}, line
