"""The editor's performance view says a take's slot output did not load it, as the take's end told: before, a take
that ended "slot HH, not loaded into Live: ..." read "loaded in slot HH, not loaded ..." on the last take's line,
and "loaded" in its slot's row."""

from __future__ import annotations

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.perf_view import last_take_text
from exsampling_patch.editor.slots import fate_text, fate_word
from exsampling_patch.runtime import TakeEnded


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
