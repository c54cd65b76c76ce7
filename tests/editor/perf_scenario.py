"""The performance view as an instrument, in a real (virtual) window with the real default patch running.

Opens a copy of the default patch (display_scenario.test_patch: no sound card, local ports, temporary folders;
the groove stopped so that only the notes sent here reach the sampler), runs it, shows the performance view
and checks what a performer sees and does there. The sampler has no sound card (``device: none``): its audio
core is in this process, and the scenario renders its blocks, standing in for the sound card's callback.

Run as ``python -m tests.editor.perf_scenario`` (needs DISPLAY; see test_perf.py). Prints one
JSON object of measurements.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import dearpygui.dearpygui as dpg
import mido
import numpy as np
import soundfile as sf

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.perf_view import PerformanceView
from exsampling_patch.editor.slots import AUDITION_S
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.sampler import Sampler
from tests.editor import xinput
from tests.editor.display_scenario import DOG, default_patch_editor
from tests.editor.driving import Driver

VIEWPORT = (1280, 1000)


def tone(seconds: float = 1.0, rate: int = 48000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * 220.0 * t)).astype(np.float32)


#: The pause between the frames of a wait on other threads (the engine, a swap, a take's classifying): frames drawn
#: as fast as they could be cost CPU (software rendering under Xvfb) that those threads wait for.
PAUSE_S = 0.015
#: The most frames a wait for the performance view's refresh draws: the app refreshes it every 10th frame at least.
REFRESH_FRAMES = 50


def wait_for(app: EditorApp, check: Any, seconds: float = 10.0) -> bool:
    """Frames, with a pause between them, until ``check()`` holds after one (True), or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        app.render()
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(PAUSE_S)


def frames_for(app: EditorApp, seconds: float) -> None:
    """Frames for ``seconds``, a pause between them (a key held): ImGui repeats a held key's press every 50 ms from
    0.275 s, and a frame each 20-30 ms still takes each repeat, as the 60-80 frames drawn as fast as they could be
    in a hold of 0.8 s did."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        app.render(1)
        time.sleep(PAUSE_S)


def count_refreshes(view: PerformanceView) -> Callable[[], int]:
    """How many times ``view`` has refreshed so far: its ``refresh``, which the app calls by name in the frames it
    refreshes the view in (each 10th, and those with the runtime's news), counts its calls."""
    count = 0
    refresh = view.refresh

    def counted() -> None:
        nonlocal count
        refresh()
        count += 1

    view.refresh = counted  # type: ignore[method-assign]
    return lambda: count


def refreshing(app: EditorApp, refreshes: Callable[[], int]) -> Iterator[None]:
    """Frame by frame (each yielded after it is drawn) until the performance view has refreshed once: then it shows
    the sampler and the runtime as they are now, the fewest frames that do. A fixed 12 frames (one refresh, two at
    times) drew 264 of the scenario's 560 frames."""
    start = refreshes()
    for _ in range(REFRESH_FRAMES):
        app.render()
        yield
        if refreshes() > start:
            return
    raise RuntimeError(f"the performance view did not refresh in {REFRESH_FRAMES} frames")


def refreshed(app: EditorApp, refreshes: Callable[[], int]) -> None:
    for _ in refreshing(app, refreshes):
        pass


def until_note_off(played_by: float) -> None:
    """Wait until the note off of an audition played before ``played_by`` (perf_counter) is due: it is stamped
    AUDITION_S after its note on. A fixed 0.8 s from later on waited past it by 0.2-0.4 s, five times."""
    time.sleep(max(0.0, played_by + AUDITION_S + 0.01 - time.perf_counter()))


LAMPS = ("HH", "Snare", "Bass")  # the default patch's sampler's slots


def lamps_lit(app: EditorApp, refreshes: Callable[[], int],
              colour_of: str = "") -> tuple[list[str], list[float] | None]:
    """Frames until the performance view has refreshed (the notes were counted before: the refresh sees them and
    lights their lamps); the slots whose MIDI lamp was lit in any of them, and the colour the lamp of slot
    ``colour_of`` was drawn in the first frame it was lit (None where it never was). A lamp stays lit 0.25 s from
    the frame that sees the note: read once after the frames, it had gone out when they took longer than that (a
    loaded machine), and the lamp tests failed."""
    view, lit, colour = app.perf_view, set(), None
    for _ in refreshing(app, refreshes):
        now = {name for name in LAMPS if view.midi_lit("sampler", name)}
        if colour_of in now and colour is None:
            colour = list(dpg.get_item_configuration(view._slot_tag("sampler", colour_of, "midi"))["color"])
        lit |= now
    return [name for name in LAMPS if name in lit], colour


def quiet_groove_swap_now(data: dict[str, Any]) -> None:
    """The default patch's groove stopped, and its sampler taking takes at once (not on the groove's next bar)."""
    for node in data["nodes"]:
        if node["id"] == "groove":
            node["params"]["playing"] = False
        if node["id"] == "sampler":
            node["params"]["swap"] = "now"


def main() -> dict[str, Any]:
    with default_patch_editor("exsampling-perf-", VIEWPORT, quiet_groove_swap_now) as app:
        assert app.run_patch(), app.status
        return play(app)


def play(app: EditorApp) -> dict[str, Any]:
    """What a performer sees and does, in ``app``'s viewport (at :data:`VIEWPORT`) with its patch running (the
    default patch, changed by :func:`quiet_groove_swap_now`)."""
    result: dict[str, Any] = {}
    model = app.model
    view = app.perf_view
    tag = view._slot_tag
    refreshes = count_refreshes(view)
    engine = app.runner.engine
    assert engine is not None
    dpg.set_value("tabs", "tab:perf")
    sampler = engine.node("sampler")
    assert isinstance(sampler, Sampler), type(sampler)
    core = sampler.core
    assert core is not None, "the sampler should render in this process (device: none)"
    block = np.zeros((256, 2), np.float32)
    take = Take(tone(), 48000, take_id="tone-1", source="Ana")
    engine.inject("sampler", "assign", SlotAssignment("Bass", take, "dog", 0.9))
    assert wait_for(app, lambda: dpg.get_value(tag("sampler", "Bass", "take")) == "tone-1"), "no take in Bass"
    core.render(block, at=time.perf_counter())
    refreshed(app, refreshes)

    # 1. Meters: level, voices and MIDI activity per slot.
    result["meters_before"] = {
        "level": dpg.get_value(tag("sampler", "Bass", "level")),
        "voices": dpg.get_value(tag("sampler", "Bass", "voices")),
        "midi": view.midi_lit("sampler", "Bass"),
    }
    engine.inject("sampler", "midi", mido.Message("note_on", channel=6, note=60, velocity=100))
    assert engine.wait_idle(5)
    for _ in range(4):
        core.render(block, at=time.perf_counter())
    lit, colour = lamps_lit(app, refreshes, colour_of="Bass")
    result["meters_playing"] = {
        "level": dpg.get_value(tag("sampler", "Bass", "level")),
        "voices": dpg.get_value(tag("sampler", "Bass", "voices")),
        "midi": "Bass" in lit,
        "midi_colour": colour or list(dpg.get_item_configuration(tag("sampler", "Bass", "midi"))["color"]),
        "other_midi": "HH" in lit,
        "other_voices": dpg.get_value(tag("sampler", "HH", "voices")),
    }
    wait_for(app, lambda: not view.midi_lit("sampler", "Bass"), 5)  # lit 0.25 s from the frame that saw it
    refreshed(app, refreshes)
    result["midi_after"] = view.midi_lit("sampler", "Bass")

    # 2. Audition: a click on a slot's play button plays it through the sampler's MIDI input.
    engine.inject("sampler", "assign", SlotAssignment("Snare", Take(tone(), 48000, take_id="tone-2"), "x", 0.9))
    assert wait_for(app, lambda: dpg.get_value(tag("sampler", "Snare", "take")) == "tone-2"), "no take in Snare"
    core.render(block, at=time.perf_counter())  # the callback takes the new take up
    driver = Driver(app)
    button = tag("sampler", "Snare", "play")
    x, y = dpg.get_item_rect_min(button)
    w, h = dpg.get_item_rect_size(button)
    notes_before = sampler.stats()["notes"]
    driver.click((x + w / 2, y + h / 2))
    played = time.perf_counter()  # the click's callbacks have run: its note on and off were sent
    assert engine.wait_idle(5)
    for _ in range(4):
        core.render(block, at=time.perf_counter())
    lit, _ = lamps_lit(app, refreshes)
    result["audition"] = {
        "voices": dpg.get_value(tag("sampler", "Snare", "voices")),
        "midi": "Snare" in lit,
        "notes": sampler.stats()["notes"] - notes_before,
        "message": view.message,
    }
    until_note_off(played)
    for _ in range(40):
        core.render(block, at=time.perf_counter())
    refreshed(app, refreshes)
    result["audition_after"] = dpg.get_value(tag("sampler", "Snare", "voices"))

    # 2b. Keys: 2 plays slot 2 (Snare) at its note; a click on Bass's name selects it, and Space plays it.
    def heard(key: str, *modifiers: str) -> dict[str, Any]:
        notes = sampler.stats()["notes"]
        driver.key(key, *modifiers)
        played = time.perf_counter()
        assert engine.wait_idle(5)
        for _ in range(4):
            core.render(block, at=time.perf_counter())
        lit, _ = lamps_lit(app, refreshes)
        found = {"notes": sampler.stats()["notes"] - notes, "message": view.message, "lit": lit}
        until_note_off(played)  # the lamp (0.25 s) is out before it
        for _ in range(40):
            core.render(block, at=time.perf_counter())
        refreshed(app, refreshes)
        return found

    result["key_2"] = heard("2")
    result["key_2_selected"] = view.selected
    name = tag("sampler", "Bass", "name")
    x, y = dpg.get_item_rect_min(name)
    w, h = dpg.get_item_rect_size(name)
    driver.click((x + w / 2, y + h / 2))
    result["selected_after_click"] = view.selected
    result["key_space"] = heard("space")
    dpg.set_value("tabs", "tab:patch")
    app.render(3)
    result["key_2_on_patch_tab"] = heard("2")
    dpg.set_value("tabs", "tab:perf")
    app.render(3)
    # 2b'. A key held down plays its slot once, as a pad held does: ImGui repeats a held key's press every
    # 50 ms after 0.275 s, and each repeat played the slot again (a performer holding 2 heard a roll).
    notes = sampler.stats()["notes"]
    with driver.holding("2", after=3):
        played = time.perf_counter()  # pressed, and its frames drawn: the key's audition was sent
        frames_for(app, 0.8)
    assert engine.wait_idle(5)
    for _ in range(4):
        core.render(block, at=time.perf_counter())
    result["key_2_held"] = sampler.stats()["notes"] - notes
    until_note_off(played)
    for _ in range(40):
        core.render(block, at=time.perf_counter())
    refreshed(app, refreshes)
    result["key_2_after_held"] = heard("2")["notes"]  # released, the key plays again
    # 2b''. The same, the key handlers running late (as on Dear PyGui's callback thread on a loaded machine):
    # held while the handlers are held back, let go, then they run. The repeats queued while it was held
    # ran after the release, and read as new presses: a hold played 2-4 notes under load (2 runs in 4).
    notes = sampler.stats()["notes"]
    with driver.late():  # the key handlers held back, as Dear PyGui's callback thread ran them behind the frames
        with xinput.holding("2"):  # not driver.holding: its frames wait for the handlers
            app.render(2)  # the press's frame, and the next
            frames_for(app, 0.8)
        app.render(3)  # the release's frames: its handler queued behind the repeats
    driver.frames(3)
    played = time.perf_counter()  # the queued key handlers have run (settled): the key's audition was sent
    assert engine.wait_idle(5)
    for _ in range(4):
        core.render(block, at=time.perf_counter())
    result["key_2_held_late"] = sampler.stats()["notes"] - notes
    until_note_off(played)
    for _ in range(40):
        core.render(block, at=time.perf_counter())
    refreshed(app, refreshes)
    result["key_2_after_held_late"] = heard("2")["notes"]

    # 2c. The sampler's sound device and MIDI port: a click on refresh lists what is present (a real
    # `exsampling devices` child process).
    present = view.devices.present
    present.wait()
    version = present.version
    refresh = f"{view.device_tag('sampler', 'device')}:refresh"
    x, y = dpg.get_item_rect_min(refresh)
    w, h = dpg.get_item_rect_size(refresh)
    driver.click((x + w / 2, y + h / 2))
    present.wait()
    refreshed(app, refreshes)
    listing = present.listing or {}
    result["devices"] = {
        "listed_again": present.version > version, "error": present.error,
        "device_items": dpg.get_item_configuration(view.device_tag("sampler", "device"))["items"],
        "device": dpg.get_value(view.device_tag("sampler", "device")),
        "port_items": dpg.get_item_configuration(view.device_tag("sampler", "midi_port"))["items"],
        "midi_inputs": listing.get("midi", {}).get("inputs"),
        "outputs": [row["name"] for row in listing.get("audio", []) if row["outputs"] > 0],
    }

    # 3. Patterns: the groove's steps as a grid; a click on a step edits the patch (undoable, swapped in).
    grid = view.patterns
    result["clock"] = dpg.get_value(grid.clock_tag("groove"))
    result["hh_cells"] = sum(dpg.does_item_exist(grid.step_tag("groove", "HH", i)) for i in range(32))
    result["hh_step1_label"] = dpg.get_item_label(grid.step_tag("groove", "HH", 1))
    step = grid.step_tag("groove", "HH", 1)
    dpg.set_y_scroll("perf:top", dpg.get_y_scroll_max("perf:top"))
    app.render(3)
    x, y = dpg.get_item_rect_min(step)
    w, h = dpg.get_item_rect_size(step)
    version = app.observer.plan_version
    driver.click((x + w / 2, y + h / 2))
    result["hh_after_click"] = model.param_value("groove", "patterns")["HH"]
    wait_for(app, lambda: app.observer.plan_version > version and not app.runner.swapping, 20)
    refreshed(app, refreshes)
    result["hh_step1_label_after"] = dpg.get_item_label(grid.step_tag("groove", "HH", 1))
    groove = engine.node("groove")
    assert isinstance(groove, Pattern), type(groove)
    upcoming = groove._pending if groove._pending is not None else groove._patterns  # change_at: bar
    result["running_hh"] = list(upcoming["HH"].velocities[:4])
    result["swap_problem"] = app.runner.problem
    model.undo()
    result["hh_after_undo"] = model.param_value("groove", "patterns")["HH"]

    # 4. What became of each take, from its TakeEnded: loaded, skipped (slot locked), rejected.
    audio, rate = sf.read(DOG, dtype="float32")

    def dog(take_id: str) -> None:
        engine.inject("trim", "take", Take(audio, rate, take_id=take_id, source="Ana"))
        assert wait_for(app, lambda: app.observer.takes.get(take_id) is not None
                        and app.observer.takes[take_id].end is not None, 60), f"{take_id} never ended"
        refreshed(app, refreshes)

    dog("dog-1")
    result["fate_loaded"] = dpg.get_value(tag("sampler", "Bass", "fate"))
    result["fate_loaded_tip"] = dpg.get_value(tag("sampler", "Bass", "fate_tip"))
    dpg.set_y_scroll("perf:top", 0)
    app.render(3)
    lock = tag("sampler", "Bass", "lock")
    x, y = dpg.get_item_rect_min(lock)
    w, h = dpg.get_item_rect_size(lock)
    driver.click((x + h / 2, y + h / 2))
    assert wait_for(app, lambda: dpg.get_value(lock) is True), "the lock did not take"
    dog("dog-2")
    result["fate_skipped"] = dpg.get_value(tag("sampler", "Bass", "fate"))
    result["fate_skipped_tip"] = dpg.get_value(tag("sampler", "Bass", "fate_tip"))
    result["bass_take"] = dpg.get_value(tag("sampler", "Bass", "take"))
    result["last_take_skipped"] = dpg.get_value("perf:last_take")
    version = app.observer.plan_version
    assert model.set_param("gate", "threshold", 0.999) is None
    wait_for(app, lambda: app.observer.plan_version > version and not app.runner.swapping, 30)
    dog("dog-3")
    result["last_take_rejected"] = dpg.get_value("perf:last_take")
    result["fate_after_rejected"] = dpg.get_value(tag("sampler", "Bass", "fate"))
    result["errors"] = {n: str(e) for n, e in engine.errors.items()}
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
