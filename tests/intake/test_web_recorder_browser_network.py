"""A real headless Chromium as a phone sends its takes to the recorder over a network gone silent or slow, to a
busy recorder, and through the recorder going away and coming back (test_web_recorder_browser: what it records)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS, JSON_TYPE
from exsampling_patch.runtime.engine import Engine
from tests.waiting import wait_for

from .conftest import (
    microphone,
    probe_of,
    rec_of,
    record_take,
    recorder_engine,
    run_phone,
    shut_down,
    start_phone,
    wait_for_signal,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def all_received(engine: Engine) -> list[Any]:
    """The takes the probe of ``engine``'s recorder received from a browser now gone (its phone's script ended): once
    its every connection is closed, each request it made is handled (a take stored is emitted before its answer),
    and once the engine is idle, each take emitted has reached the probe. Looked at a fixed time later, a second take
    on its way could be missed."""
    door = rec_of(engine).server.door
    assert wait_for(lambda: door.counts()["open"] == 0, 30), door.counts()
    assert engine.wait_idle(10)
    return list(probe_of(engine).received)


def test_a_take_is_sent_when_the_browsers_storage_never_answers(tmp_path: Path) -> None:
    """iOS Safari 14 could leave an IndexedDB open unanswered for ever. The page waits for a take to be kept before
    it sends it: the take stayed "uploading" and was never sent. The page now stops waiting for the storage and
    keeps its takes in the page, as without IndexedDB."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "0.5", env={"PHONE_INDEXEDDB": "hangs"})
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Wanderer", "0.5", env={"PHONE_SILENT_UPLOADS": "1"})
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Out Of Range", "0.5",
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "0.5",
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Crawler", "0.5",
                             env={"PHONE_BUSY_UPLOADS": "1", "PHONE_SLOW_RETRY_MS": "1000"})
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
        result = record_take(tmp_path, rec_of(engine).local_url, "Patient", "0.5", env={"PHONE_BUSY_UPLOADS": "1"})
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
    phone = start_phone("record_through_outage.js", rec_of(engine).local_url, fed, signals, "40", storage, env=browser)
    back = None
    try:
        wait_for_signal(phone, signals, "ready", 30)
        engine.stop()  # the recorder goes away after the page loaded
        (signals / "go").touch()
        wait_for_signal(phone, signals, "stopped", 60)
        # Away longer than a few quick retries (the page gave up after about 10 s): the phone's script moves the
        # page's clock on through its retry waits and says when it has been away long enough.
        wait_for_signal(phone, signals, "away", 90)
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
        assert len(all_received(back)) == 1, result  # sent once
    finally:
        shut_down(phone, engine, back)


def test_a_take_list_asked_for_on_a_network_gone_silent_is_asked_for_again(tmp_path: Path) -> None:
    """The page asks for its take list, one ask at a time, without a deadline: an ask lost on a network gone silent (the
    phone at the Wi-Fi's edge: no error ever comes) held the page's asking for the minutes a phone takes to notice, and
    no take's end reached it meanwhile. An ask now gives up after 10 s, and the next goes."""
    engine = recorder_engine(tmp_path)
    try:
        result = record_take(tmp_path, rec_of(engine).local_url, "Edgy", "0.5", env={"PHONE_SILENT_LIST": "1"})
        assert result["stalledLists"] >= 1, result  # the page's asking did meet the silence
        assert result["endShown"], result
        assert result["infoAfter"].startswith("Received: done (probe)"), result
    finally:
        engine.stop()


def _kept_run(tmp_path: Path, mode: str, between: Any) -> tuple[dict[str, Any], Engine]:
    """record_kept.js through one recorder going away: ``between(engine, signals)`` runs once the first page's try
    is over (the recorder stopped, or refusing) and returns the recorder that runs next and the URL to open."""
    fed, browser = microphone()
    signals = tmp_path / "signals"
    signals.mkdir()
    engine = recorder_engine(tmp_path, tmp_path / "state")
    phone = start_phone("record_kept.js", rec_of(engine).local_url, fed, signals, mode, env=browser)
    back = None

    def wait_for(name: str, seconds: float) -> None:
        wait_for_signal(phone, signals, name, seconds)

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
        shut_down(phone, engine)


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
        assert len(all_received(back)) == 1, result  # once
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
        tries = run_phone("retry_schedule.js", rec_of(engine).local_url, fed, env=browser)
    finally:
        engine.stop()
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
