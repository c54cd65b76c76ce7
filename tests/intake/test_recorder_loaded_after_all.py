"""A take its output loaded after all shows loaded on the phone.

A sampler whose audio process did not answer in time ended the take "not loaded into sampler ...", and the phone's
row went red (no output has it); when the process answered and the take played after all (the sampler's status
``loaded_after_all``), the row, saved once at the take's end, stayed red for good, and the performer recorded again
a take that was playing. The row now shows the output among those that have it, its word gone: plain, or amber where
another output still lacks it, after a restart too."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import SLOT, TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, rec_of, recorder_engine, registry, sine

LATE = "not loaded into sampler 'smp': the audio process did not answer within 3 s"


class ToHH(Node):
    """Assigns each take to HH as a closed hi-hat, as the classifier's chain does."""

    type_name = "test_to_hh"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(SLOT, "the assignment")

    def on_take(self, take: Take) -> None:
        self.emit("out", SlotAssignment("HH", take, "hihat_closed", 0.9))


class SilentSampler(Node):
    """An output whose audio process does not answer in time: each take it is given is told not loaded, as the
    sampler tells it; the test then has it say the take was loaded after all, as the sampler does."""

    type_name = "test_silent_sampler"
    family = "test"
    loads_takes: ClassVar[bool] = True
    assign = Input(SLOT, "assignments")

    def on_assign(self, assignment: SlotAssignment) -> None:
        self.tell_fate(assignment, "not_loaded", LATE)


class HoldingOutput(Node):
    """An output that keeps each take open until told (as Live's node does until Live answers), then loads it."""

    type_name = "test_holding_output"
    family = "test"
    loads_takes: ClassVar[bool] = True
    assign = Input(SLOT, "assignments")

    def on_assign(self, assignment: SlotAssignment) -> None:
        assert self.keep_open(assignment)
        self.held = assignment


def sampler_engine(folder: Path, state: Path, hold: bool = False) -> Engine:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(folder / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(state), "print_qr": False}))
    patch.add_node(NodeSpec("hh", ToHH.type_name, {}))
    patch.add_node(NodeSpec("smp", SilentSampler.type_name, {}))
    patch.connect("rec.take", "hh.take")
    patch.connect("hh.out", "smp.assign")
    if hold:
        patch.add_node(NodeSpec("live", HoldingOutput.type_name, {}))
        patch.connect("hh.out", "live.assign")
    reg = registry()
    reg.register(ToHH, "tests")
    reg.register(SilentSampler, "tests")
    reg.register(HoldingOutput, "tests")
    engine = Engine(reg, base_dir=folder)
    engine.start(patch)
    assert not engine.errors, engine.errors
    return engine


def row_of(phone: Client) -> dict[str, Any]:
    status, listed = phone.request("GET", "/api/takes")
    assert status == 200 and len(listed["takes"]) == 1, listed
    row: dict[str, Any] = listed["takes"][0]
    return row


def test_a_take_loaded_after_all_shows_loaded_on_its_phone_after_a_restart_too(tmp_path: Path,
                                                                            recorder_state: Path) -> None:
    engine = sampler_engine(tmp_path, recorder_state)
    try:
        phone = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="late-1")
        assert status == 201 and engine.wait_idle(), reply
        red = row_of(phone)
        # red on the page: in its slot, an output's word that it did not load, and no output that has it
        assert (red["fate"], red["not_loaded"], red["loaded"]) == ("slot", LATE, []), red
        sampler = engine.find_node("smp")
        assert sampler is not None
        sampler.report_status(slot="HH", take=reply["take_id"], loaded_after_all=reply["take_id"],
                              warning="take late-1 was loaded into slot HH after all, 4.1 s after it was sent")
        plain = row_of(phone)
        assert (plain["fate"], plain["slot"], plain["not_loaded"], plain["loaded"]) == ("slot", "HH", "", ["smp"])
    finally:
        engine.stop()
    back = recorder_engine(tmp_path, recorder_state)
    try:
        phone.port = rec_of(back).server.port
        after = row_of(phone)
        assert (after["not_loaded"], after["loaded"]) == ("", ["smp"]), after
    finally:
        back.stop()


def test_a_late_load_before_the_take_ends_is_shown_with_its_end(tmp_path: Path, recorder_state: Path) -> None:
    """The take's end may come after the late load (another output kept it open meanwhile): the row, written at that
    end, shows it loaded all the same."""
    engine = sampler_engine(tmp_path, recorder_state, hold=True)
    try:
        phone = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="late-2")
        assert status == 201 and engine.wait_idle(), reply
        sampler, live = engine.find_node("smp"), engine.find_node("live")
        assert sampler is not None and isinstance(live, HoldingOutput)
        sampler.report_status(slot="HH", take=reply["take_id"], loaded_after_all=reply["take_id"])
        assert "fate" not in row_of(phone)  # not ended: Live keeps it open
        live.close_take(live.held)
        assert engine.wait_idle()
        row = row_of(phone)
        assert (row["fate"], row["not_loaded"], sorted(row["loaded"])) == ("slot", "", ["live", "smp"]), row
    finally:
        engine.stop()
