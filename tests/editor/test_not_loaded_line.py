"""The editor's performance view says a take's slot output did not load it, as the take's end told: before, a take
that ended "slot HH, not loaded into Live: ..." read "loaded in slot HH, not loaded ..." on the last take's line,
and "loaded" in its slot's row. Where no output loaded it, it says so, as the stage console does."""

from __future__ import annotations

import socket
from pathlib import Path

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.perf_view import last_take_text
from exsampling_patch.editor.slots import fate_cell, fate_text, fate_word
from exsampling_patch.runtime import TakeEnded
from tests.outputs.test_live_take_end import run_map
from tests.stage.helpers import free_port


def ended(observer: RuntimeObserver, take_id: str, reason: str, slots: tuple[str, ...] = ("HH",)) -> None:
    observer.on_event(TakeEnded("live", take_id=take_id, recorder="Mika", fate="slot", reason=reason, slots=slots,
                                source="rec"))
    observer.apply()


def test_a_take_live_did_not_load_is_not_said_loaded() -> None:
    observer = RuntimeObserver()
    ended(observer, "knock-1", "slot HH, not loaded into Live: Live did not answer within 2 s")
    point = observer.takes["knock-1"]
    assert point.not_loaded == "not loaded into Live: Live did not answer within 2 s"
    assert last_take_text(point) == ("last take knock-1 from rec: slot HH, not loaded into Live: Live did not "
                                     "answer within 2 s")
    row = observer.slot_ends["hh"]
    assert fate_word(row.fate, row.end, row.not_loaded) == "not loaded into Live: Live did not answer within 2 s"
    assert fate_text("knock-1", row.fate, row.end, row.not_loaded).startswith("knock-1 not loaded into Live")


def test_a_take_loaded_everywhere_is_said_loaded() -> None:
    observer = RuntimeObserver()
    ended(observer, "clap-1", "slots HH, Snare", slots=("HH", "Snare"))
    point = observer.takes["clap-1"]
    assert point.not_loaded == ""
    assert last_take_text(point) == "last take clap-1 from rec: loaded in slots HH, Snare"
    assert fate_word(point.fate, point.end, point.not_loaded) == "loaded"


def test_a_take_no_output_has_is_said_so_as_the_console_says_it(tmp_path: Path) -> None:
    """A take Live did not load read "not loaded into Live: ..." in the editor whether the sampler beside had it
    or no output had it (Live alone linked); the console's line says the second apart ("; no output has it"), and so
    does the editor now. Real engine, real sampler, a real ableton_live sending to a UDP port where nothing listens."""
    missed = "not loaded into Live: Live did not answer within 0.3 s"
    both, both_line, _ = run_map(tmp_path / "both", free_port(socket.SOCK_DGRAM), sampler=True)
    alone, alone_line, _ = run_map(tmp_path / "alone", free_port(socket.SOCK_DGRAM), sampler=False)
    assert (both.loaded, alone.loaded) == (("sampler",), ()), (both, alone)
    seen = {}
    for name, event in (("both", both), ("alone", alone)):
        observer = RuntimeObserver()
        observer.on_event(event)
        observer.apply()
        seen[name] = observer.takes[event.take_id]
    # The sampler has it: said as before, and as the console says it.
    had = seen["both"]
    assert last_take_text(had).endswith(f": slot HH, {missed}")
    # The console names Live's reason once, on a line of Live's own (4c759b2): its take lines say only "not in Live"
    assert ": slot HH, not in Live (" in both_line
    assert fate_word(had.fate, had.end, had.not_loaded, had.loaded) == missed
    assert fate_cell(had.fate, had.end, had.not_loaded, had.loaded, 18) == "not loaded into..."
    # No output has it: the console's words, and the row's cell says so first (cut, both read "not loaded into...").
    none = seen["alone"]
    assert last_take_text(none).endswith(f": slot HH, {missed}; no output has it")
    assert ": slot HH, not in Live; no output has it (" in alone_line
    assert fate_word(none.fate, none.end, none.not_loaded, none.loaded) == f"{missed}; no output has it"
    assert fate_cell(none.fate, none.end, none.not_loaded, none.loaded, 18) == "no output has it"
    assert fate_text("knock-1", none.fate, none.end, none.not_loaded, none.loaded).endswith("; no output has it")


def test_a_take_whose_loading_outputs_are_not_known_is_not_said_had_by_none() -> None:
    """An end built elsewhere (a replay, an older show log) says nothing of who loaded it: not read as none."""
    observer = RuntimeObserver()
    ended(observer, "knock-1", "slot HH, not loaded into Live: Live did not answer within 2 s")
    point = observer.takes["knock-1"]
    assert point.loaded is None
    assert not last_take_text(point).endswith("no output has it")
    assert fate_word(point.fate, point.end, point.not_loaded, point.loaded).endswith("within 2 s")
