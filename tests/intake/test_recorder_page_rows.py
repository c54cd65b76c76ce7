"""What the phone's recording page says of each take it sent (a real headless Chromium, its microphone fed from a WAV
file, against the real recorder and the real recorder_status node)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from exsampling_patch.messages import Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, SLOT, TAKE
from exsampling_patch.runtime.engine import Engine
from tests.stage.helpers import free_port

from .conftest import make_full, microphone, probe_of, rec_of, recorder_engine, registry, run_phone, sine

# One Chromium for the run (phone_browsers), each script in a context of its own: not one launched per test.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


class ClosedHihat(Node):
    """Assigns each take to HH as a closed hi-hat, 52% sure, as the classifier's chain does."""

    type_name = "test_closed_hihat"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(SLOT, "the assignment")

    def on_take(self, take: Take) -> None:
        self.emit("out", SlotAssignment("HH", take, "hihat_closed", 0.52))


class GlassBreaking(Node):
    """Hears each take as glass breaking, 31% sure, as the classifier would."""

    type_name = "test_glass_breaking"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(PREDICTION, "the prediction")

    def on_take(self, take: Take) -> None:
        self.emit("out", Prediction(take, (Score("glass_breaking", 0.31), Score("dog", 0.2))))


def labelled_engine(folder: Path) -> Engine:
    """web_recorder -> test_closed_hihat -> recorder_status, the recorder on a free port of 127.0.0.1."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(folder / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(folder / "state"), "print_qr": False}))
    patch.add_node(NodeSpec("hh", ClosedHihat.type_name, {}))
    patch.add_node(NodeSpec("status", "recorder_status", {}))
    patch.connect("rec.take", "hh.take")
    patch.connect("hh.out", "status.assigned")
    reg = registry()
    reg.register(ClosedHihat, "tests")
    engine = Engine(reg, base_dir=folder)
    engine.start(patch)
    return engine


def record_take(url: str) -> dict[str, Any]:
    """record_take.js: Chromium as a phone records a take (half a second: its length is not what these tests look at)
    and sends it; its JSON report."""
    fed, browser = microphone()
    result: dict[str, Any] = run_phone("record_take.js", url, fed, "48.8584", "2.2945", "0.5", "Labelled", env=browser)
    return result


def test_a_takes_label_is_shown_in_words_not_as_the_models_identifier(tmp_path: Path) -> None:
    """The row and the info line said "hihat_closed 52% → HH": the model's identifier, not words."""
    engine = labelled_engine(tmp_path)
    try:
        result = record_take(rec_of(engine).local_url)
        assert result["infoAfter"] == "Received: hihat closed 52% → HH. Tap REC for another.", result
        assert len(result["rows"]) == 1 and result["rows"][0].endswith("hihat closed 52% → HH"), result
    finally:
        engine.stop()


def test_a_take_kept_by_an_earlier_page_with_its_own_key_has_its_end_shown(tmp_path: Path) -> None:
    """A take kept on the phone by an earlier page is sent with that page's phone key (a private tab's lasts as long
    as its page), and the recorder lists it under that key only. The page asked its take list with its own key
    alone: the take's row said "received" for good, and its end never reached the phone."""
    engine = recorder_engine(tmp_path)
    take = tmp_path / "take.wav"
    sf.write(take, sine(440.0, 0.5, 48000, 0.4), 48000, subtype="PCM_16")
    try:
        result = run_phone("kept_other_key.js", rec_of(engine).local_url, take, env=microphone()[1])
        assert probe_of(engine).wait_for(1)[0].source == "Kept Before"
        assert len(result["rows"]) == 1 and "done (probe)" in result["rows"][0], result
        assert "0123456789abcdef0123456789abcdef" in result["listKeys"], result
    finally:
        engine.stop()


def live_engine(folder: Path, sampler: bool = False, aosc: bool = False) -> Engine:
    """web_recorder -> test_closed_hihat -> ableton_live (real UDP to a port where no Live listens: Live not
    running) and recorder_status; with ``sampler``, the built-in sampler (which has HH) beside Live; with ``aosc``,
    ableton_osc (a track's colour, a clip fired) on a UDP port where nothing listens."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(folder / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(folder / "state"), "print_qr": False}))
    patch.add_node(NodeSpec("hh", ClosedHihat.type_name, {}))
    patch.add_node(NodeSpec("live", "ableton_live", {"port": free_port(socket.SOCK_DGRAM), "answer_within": 0.3,
                                                     "folder": str(folder / "live")}))
    patch.add_node(NodeSpec("status", "recorder_status", {}))
    patch.connect("rec.take", "hh.take")
    patch.connect("hh.out", "live.assignment")
    patch.connect("hh.out", "status.assigned")
    if sampler:
        patch.add_node(NodeSpec("sampler", "sampler", {"device": "none", "virtual_port": "", "audio_process": False}))
        patch.connect("hh.out", "sampler.assign")
    if aosc:
        patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": free_port(socket.SOCK_DGRAM), "reply_port": 0}))
        patch.connect("hh.out", "aosc.assignment")
    reg = registry()
    reg.register(ClosedHihat, "tests")
    engine = Engine(reg, base_dir=folder)
    engine.start(patch)
    return engine


def test_a_take_live_did_not_load_is_said_not_loaded_not_received_into_its_slot(tmp_path: Path) -> None:
    """A take Live did not load (Live not running) ended "slot HH, not loaded into Live: ..." in the patch, but the
    phone said "Received: hihat closed 52% → HH. Tap REC for another.", as if it had reached an instrument: the
    page showed a take's end only for a take that reached no slot. Live is the patch's only output here: no
    instrument has the take, and it is red (test_a_take_no_output_loaded_is_red_one_the_sampler_has_amber).
    Real ableton_live, real UDP to a port where no Live listens."""
    engine = live_engine(tmp_path)
    try:
        result = record_take(rec_of(engine).local_url)
        row = rec_of(engine).takes("Labelled")[0]  # as the page's take list is answered; newest first
    finally:
        engine.stop()
    told = row["not_loaded"]  # Live's silence was told at the start (its ping): the take is not loaded at once
    assert told.startswith("not loaded into Live: Live is not answering since "), row
    assert row["fate"] == "slot" and row["slot"] == "HH" and row["loaded"] == [], row
    saved = [json.loads(line)["r"] for line in (tmp_path / "state" / ENDS_FILE).read_text().splitlines()]
    assert [r["loaded"] for r in saved] == [[]], saved  # red again on the phone's list after a restart
    assert result["infoAfter"] == f"Received: hihat closed 52% → HH; {told}. Tap REC for another.", result
    assert result["infoAfterIsError"] and not result["infoAfterIsPartial"], result
    assert len(result["rows"]) == 1 and result["rows"][0].endswith(f"hihat closed 52% → HH; {told}"), result
    assert result["rowClasses"] == ["failed"], result


def test_a_take_no_output_loaded_is_red_one_the_sampler_has_amber(tmp_path: Path) -> None:
    """A take in its slot that an output missed was amber on the phone whether the built-in sampler beside had it or
    no output had it (Live alone, not running): "Live missed it" read as "the sampler has it" in a patch with no
    sampler. The take's end names the outputs that loaded it: amber where the sampler has it, red where none has
    it (the take above). Real sampler beside a real ableton_live where no Live listens; a real headless Chromium."""
    engine = live_engine(tmp_path, sampler=True)
    try:
        result = record_take(rec_of(engine).local_url)
        row = rec_of(engine).takes("Labelled")[0]
    finally:
        engine.stop()
    told = row["not_loaded"]
    assert told.startswith("not loaded into Live: "), row
    assert row["fate"] == "slot" and row["loaded"] == ["sampler"], row
    assert result["infoAfter"] == f"Received: hihat closed 52% → HH; {told}. Tap REC for another.", result
    assert result["infoAfterIsPartial"] and not result["infoAfterIsError"], result
    assert result["rowClasses"] == ["partial"], result


def test_a_take_live_missed_beside_ableton_osc_is_red(tmp_path: Path) -> None:
    """ableton_osc, which only colours a track and fires a clip, counted as an output that had the take: beside Live
    not running, the take was amber ("loaded": ["aosc"]) though no instrument had it. Real ableton_live and
    ableton_osc over real UDP where nothing listens; a real headless Chromium."""
    engine = live_engine(tmp_path, aosc=True)
    try:
        result = record_take(rec_of(engine).local_url)
        row = rec_of(engine).takes("Labelled")[0]
    finally:
        engine.stop()
    told = row["not_loaded"]
    assert told.startswith("not loaded into Live: "), row
    assert row["fate"] == "slot" and row["loaded"] == [], row
    assert result["infoAfter"] == f"Received: hihat closed 52% → HH; {told}. Tap REC for another.", result
    assert result["infoAfterIsError"] and not result["infoAfterIsPartial"], result
    assert result["rowClasses"] == ["failed"], result


def test_a_take_in_its_slot_that_live_missed_is_amber_not_red(tmp_path: Path) -> None:
    """Every take that an output did not load was red on the phone, as a take not used: in the default patch
    without Live running, every take (each in its sampler's slot, playable), and the performer read a red list of
    takes that had worked. A take in its slot that an output missed is amber, said so; red stays for a take that
    reached no slot (rejected) or failed, or that no output loaded (its end's ``loaded`` empty: Live alone); a take
    every output loaded is neither; a row saved before rows named the outputs that loaded it stays amber. Rows as an
    earlier run wrote them down, shown by the real recorder to a real headless Chromium."""
    phone_key = "0123456789abcdef0123456789abcdef"
    digest = hashlib.sha256(phone_key.encode()).hexdigest()[:32]
    common = {"sample_rate": 48000, "location": None, "recorder": "Mika", "duration": 1.0, "label": "bass",
              "confidence": 0.8}
    live = "not delivered to Live: nothing listens on 127.0.0.1:10500"
    rows = [{"take_id": "nowhere", "client_take_id": "c0", "recorded_at": 1796500240.0, "status": "assigned",
             "fate": "slot", "end": f"slot Bass, {live}", "slot": "Bass", "not_loaded": live, "loaded": []},
            {"take_id": "missed", "client_take_id": "c1", "recorded_at": 1796500180.0, "status": "assigned",
             "fate": "slot", "end": f"slot Bass, {live}", "slot": "Bass", "not_loaded": live},
            {"take_id": "rejected", "client_take_id": "c2", "recorded_at": 1796500120.0, "status": "rejected",
             "fate": "rejected", "end": "rejected: not sure (dog 31%)", "not_loaded": ""},
            {"take_id": "loaded", "client_take_id": "c3", "recorded_at": 1796500060.0, "status": "assigned",
             "fate": "slot", "end": "slot Bass", "slot": "Bass", "not_loaded": ""}]
    state = tmp_path / "state"
    state.mkdir()
    (state / ENDS_FILE).write_text("".join(json.dumps({"p": digest, "r": {**common, **row}}) + "\n" for row in rows))
    engine = recorder_engine(tmp_path, state)
    try:
        result = run_phone("list_rows.js", rec_of(engine).local_url, phone_key, "4", env=microphone()[1])
    finally:
        engine.stop()
    assert result["errors"] == [], result
    shown = result["rows"]  # newest first
    assert len(shown) == 4 and shown[0].endswith(f"bass 80% → Bass; {live}"), result
    assert shown[1].endswith(f"bass 80% → Bass; {live}"), result
    assert shown[2].endswith("rejected: not sure (dog 31%)") and shown[3].endswith("bass 80% → Bass"), result
    # the first: no output loaded it ("loaded": []), red; the second, saved before rows said so, amber as it was
    assert result["rowClasses"] == ["failed", "partial", "failed", ""], result


def test_a_rejected_takes_label_is_shown_in_words_not_as_the_models_identifier(tmp_path: Path) -> None:
    """A take the real confidence gate rejected was said "Received, not used: rejected: not sure (glass_breaking
    31%)", on the info line and its row: the model's identifier, where a placed take's label reads in words."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(tmp_path / "state"), "print_qr": False}))
    patch.add_node(NodeSpec("hear", GlassBreaking.type_name, {}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.4}))
    patch.add_node(NodeSpec("status", "recorder_status", {}))
    patch.connect("rec.take", "hear.take")
    patch.connect("hear.out", "gate.prediction")
    patch.connect("gate.rejected", "status.prediction")
    reg = registry()
    reg.register(GlassBreaking, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(patch)
    try:
        result = record_take(rec_of(engine).local_url)
        row = rec_of(engine).takes("Labelled")[0]
    finally:
        engine.stop()
    assert row["fate"] == "rejected" and row["end"] == "rejected: not sure (glass_breaking 31%)", row
    said = "rejected: not sure (glass breaking 31%)"
    assert result["infoAfter"] == f"Received, not used: {said}. Tap REC to try again.", result
    assert len(result["rows"]) == 1 and result["rows"][0].endswith(said), result


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_takes_row_the_recorder_could_not_save_says_its_disk_is_full(tmp_path: Path) -> None:
    """A take's ended row that the recorder could not save for after its restart (its disk full) was shown as any:
    the phone's list lost it at the restart, with nothing said. The disk under the saved rows' file is made full."""
    engine = labelled_engine(tmp_path)
    try:
        make_full(tmp_path / "state" / ENDS_FILE)
        result = record_take(rec_of(engine).local_url)
    finally:
        engine.stop()
    told = "(the recorder's disk is full: this list may lose it at a restart; the take is kept)"
    assert result["infoAfter"] == f"Received: hihat closed 52% → HH {told}. Tap REC for another.", result
    assert len(result["rows"]) == 1 and result["rows"][0].endswith(f"hihat closed 52% → HH {told}"), result


def test_a_take_whose_row_has_no_length_is_listed_and_so_are_the_others(tmp_path: Path) -> None:
    """A take made known again at a start from a sidecar without its length has a row without one
    (:func:`~exsampling_patch.nodes.web_recorder.rows.sidecar_row`), written down with its end as it was. The page
    threw on it (``null.toFixed``, taken for the network being away): the phone's whole list stayed empty, every
    other take's end unsaid."""
    phone_key = "0123456789abcdef0123456789abcdef"
    digest = hashlib.sha256(phone_key.encode()).hexdigest()[:32]
    common = {"sample_rate": 48000, "location": None, "recorder": "Mika", "status": "done", "fate": "done",
              "end": "done (probe)", "not_loaded": ""}
    rows = [{"take_id": "no-length", "client_take_id": "c1", "recorded_at": 1796500000.0, "duration": None},
            {"take_id": "with-length", "client_take_id": "c2", "recorded_at": 1796500060.0, "duration": 1.5}]
    state = tmp_path / "state"
    state.mkdir()
    (state / ENDS_FILE).write_text("".join(json.dumps({"p": digest, "r": {**common, **row}}) + "\n" for row in rows))
    engine = recorder_engine(tmp_path, state)
    try:
        result = run_phone("list_rows.js", rec_of(engine).local_url, phone_key, "2", env=microphone()[1])
    finally:
        engine.stop()
    assert result["errors"] == [], result
    shown = result["rows"]
    assert len(shown) == 2 and all(row.endswith("done (probe)") for row in shown), result
    assert "1.5 s · no location" in shown[0], result  # newest first
    assert " s " not in shown[1] and "no location" in shown[1], result


def test_a_kept_take_without_a_length_is_listed_and_so_are_the_others(tmp_path: Path) -> None:
    """A take kept on the phone without its length (a page that stopped before it knew it, an older page's record)
    threw in the page's list (``undefined.toFixed``): every row, the recorder's too, stayed unshown for good."""
    phone_key = "0123456789abcdef0123456789abcdef"
    kept = [{"id": "kept-no-length", "startedAt": 1796500120000, "refused": "the take is too large (not kept)"},
            {"id": "kept-with-length", "startedAt": 1796500060000, "seconds": 1.5,
             "refused": "not a WAV file (not kept)"}]
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("list_rows.js", rec_of(engine).local_url, phone_key, "2", json.dumps(kept),
                           env=microphone()[1])
    finally:
        engine.stop()
    assert result["errors"] == [], result
    shown = result["rows"]
    assert len(shown) == 2, result  # newest first
    assert shown[0].endswith("failed: the take is too large (not kept)"), result
    assert " s" not in shown[0].split("failed")[0], result
    assert "1.5 s" in shown[1] and shown[1].endswith("failed: not a WAV file (not kept)"), result
