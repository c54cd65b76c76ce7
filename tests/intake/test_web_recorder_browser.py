"""A real headless Chromium records a take on the recorder's page, its microphone fed from a WAV file: what the page
records and shows (its sending over a bad network, and the recorder going away: test_web_recorder_browser_network)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import microphone, probe_of, rec_of, record_take, recorder_engine, registry, run_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def recorder_into(tmp_path: Path, node_type: type[Node]) -> Engine:
    """An engine running web_recorder -> a node of ``node_type`` (its input ``take``), which ends each take."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(tmp_path / "state"), "print_qr": False}))
    patch.add_node(NodeSpec("end", node_type.type_name, {}))
    patch.connect("rec.take", "end.take")
    reg = registry()
    reg.register(node_type, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(patch)
    return engine


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    windowed = samples * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(windowed))
    peak = int(np.argmax(spectrum[1:])) + 1
    # Parabolic interpolation between bins: well under 0.1 % error for a steady tone.
    a, b, c = np.log(spectrum[peak - 1: peak + 2] + 1e-12)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return float((peak + offset) * rate / len(samples))


def test_chromium_records_and_uploads_a_take(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path)
    try:
        url = rec_of(engine).local_url
        result = record_take(tmp_path, url, "Field Tester", "1", frequency=660.0)
        assert result["info"].startswith("Received"), result
        take = probe_of(engine).wait_for(1)[0]
        assert take.source == "Field Tester"
        assert take.location is not None
        assert (take.location.latitude, take.location.longitude) == pytest.approx((48.8584, 2.2945))
        assert take.location.accuracy_m == pytest.approx(8.0)
        assert 0.9 < take.duration < 2.5  # the second recorded (a loaded host taps STOP a moment late)
        assert take.path is not None and take.path.exists()
        stored, rate = sf.read(take.path, dtype="float32")
        assert dominant_frequency(stored, rate) == pytest.approx(660.0, rel=0.02)
        assert np.max(np.abs(stored)) == pytest.approx(0.4, rel=0.1)  # gain untouched (auto gain off)
        # the take's row says what became of it: received, or (here, the probe ending it) done
        assert any("received" in row or "done (probe)" in row for row in result["rows"]), result["rows"]
        # The page sent its own phone key: its take list is of this phone's takes.
        phones = rec_of(engine)._phones
        assert len(phones) == 1 and rec_of(engine).phone_takes(next(iter(phones)))[0]["take_id"] == take.take_id
    finally:
        engine.stop()


def test_rec_works_at_once_with_a_made_up_name_and_the_microphone_open_before(tmp_path: Path) -> None:
    """No name typed: REC records under the page's made-up name; the microphone was running before REC, so
    recording starts at the tap (no "Type your name first", no start lost to opening the microphone)."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "", "1")
        assert result["micBeforeRec"] == "running", result
        assert result["info"].startswith("Received"), result
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d\d", result["shownName"]), result
        # The tap records at once: the microphone was opened once, on load, and REC found it open.
        assert result["micOpensBeforeRec"] == 1 and result["micOpensWhenRecording"] == 1, result
        take = probe_of(engine).wait_for(1)[0]
        assert take.source == result["shownName"]
        assert 0.9 < take.duration < 2.5
    finally:
        engine.stop()


def test_a_screen_reader_hears_the_pages_news_and_the_name_field_is_big_enough_to_tap(tmp_path: Path) -> None:
    """The info line ("Received: snare 70% → Snare", "Refused: ...") was a plain div: a screen reader never announced
    a take's end, and a blind performer heard nothing after STOP. It is now a status region (announced when it
    changes), and the take list has a name. The name field was 42 px tall, under the 44 px a finger needs."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Heard", "0.5")
        assert result["statusRegions"] == [result["infoAfter"]], result  # the info line, and only it
        assert result["infoAfter"].startswith("Received"), result
        assert result["takeListNames"] == ["Your takes"], result
        assert min(result["tapHeights"].values()) >= 44, result["tapHeights"]
    finally:
        engine.stop()


def test_a_microphone_the_system_took_back_is_opened_again_at_rec(tmp_path: Path) -> None:
    """The phone's system ends a page's capture (iOS, when the page goes to the background or a call comes): the
    page went on recording its ended track, silence, and every take after was "Received, not used: silent". REC
    now opens the microphone afresh when its track has ended."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Called", "0.5", env={"PHONE_MIC_ENDED": "1"})
        assert result["info"].startswith("Received"), result
        take = probe_of(engine).wait_for(1)[0]
        assert np.max(np.abs(take.samples)) == pytest.approx(0.4, rel=0.1)  # the sine the microphone hears, not silence
        assert result["micOpensWhenRecording"] == 2, result  # opened on load, and again at REC
    finally:
        engine.stop()


def test_a_double_tap_on_rec_records_one_take_not_a_blip(tmp_path: Path) -> None:
    """A finger's double tap on REC (the second tap 150 ms on) recorded a 0.15 s blip and sent it: classified and
    loaded, it took the place of the sound its slot held. A tap on STOP within 0.4 s of REC is now the same tap."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Fumbler", "1", env={"PHONE_DOUBLE_TAP": "1"})
        assert result["info"].startswith("Received"), result
        assert len(result["uploadsAtMs"]) == 1, result  # one take sent
        take = probe_of(engine).wait_for(1)[0]
        assert take.duration > 1.0, take.duration  # recorded until STOP, not stopped by the second tap
        time.sleep(0.3)
        assert len(probe_of(engine).received) == 1
    finally:
        engine.stop()


def test_a_take_refused_for_good_is_still_listed_after_a_reload(tmp_path: Path) -> None:
    """A take the recorder refused for good (here longer than its max_seconds: the page was loaded before the patch
    restarted with a shorter one) is taken out of the phone's storage, its row saying why. A reload then showed no
    trace of it, as if the recording had been lost unseen; its row, and why, now stay (without the audio)."""
    engine = recorder_engine(tmp_path, max_seconds=0.5)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Verbose", "2",
                             env={"PHONE_RELOAD": "1", "PHONE_MAX_SECONDS": "10"})
        assert result["info"].startswith("Refused: the take is 2"), result
        [row] = result["rows"]
        assert "failed: the take is 2" in row and "(not kept)" in row, result
        assert result["rowsAfterReload"] == [row], result
        assert result["keptAudio"] == 0, result  # the audio is not kept: sending it again cannot help
        assert probe_of(engine).received == []
    finally:
        engine.stop()


@pytest.mark.parametrize("typed, sent", [("Łucja 田中", "Łucja 田中"), ("Zoë & Ana", "Zoë Ana")])
def test_a_take_named_in_any_script_or_with_any_sign_reaches_the_recorder(tmp_path: Path, typed: str,
                                                                           sent: str) -> None:
    """A name outside Latin-1: the browser refused to send the header, and the page said "cannot reach the
    recorder" for ever. A sign the recorder does not take in a name ("&"): the take was refused and dropped from
    the phone. The page sends its name percent-encoded, and as the recorder takes it."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, typed, "0.5")
        assert result["info"].startswith("Received"), result
        assert probe_of(engine).wait_for(1)[0].source == sent
    finally:
        engine.stop()


class Doubter(Node):
    """A gate that is never sure: it rejects every take, as the confidence gate rejects one it doubts."""

    type_name = "test_doubter"
    family = "test"
    take = Input(TAKE, "takes")

    def on_take(self, take: Take) -> None:
        self.tell_fate(take, "rejected", "rejected: not sure (dog 31%)")


def test_a_rejected_take_is_shown_as_not_used_with_its_reason(tmp_path: Path) -> None:
    """The performer sees at a glance that the take went nowhere, and why, not a plain "Received" and a row that
    looks like every loaded take."""
    engine = recorder_into(tmp_path, Doubter)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Doubted", "0.5")
        assert result["rows"] and "rejected: not sure (dog 31%)" in result["rows"][0], result
        assert "failed" in result["rowClasses"][0], result  # marked as the page marks a take that went nowhere
        assert result["infoAfter"].startswith("Received, not used: rejected: not sure (dog 31%)"), result
        assert result["infoAfterIsError"], result
    finally:
        engine.stop()


def test_a_takes_end_on_the_info_line_still_says_it_has_no_location(tmp_path: Path) -> None:
    """The phone refused its location: the info line said "Received (without location: ...)", then the take's end
    replaced it with a plain "Received: ... → slot", and the performer never learnt that the take is not on the
    map. The end now joins the note."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Unplaced", "0.5", place=("", ""))
        # As received, the note; where a busy host read the line only once the take had ended, its end with it
        assert result["info"].startswith(("Received (without location: ", "Received: ")), result
        assert "without location: " in result["info"], result
        assert result["infoAfter"].startswith("Received: "), result  # the take's end is told
        assert "without location: " in result["infoAfter"], result  # and the note stays
        take = probe_of(engine).wait_for(1)[0]
        assert take.location is None and take.meta["location_error"] in result["infoAfter"]
    finally:
        engine.stop()


class Ponderer(Node):
    """Ends each take after 1.5 s, as a slow chain (a classifier on a busy machine) does."""

    type_name = "test_ponderer"
    family = "test"
    take = Input(TAKE, "takes")

    def on_take(self, take: Take) -> None:
        time.sleep(1.5)
        self.tell_fate(take, "rejected", "rejected: not sure (dog 31%)")


def test_the_page_asks_often_while_a_takes_end_is_awaited(tmp_path: Path) -> None:
    """The phone shows what became of a take as soon as the patch knows it (the README: within a second), not
    at the page's next two-second poll of its take list."""
    engine = recorder_into(tmp_path, Ponderer)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "1")
        assert result["infoAfter"].startswith("Received, not used: rejected"), result
        # 1.5 s of waiting: every 2 s the page asked at most twice (once at the answer, once on its beat)
        assert result["pollsUntilEnd"] >= 4, result
    finally:
        engine.stop()


def test_the_meter_is_red_only_near_full_scale(tmp_path: Path) -> None:
    """A quiet input (-26 dBFS) lights a short bar, green to its tip: the meter's colours belong to its scale, not
    to the lit part (where they squeezed green, amber and red into any bar, so a whisper looked like clipping)."""
    fed, browser = microphone(amplitude=0.05)
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("meter_colour.js", rec_of(engine).local_url, fed, env=browser)
        assert 0.1 < result["width"] < 0.4, result  # sqrt(0.05) of the meter
        red, green, _ = result["tip"]
        assert green > red, result  # green at its tip, not the red of clipping
    finally:
        engine.stop()


def test_the_page_shows_the_time_recorded_and_says_when_the_longest_take_ends_it(tmp_path: Path) -> None:
    """A performer sees how long the take is and how long it may be, and that the page stopped it, not a
    "Sending…" out of nowhere at max_seconds."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path, max_seconds=1.5)
    try:
        shown = run_phone("record_timer.js", rec_of(engine).local_url, fed, env=browser)["shown"]
        times = [float(m.group(1)) for m in (re.match(r"Recording (\d+\.\d) s of 1\.5 s… tap STOP when done\.$", t)
                                             for t in shown) if m]
        assert len(times) >= 5 and times == sorted(times) and times[-1] >= 1.0, shown  # tenths, counting up
        stopped = shown.index("Stopped at 1.5 s, the longest take: sending…")
        assert stopped > shown.index(f"Recording {times[-1]:.1f} s of 1.5 s… tap STOP when done."), shown
        take = probe_of(engine).wait_for(1)[0]
        assert 1.4 < take.duration < 1.7
    finally:
        engine.stop()


def test_a_refused_microphone_is_told_at_once_with_what_to_do(tmp_path: Path) -> None:
    """The phone's user tapped "Block" on the microphone prompt: the page went on saying "Tap REC to record", and a tap
    on REC said only "Microphone: Permission denied", neither where to allow it nor to reload. It now says so at
    load, and again at REC."""
    fed, _ = microphone()
    engine = recorder_engine(tmp_path)
    try:
        shown = run_phone("microphone_refused.js", rec_of(engine).local_url, fed)
        for when in ("onLoad", "afterRec"):
            assert shown[when].startswith("The microphone is blocked for this page: allow it in the browser's "
                                          "settings"), shown
            assert "reload the page" in shown[when] and shown[f"{when}IsError"], shown
        assert shown["button"] == "REC", shown  # nothing is being recorded
    finally:
        engine.stop()
