"""Sound device and MIDI port chosen among those present (issue 17, item 5), in the performance view and the
inspector, driven through their callbacks (no viewport); the listing is a stand-in for `exsampling devices`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor import present_combo
from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.present import Choice, Present, choices, list_devices
from exsampling_patch.editor.present_combo import PresentCombos
from tests.editor.harness import call, open_editor

#: A virtual MIDI port the listing test opens (its output is an input to everyone else).
OWN_PORT = "exs present test"

PATCH = """\
exsampling_patch: 1
name: devices
nodes:
- id: sampler
  type: sampler
  position: [40, 80]
  params:
    device: Scarlett
    midi_port: Keystation
    virtual_port: ''
"""


def listing(outputs: list[str], midi_inputs: list[str]) -> dict[str, Any]:
    audio = [{"index": i, "name": name, "host_api": "ALSA", "inputs": 0, "outputs": 2, "default_samplerate": 48000,
              "default_input": False, "default_output": i == 0} for i, name in enumerate(outputs)]
    audio.append({"index": len(outputs), "name": "USB mic", "host_api": "ALSA", "inputs": 1, "outputs": 0,
                  "default_samplerate": 48000, "default_input": True, "default_output": False})
    return {"audio": audio, "midi": {"inputs": midi_inputs, "outputs": ["Through"]}}


class Machine:
    """What is plugged in; each listing reads it anew."""

    def __init__(self) -> None:
        self.outputs = ["HDA Intel PCH"]
        self.midi_inputs = ["Midi Through:0"]
        self.listed = 0

    def __call__(self) -> dict[str, Any]:
        self.listed += 1
        return listing(self.outputs, self.midi_inputs)


@pytest.fixture
def machine() -> Iterator[Machine]:
    machine = Machine()
    before = present_combo.COMBOS.present
    present_combo.COMBOS.present = Present(lister=machine)
    try:
        yield machine
    finally:
        present_combo.COMBOS.present = before


@pytest.fixture
def app(tmp_path: Path, machine: Machine) -> Iterator[EditorApp]:
    (tmp_path / "devices.yaml").write_text(PATCH)
    with open_editor(tmp_path / "devices.yaml") as editor:
        yield editor


def items(tag: str) -> list[str]:
    return list(dpg.get_item_configuration(tag)["items"])


def settle(app: EditorApp) -> None:
    present_combo.COMBOS.present.wait()  # the listing a combo or a refresh button started
    app.perf_view.refresh()


def test_choices_list_what_is_present_and_keep_an_absent_value() -> None:
    found = listing(["HDA Intel PCH", "Scarlett 2i2"], ["Keystation 49"])
    outputs = choices(found, "audio_output", "")
    assert [c.value for c in outputs] == ["", "none", "HDA Intel PCH", "Scarlett 2i2"]  # not the input-only mic
    assert outputs[2].label == "HDA Intel PCH (ALSA, 2 out)"
    assert [c.value for c in choices(found, "audio_input", "")] == ["", "USB mic"]
    gone = choices(found, "midi_input", "Oxygen")
    assert [c.label for c in gone] == ["(none)", "Keystation 49", "Oxygen (not present)"]
    assert choices(None, "audio_output", "Scarlett")[-1].label == "Scarlett (not present)"


def test_the_performance_view_offers_the_samplers_device_and_midi_port_among_those_present(
        app: EditorApp, machine: Machine) -> None:
    settle(app)
    device, port = app.perf_view.device_tag("sampler", "device"), app.perf_view.device_tag("sampler", "midi_port")
    assert items(device) == ["(default)", "none (renders nothing)", "HDA Intel PCH (ALSA, 2 out)",
                             "Scarlett (not present)"]
    assert dpg.get_value(device) == "Scarlett (not present)"
    assert items(port) == ["(none)", "Midi Through:0", "Keystation (not present)"]
    assert dpg.get_value(port) == "Keystation (not present)"

    # The card is plugged in: refresh lists it, and the value is no longer marked absent.
    machine.outputs.append("Scarlett")
    machine.midi_inputs.append("Keystation")
    call(f"{device}:refresh")
    settle(app)
    assert machine.listed == 2
    assert items(device)[-1] == "Scarlett (ALSA, 2 out)" and dpg.get_value(device) == "Scarlett (ALSA, 2 out)"
    assert items(port) == ["(none)", "Midi Through:0", "Keystation"]

    # Choosing is an edit of the patch: set, shown in the inspector's combo too, undoable.
    call(device, "HDA Intel PCH (ALSA, 2 out)")
    assert app.model.param_value("sampler", "device") == "HDA Intel PCH"
    app.inspector.show("sampler")
    inspector_combo = "param:sampler:device:choice"
    assert dpg.get_value(inspector_combo) == "HDA Intel PCH (ALSA, 2 out)"
    assert items(inspector_combo) == items(device)
    call(port, "(none)")
    assert "midi_port" not in app.model.patch.nodes["sampler"].params  # the default: taken out of the patch
    app.undo()
    app.undo()
    app.perf_view.refresh()
    assert app.model.param_value("sampler", "device") == "Scarlett"
    assert dpg.get_value(device) == "Scarlett (ALSA, 2 out)"


class LandsWhileDrawn(Present):
    """A listing that lands just after a combo read the (empty) choices and before it noted the version."""

    def __init__(self, machine: Machine) -> None:
        super().__init__(lister=self._list_when_let)
        self.machine = machine
        self.let = threading.Event()

    def _list_when_let(self) -> dict[str, Any]:
        self.let.wait(10)
        return self.machine()

    def choices(self, kind: str, current: str) -> list[Choice]:
        options = super().choices(kind, current)
        if not self.let.is_set():
            self.let.set()
            self.wait()
        return options


def test_a_listing_that_lands_while_a_combo_is_drawn_is_drawn_by_the_next_update(
        app: EditorApp, machine: Machine) -> None:
    combos = PresentCombos(LandsWhileDrawn(machine))
    with dpg.window(tag="late listing"):
        combos.add("late combo", "audio_output", lambda: "", lambda value: None, width=300)
    assert items("late combo") == ["(default)", "none (renders nothing)"]  # drawn before the listing landed
    combos.update()
    assert items("late combo") == ["(default)", "none (renders nothing)", "HDA Intel PCH (ALSA, 2 out)"]


def test_the_inspector_offers_the_midi_port_and_sets_it(app: EditorApp) -> None:
    app.inspector.show("sampler")
    settle(app)
    combo = "param:sampler:midi_port:choice"
    assert dpg.does_item_exist(f"{combo}:refresh")
    assert items(combo) == ["(none)", "Midi Through:0", "Keystation (not present)"]
    call(combo, "Midi Through:0")
    assert app.model.param_value("sampler", "midi_port") == "Midi Through:0"
    assert dpg.get_value(combo) == "Midi Through:0"


def test_the_listing_is_what_exsampling_devices_prints() -> None:
    found = list_devices()  # a child process: a fresh PortAudio and MIDI listing
    assert isinstance(found.get("audio"), list) and isinstance(found.get("midi"), dict)


@pytest.mark.jack
def test_the_listing_names_a_midi_port_opened_just_before() -> None:
    # A port of its own, through the API the nodes and `exsampling devices` use: what the machine happens to have
    # (ALSA's "Midi Through", on some) is no part of the test.
    from exsampling_patch.midi_ports import backend

    port = backend().open_output(OWN_PORT, virtual=True, client_name="exs-present-test")
    try:
        found = list_devices()
    finally:
        port.close()
    inputs = found["midi"]["inputs"]
    assert any(OWN_PORT in name for name in inputs), found["midi"]
    assert any(OWN_PORT in c.label for c in choices(found, "midi_input", "")), found["midi"]  # offered in the combo
