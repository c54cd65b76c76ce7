"""A real headless Chromium records a take on the recorder's page, its microphone fed from a WAV file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS, JSON_TYPE, busy_reply
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import BROWSER, probe_of, rec_of, recorder_engine, registry, sine

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright")]


class PhoneBrowsers:
    """Chromium kept for the module (tests/browser/phone_browser.js), one per microphone: each test's script connects
    to it and opens a context of its own (its own storage, permissions, location), instead of launching a browser
    of its own, a second or so of every test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._running: dict[tuple[float, float], tuple[subprocess.Popen[str], Path, str]] = {}

    def microphone(self, frequency: float, amplitude: float) -> tuple[Path, dict[str, str]]:
        """The WAV the microphone plays, an 8 s sine of ``frequency`` Hz (longer than any take; whole periods, so
        seamless where the device plays it again), and the environment that has a script use its browser."""
        key = (frequency, amplitude)
        if key not in self._running:
            fed = self.folder / f"mic-{frequency:g}-{amplitude:g}.wav"
            sf.write(fed, sine(frequency, 8.0, 48000, amplitude), 48000, subtype="PCM_16")
            server = subprocess.Popen(["node", str(BROWSER / "phone_browser.js"), str(fed)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert server.stdout is not None
            line = server.stdout.readline()
            if not line:
                server.kill()
                raise AssertionError(f"phone_browser.js ended: {server.wait()}")
            self._running[key] = (server, fed, json.loads(line)["endpoint"])
        _, fed, endpoint = self._running[key]
        return fed, {"PHONE_BROWSER": endpoint}

    def close(self) -> None:
        for server, _, _ in self._running.values():
            assert server.stdin is not None
            server.stdin.close()  # phone_browser.js closes its browser
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


_BROWSERS: list[PhoneBrowsers] = []


@pytest.fixture(autouse=True, scope="module")
def phone_browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    browsers = PhoneBrowsers(tmp_path_factory.mktemp("phones"))
    _BROWSERS.append(browsers)
    try:
        yield
    finally:
        _BROWSERS.remove(browsers)
        browsers.close()


def microphone(frequency: float = 440.0, amplitude: float = 0.4) -> tuple[Path, dict[str, str]]:
    """The module's browser whose microphone plays a sine of ``frequency`` Hz at ``amplitude``: its WAV, and the
    environment that has a script (tests/browser) use that browser."""
    return _BROWSERS[-1].microphone(frequency, amplitude)


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


def record_take(tmp_path: Path, url: str, name: str, seconds: str, frequency: float = 440.0,
                place: tuple[str, str] = ("48.8584", "2.2945"), env: dict[str, str] | None = None) -> dict[str, Any]:
    """Chromium as a phone (``record_take.js``) records a take of ``seconds`` as ``name`` at ``place`` (``""``:
    the location refused), its microphone fed an 8 s sine of ``frequency`` Hz (longer than the take: no loop
    seam), and sends it to ``url``; what the page showed (its JSON report)."""
    fed, browser = microphone(frequency)
    busy = {"PHONE_BUSY_HEADERS": json.dumps(busy_headers()), "PHONE_TLS_DIR": str(tmp_path / "state")}
    run = subprocess.run(["node", str(BROWSER / "record_take.js"), url, str(fed), *place, seconds, name],
                         capture_output=True, text=True, timeout=90,
                         env={**os.environ, **browser, **busy, **(env or {})})
    assert run.returncode == 0, run.stderr + run.stdout
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def busy_headers() -> dict[str, str]:
    """The headers of the recorder's real busy answer to an upload (busy.py), for record_take.js's fake one: all but
    Retry-After (each test says its own, or none), the length and the connection's (the browser's business)."""
    head = busy_reply(api=True).split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    fields = dict(line.split(": ", 1) for line in head)
    return {name: value for name, value in fields.items()
            if name not in ("Retry-After", "Content-Length", "Connection")}


def test_chromium_records_and_uploads_a_take(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path)
    try:
        url = rec_of(engine).local_url
        result = record_take(tmp_path, url, "Field Tester", "2", frequency=660.0)
        assert result["info"].startswith("Received"), result
        take = probe_of(engine).wait_for(1)[0]
        assert take.source == "Field Tester"
        assert take.location is not None
        assert (take.location.latitude, take.location.longitude) == pytest.approx((48.8584, 2.2945))
        assert take.location.accuracy_m == pytest.approx(8.0)
        assert 1.5 < take.duration < 3.5
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
        result = record_take(tmp_path, rec_of(engine).local_url, "", "2")
        assert result["micBeforeRec"] == "running", result
        assert result["info"].startswith("Received"), result
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d\d", result["shownName"]), result
        # The tap records at once: the microphone was opened once, on load, and REC found it open.
        assert result["micOpensBeforeRec"] == 1 and result["micOpensWhenRecording"] == 1, result
        take = probe_of(engine).wait_for(1)[0]
        assert take.source == result["shownName"]
        assert 1.5 < take.duration < 3.5
    finally:
        engine.stop()


def test_a_screen_reader_hears_the_pages_news_and_the_name_field_is_big_enough_to_tap(tmp_path: Path) -> None:
    """The info line ("Received: snare 70% → Snare", "Refused: ...") was a plain div: a screen reader never announced
    a take's end, and a blind performer heard nothing after STOP. It is now a status region (announced when it
    changes), and the take list has a name. The name field was 42 px tall, under the 44 px a finger needs."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Heard", "1")
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Called", "1", env={"PHONE_MIC_ENDED": "1"})
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


def test_a_take_is_sent_when_the_browsers_storage_never_answers(tmp_path: Path) -> None:
    """iOS Safari 14 could leave an IndexedDB open unanswered for ever. The page waits for a take to be kept before
    it sends it: the take stayed "uploading" and was never sent. The page now stops waiting for the storage and
    keeps its takes in the page, as without IndexedDB."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "1", env={"PHONE_INDEXEDDB": "hangs"})
        assert result["info"].startswith("Received"), result
        assert probe_of(engine).wait_for(1)[0].source == "Patient"
    finally:
        engine.stop()


def test_an_upload_never_answered_is_given_up_and_sent_again(tmp_path: Path) -> None:
    """A phone walks out of the Wi-Fi's range mid-upload: no reset ever comes, and the page waited on that upload
    for the minutes a phone's network takes to notice, the take showing "uploading". It now gives up on a silent
    upload and sends the take again: here one whose body went out whole (a small take fits in the phone's socket
    buffer), no progress left to see, once the recorder no longer waits for it either (its deadline and 15 s; one that
    stops moving is given up sooner: test_recorder_page_upload_wait). The page's clock is moved on through that wait
    (record_take.js) rather than waited out."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Wanderer", "1", env={"PHONE_SILENT_UPLOADS": "1"})
        assert result["info"].startswith("Received"), result
        assert result["givenUpEarly"] == [0], result  # not given up before the wait's last second
        assert result["givenUp"] == 1 and len(result["uploadsAtMs"]) == 2, result  # then given up and sent again
        assert [t.source for t in probe_of(engine).wait_for(1)] == ["Wanderer"]
    finally:
        engine.stop()


def test_a_take_too_big_for_a_slow_network_is_said_so_with_what_to_do(tmp_path: Path) -> None:
    """A network too slow for a long take: each try ran out of time while the recorder went on answering the take
    list, and the page said "Cannot reach the recorder" for ever. After a few such tries it now says the network is
    too slow for this take, its size, and what to do, while it keeps the take and sends it again. The uploads are
    never answered (record_take.js), the page's clock moved on through each wait."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Far Away", "1", env={"PHONE_SILENT_UPLOADS": "3"})
        assert result["info"].startswith("Received"), result  # still sent again: the fourth try goes through
        assert result["givenUp"] == 3 and len(result["atUploads"]) == 4, result
        after_one, after_two, after_three = result["atUploads"][1:4]
        assert "too slow" not in after_two["info"], result  # one or two may be a moment's trouble
        for early in (after_one, after_two):  # the recorder answered its list: not "Cannot reach the recorder"
            assert early["info"].startswith("The recorder answers, but this take went unanswered"), result
        said = after_three["info"]
        # Its size and length as recorded: a 1 s take, longer where a loaded machine clicked STOP late (1.9 s once)
        assert re.match(r"The network is too slow for this take \(0\.[1-9] MB, [12]\.\d s\)", said), said
        assert "kept on this phone and sent again (try 3)" in said, said
        assert "Move closer to the Wi-Fi, or record shorter takes." in said, said
        assert re.match(r"waiting: the network is too slow for it \(0\.[1-9] MB", after_three["row"]), after_three
        assert "kept, sent when the recorder answers" in after_three["row"], after_three
        assert [t.source for t in probe_of(engine).wait_for(1)] == ["Far Away"]
    finally:
        engine.stop()


def test_a_take_never_answered_on_a_silent_network_is_not_said_too_big(tmp_path: Path) -> None:
    """The same tries out of time with the take list unanswered too (the phone out of the Wi-Fi's range): the recorder
    is out of reach, not the network too slow for the take, and the page says so."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Out Of Range", "1",
                             env={"PHONE_SILENT_UPLOADS": "3", "PHONE_SILENT_NETWORK": "1"})
        assert result["info"].startswith("Received"), result
        assert result["atUploads"][3]["info"].startswith("Cannot reach the recorder"), result
        assert [t.source for t in probe_of(engine).wait_for(1)] == ["Out Of Range"]
    finally:
        engine.stop()


@pytest.mark.parametrize("retry_after", ["seconds", "date"])
def test_a_busy_recorders_retry_after_is_waited_before_the_take_is_sent_again(tmp_path: Path,
                                                                             retry_after: str) -> None:
    """A recorder that is busy answers 503 (or 429) and may say when to come back (Retry-After: seconds, or a date).
    The page went by its own schedule all the same (a second or so for the first retry), back while it was still
    busy; it now waits at least what the recorder asked, and says so."""
    engine = recorder_engine(tmp_path)
    try:
        # The page's clock is moved on through its wait (record_take.js): the times are the page's.
        value = "4" if retry_after == "seconds" else "date+5"  # an HTTP date 5 s after the answer
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "1",
                             env={"PHONE_BUSY_UPLOADS": "1", "PHONE_BUSY_RETRY_AFTER": value})
        assert result["info"].startswith("Received"), result
        first, second = result["uploadsAtMs"][:2]
        # 4 s asked (a date 5 s ahead, read to the second: at least 4 s); the wait spreads up to half again.
        assert 3900 <= second - first <= 4000 * 1.5 + 2500, result["uploadsAtMs"]
        assert any("busy" in text and "as it asked" in text for text in result["busyInfo"]), result["busyInfo"]
        assert [t.source for t in probe_of(engine).wait_for(1)] == ["Patient"]
    finally:
        engine.stop()


def test_a_take_being_sent_again_on_a_slow_network_is_not_said_to_be_unreachable(tmp_path: Path) -> None:
    """A try after a failed one that takes a while (a slow network): the page went on saying the last try's news
    ("The recorder could not take it yet", the row "waiting") for the whole upload. It now says it is sending."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Crawler", "1",
                             env={"PHONE_BUSY_UPLOADS": "1", "PHONE_SLOW_RETRY_MS": "2500"})
        assert result["info"].startswith("Received"), result
        [during] = result["duringSlowRetry"]
        assert during["info"] == "Sending the take again (try 2)…", result
        assert during["row"] == "uploading: sending again (try 2)", result
        assert [t.source for t in probe_of(engine).wait_for(1)] == ["Crawler"]
    finally:
        engine.stop()


def test_a_busy_answer_without_retry_after_keeps_the_pages_own_schedule(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "1", env={"PHONE_BUSY_UPLOADS": "1"})
        assert result["info"].startswith("Received"), result
        first, second = result["uploadsAtMs"][:2]
        assert 400 <= second - first <= 1500 + 1000, result["uploadsAtMs"]  # the first retry: 0.5 to 1.5 s
        # The fake busy answer the page got is the real one's but for Retry-After: the headers every answer carries.
        [got] = result["busyHeaders"]
        assert got.get("content-type") == JSON_TYPE and "retry-after" not in got, got
        for name, value in ANSWER_HEADERS:
            assert got.get(name.lower()) == value, (name, got)
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
        result = record_take(tmp_path, rec_of(engine).local_url, typed, "1")
        assert result["info"].startswith("Received"), result
        assert probe_of(engine).wait_for(1)[0].source == sent
    finally:
        engine.stop()


@pytest.mark.parametrize("storage", ["indexeddb", "no-indexeddb"])
def test_a_take_recorded_while_the_recorder_is_away_is_kept_and_sent_when_it_is_back(tmp_path: Path,
                                                                                    storage: str) -> None:
    """The patch restarts (or the Wi-Fi drops) for longer than a few retries: the phone keeps the take, says so,
    and sends it once the recorder answers again, instead of giving up with "could not reach the recorder".

    A browser without IndexedDB (some private-browsing modes) keeps it in the page, and its row says so: a reload
    would lose it (before, it said "kept" as the stored take's row does)."""
    fed, browser = microphone()
    signals = tmp_path / "signals"
    signals.mkdir()
    state = tmp_path / "state"
    engine = recorder_engine(tmp_path, state)
    port = rec_of(engine).server.port
    phone = subprocess.Popen(["node", str(BROWSER / "record_through_outage.js"), rec_of(engine).local_url, str(fed),
                              str(signals), "40", storage], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **browser})
    back = None
    try:
        deadline = time.monotonic() + 30
        while not (signals / "ready").exists():
            assert phone.poll() is None and time.monotonic() < deadline, phone.communicate()
            time.sleep(0.05)
        engine.stop()  # the recorder goes away after the page loaded
        (signals / "go").touch()
        while not (signals / "stopped").exists():
            assert phone.poll() is None and time.monotonic() < deadline + 30, phone.communicate()
            time.sleep(0.05)
        # Away longer than a few quick retries (the page gave up after about 10 s): the phone's script moves the
        # page's clock on through its retry waits and says when it has been away long enough.
        while not (signals / "away").exists():
            assert phone.poll() is None and time.monotonic() < deadline + 60, phone.communicate()
            time.sleep(0.05)
        back = recorder_engine(tmp_path, state, port=port)
        (signals / "back").touch()
        out, err = phone.communicate(timeout=90)
        assert phone.returncode == 0, err + out
        result = json.loads(out.strip().splitlines()[-1])
        assert result["info"].startswith("Received"), result
        assert any("kept" in line for line in result["seen"]), result  # the phone said it keeps the take
        assert not any("failed" in line for line in result["seen"]), result
        assert result["failed"] >= 5 and result["awayMs"] >= 15000, result  # the page kept trying while away
        in_page_only = any("waiting: kept in this page only" in line for line in result["seen"])
        assert in_page_only == (storage == "no-indexeddb"), result
        if storage == "no-indexeddb":
            assert result["indexedDBOpens"] >= 1, result  # the page met the refusal
        take = probe_of(back).wait_for(1)[0]
        assert 0.5 < take.duration < 2.5
        time.sleep(0.5)
        assert len(probe_of(back).received) == 1, result  # sent once
    finally:
        if phone.poll() is None:
            phone.kill()
            phone.communicate()
        engine.stop()
        if back is not None:
            back.stop()


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
        result = record_take(tmp_path, rec_of(engine).local_url, "Doubted", "1")
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Unplaced", "1", place=("", ""))
        assert result["info"].startswith("Received (without location: "), result
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


def test_a_take_list_asked_for_on_a_network_gone_silent_is_asked_for_again(tmp_path: Path) -> None:
    """The page asks for its take list, one ask at a time, without a deadline: an ask lost on a network gone silent (the
    phone at the Wi-Fi's edge: no error ever comes) held the page's asking for the minutes a phone takes to notice, and
    no take's end reached it meanwhile. An ask now gives up after 10 s, and the next goes."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Edgy", "1", env={"PHONE_SILENT_LIST": "1"})
        assert result["stalledLists"] >= 1, result  # the page's asking did meet the silence
        assert result["endShown"], result
        assert result["infoAfter"].startswith("Received: done (probe)"), result
    finally:
        engine.stop()


def test_the_meter_is_red_only_near_full_scale(tmp_path: Path) -> None:
    """A quiet input (-26 dBFS) lights a short bar, green to its tip: the meter's colours belong to its scale, not
    to the lit part (where they squeezed green, amber and red into any bar, so a whisper looked like clipping)."""
    fed, browser = microphone(amplitude=0.05)
    engine = recorder_engine(tmp_path)
    try:
        run = subprocess.run(["node", str(BROWSER / "meter_colour.js"), rec_of(engine).local_url, str(fed)],
                             capture_output=True, text=True, timeout=90, env={**os.environ, **browser})
        assert run.returncode == 0, run.stderr + run.stdout
        result = json.loads(run.stdout.strip().splitlines()[-1])
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
        run = subprocess.run(["node", str(BROWSER / "record_timer.js"), rec_of(engine).local_url, str(fed)],
                             capture_output=True, text=True, timeout=90, env={**os.environ, **browser})
        assert run.returncode == 0, run.stderr + run.stdout
        shown = json.loads(run.stdout.strip().splitlines()[-1])["shown"]
        times = [float(m.group(1)) for m in (re.match(r"Recording (\d+\.\d) s of 1\.5 s… tap STOP when done\.$", t)
                                             for t in shown) if m]
        assert len(times) >= 5 and times == sorted(times) and times[-1] >= 1.0, shown  # tenths, counting up
        stopped = shown.index("Stopped at 1.5 s, the longest take: sending…")
        assert stopped > shown.index(f"Recording {times[-1]:.1f} s of 1.5 s… tap STOP when done."), shown
        take = probe_of(engine).wait_for(1)[0]
        assert 1.4 < take.duration < 1.7
    finally:
        engine.stop()


def _kept_run(tmp_path: Path, mode: str, between: Any) -> tuple[dict[str, Any], Engine]:
    """record_kept.js through one recorder going away: ``between(engine, signals)`` runs once the first page's try
    is over (the recorder stopped, or refusing) and returns the recorder that runs next and the URL to open."""
    fed, browser = microphone()
    signals = tmp_path / "signals"
    signals.mkdir()
    engine = recorder_engine(tmp_path, tmp_path / "state")
    phone = subprocess.Popen(["node", str(BROWSER / "record_kept.js"), rec_of(engine).local_url, str(fed),
                              str(signals), mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **browser})
    back = None

    def wait_for(name: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not (signals / name).exists():
            assert phone.poll() is None and time.monotonic() < deadline, phone.communicate()
            time.sleep(0.05)

    try:
        wait_for("ready", 30)
        back, url = between(engine, signals, wait_for)
        (signals / "back.part").write_text(url)
        (signals / "back.part").rename(signals / "back")  # whole when the phone sees it
        out, err = phone.communicate(timeout=90)
        assert phone.returncode == 0, err + out
        return json.loads(out.strip().splitlines()[-1]), back
    except BaseException:
        if back is not None:
            back.stop()
        raise
    finally:
        if phone.poll() is None:
            phone.kill()
            phone.communicate()
        engine.stop()


def test_a_take_waiting_when_the_page_is_reloaded_is_sent_once_by_the_page_opened_again(tmp_path: Path) -> None:
    """The phone reloads the page (or kills the tab) while the recorder is away: the take, kept in the browser's
    storage since STOP, is shown and sent by the page opened again, once. The page warned before the reload."""

    def outage(engine: Engine, signals: Path, wait_for: Any) -> tuple[Engine, str]:
        port, url = rec_of(engine).server.port, rec_of(engine).local_url
        engine.stop()  # the recorder goes away after the page loaded
        (signals / "go").touch()
        wait_for("reloaded", 60)
        return recorder_engine(tmp_path, tmp_path / "state", port=port), url

    result, back = _kept_run(tmp_path, "reload", outage)
    try:
        assert "waiting: kept" in result["first"]["rows"][0], result
        assert "beforeunload" in result["dialogs"], result  # the page asked before it was left
        assert result["info"].startswith("Received"), result
        assert any("waiting: kept" in rows for rows in result["shownAfterOpening"]), result  # shown by the new page
        take = probe_of(back).wait_for(1)[0]
        assert 0.5 < take.duration < 2.5
        time.sleep(1.0)
        assert len(probe_of(back).received) == 1, result  # once
        assert len(list((tmp_path / "takes").rglob("*.wav"))) == 1
        assert result["sentAfterReceived"] == 0, result  # not sent again by the page
        assert result["kept"] == 0, result  # gone from the phone once accepted
    finally:
        back.stop()


def test_a_take_refused_for_an_old_token_is_kept_and_sent_after_re_pairing(tmp_path: Path) -> None:
    """The recorder restarts with a new pairing token (rotate_token) between the page's load and the take: the
    take, refused with 401, stays on the phone, its row says to scan the new QR code, and the page opened with
    the new token sends it. Re-pairing is not warned against: the take is kept."""

    def rotated(engine: Engine, signals: Path, wait_for: Any) -> tuple[Engine, str]:
        port, old = rec_of(engine).server.port, rec_of(engine).local_url
        engine.stop()
        back = recorder_engine(tmp_path, tmp_path / "state", port=port, rotate_token=True)
        assert rec_of(back).local_url != old
        (signals / "go").touch()
        wait_for("stopped", 60)
        return back, rec_of(back).local_url

    result, back = _kept_run(tmp_path, "repair", rotated)
    try:
        assert "QR code" in result["first"]["rows"][0], result
        assert "failed" not in result["first"]["rows"][0], result
        assert result["dialogs"] == [], result
        assert result["info"].startswith("Received"), result
        take = probe_of(back).wait_for(1)[0]
        assert 0.5 < take.duration < 2.5
        assert result["sentAfterReceived"] == 0, result
        assert result["kept"] == 0, result
    finally:
        back.stop()


def test_failed_uploads_are_sent_again_at_scattered_moments_not_all_phones_at_once(tmp_path: Path) -> None:
    """The page waited exactly 1, 2, 3, 4 s, then 5 s again and again, after a failed upload: the phones that lost
    the recorder together (a restart, the Wi-Fi down) all sent their takes again at the same moments, each time the
    whole crowd at once on a recorder just back. Each wait is now drawn from half to one and a half of that step."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path)
    try:
        run = subprocess.run(["node", str(BROWSER / "retry_schedule.js"), rec_of(engine).local_url, str(fed)],
                             capture_output=True, text=True, timeout=90, env={**os.environ, **browser})
    finally:
        engine.stop()
    assert run.returncode == 0, run.stderr + run.stdout
    tries = json.loads(run.stdout.strip().splitlines()[-1])
    for attempt in range(1, 9):
        step = 1000.0 * min(attempt, 5)  # the schedule's average stays: 1 s, 2 s ... 5 s, then every 5 s
        drawn = np.array(tries[str(attempt)]["draws"])
        assert tries[str(attempt)]["lowest"] == pytest.approx(0.5 * step)
        assert tries[str(attempt)]["highest"] == pytest.approx(1.5 * step)
        assert drawn.min() >= 0.5 * step and drawn.max() < 1.5 * step, (attempt, drawn.min(), drawn.max())
        assert abs(drawn.mean() - step) < 0.15 * step, (attempt, drawn.mean())
        # Scattered over the whole window: 400 phones would not send again at one moment, nor at a few.
        assert drawn.max() - drawn.min() > 0.8 * step, (attempt, drawn.min(), drawn.max())
        assert len(set(drawn.tolist())) > 390


def test_a_refused_microphone_is_told_at_once_with_what_to_do(tmp_path: Path) -> None:
    """The phone's user tapped "Block" on the microphone prompt: the page went on saying "Tap REC to record", and a tap
    on REC said only "Microphone: Permission denied", neither where to allow it nor to reload. It now says so at
    load, and again at REC."""
    fed, _ = microphone()
    engine = recorder_engine(tmp_path)
    try:
        run = subprocess.run(["node", str(BROWSER / "microphone_refused.js"), rec_of(engine).local_url, str(fed)],
                             capture_output=True, text=True, timeout=90)
        assert run.returncode == 0, run.stderr + run.stdout
        shown = json.loads(run.stdout.strip().splitlines()[-1])
        for when in ("onLoad", "afterRec"):
            assert shown[when].startswith("The microphone is blocked for this page: allow it in the browser's "
                                          "settings"), shown
            assert "reload the page" in shown[when] and shown[f"{when}IsError"], shown
        assert shown["button"] == "REC", shown  # nothing is being recorded
    finally:
        engine.stop()
