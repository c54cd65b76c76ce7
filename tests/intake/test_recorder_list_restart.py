"""A phone's take list, and what became of each take, outlive a restart of the patch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, rec_of, recorder_engine, sine


def test_a_phones_take_list_with_each_takes_end_outlives_a_restart(tmp_path: Path, recorder_state: Path) -> None:
    """The list lived in memory: after a restart the page (reloaded, or a phone opening it again) showed none of the
    takes recorded before, nor the slot each went to, as if they were lost."""
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        phone = Client(engine, recorder_state / "recorder-cert.pem")
        stranger = Client(engine, recorder_state / "recorder-cert.pem")
        for n in range(2):
            assert phone.upload(encode_wav_pcm16(sine(), 48000), take_id=f"before-{n}")[0] == 201
        assert len(probe_of(engine).wait_for(2)) == 2 and engine.wait_idle()
        status, before = phone.request("GET", "/api/takes")
        assert status == 200 and [t["client_take_id"] for t in before["takes"]] == ["before-1", "before-0"]
        assert all(t["fate"] == "done" and t["end"] for t in before["takes"]), before  # ended, and told so
    finally:
        engine.stop()
    back = recorder_engine(tmp_path, recorder_state)
    try:
        phone.port = stranger.port = rec_of(back).server.port
        status, after = phone.request("GET", "/api/takes")
        assert status == 200
        drop = ("updated",)
        assert ([{k: v for k, v in t.items() if k not in drop} for t in after["takes"]]
                == [{k: v for k, v in t.items() if k not in drop} for t in before["takes"]]), (before, after)
        assert stranger.request("GET", "/api/takes")[1]["takes"] == []  # still this phone's takes only
        assert probe_of(back).received == []  # ended takes are not passed on again
    finally:
        back.stop()


def test_the_written_down_ends_are_the_newest_few_and_the_file_is_compacted(tmp_path: Path) -> None:
    """Each start adds every row written down to the process's status board, whose every add looks through all it
    holds: the rows are bounded, and the file is rewritten with them once it holds twice as many lines."""
    ends = TakeEnds(tmp_path, keep=3)
    for n in range(7):
        ends.write("phone", {"take_id": f"t{n}", "recorder": "Mika", "fate": "slot", "updated": 1.0})
    ends.write("phone", {"take_id": "t2", "recorder": "Mika", "fate": "rejected"})  # its end told again: the last
    ends.close()
    again = TakeEnds(tmp_path, keep=3)
    try:
        assert [(row["take_id"], row["fate"]) for _, row in again.rows()] == [("t5", "slot"), ("t6", "slot"),
                                                                             ("t2", "rejected")]
        assert all("updated" not in row for _, row in again.rows())  # the time of this run's board, not kept
        assert len((tmp_path / ENDS_FILE).read_text().splitlines()) == 3  # 8 lines, more than twice 3: rewritten
    finally:
        again.close()


def test_rows_written_before_not_loaded_was_kept_are_listed_with_it(tmp_path: Path) -> None:
    """Rows written down before a row said apart what an output did not load (a54a765) have no ``not_loaded``: the
    phone's page, reading none, showed a take Live did not load as "hihat closed 52% -> HH", loaded, though its end
    said "slot HH, not loaded into Live: ...". Read back, such a row has it from its end, as a take ending now."""
    phone_key = "0123456789abcdef0123456789abcdef"
    digest = hashlib.sha256(phone_key.encode()).hexdigest()[:32]
    common = {"recorded_at": 1796500000.0, "duration": 1.0, "sample_rate": 48000, "location": None,
              "recorder": "Mika", "label": "hihat_closed", "confidence": 0.52}
    told = "not loaded into Live: Live did not answer within 2 s"
    old = [{"take_id": "old-1", "client_take_id": "c1", "status": "assigned", "fate": "slot", "slot": "HH",
            "end": f"slot HH, {told}"},
           {"take_id": "old-2", "client_take_id": "c2", "status": "assigned", "fate": "slot", "slot": "HH",
            "end": "slot HH"},
           {"take_id": "old-3", "client_take_id": "c3", "status": "assigned", "fate": "slot", "slot": "HH",
            "end": f"slots HH, Snare, {told}"},
           {"take_id": "old-4", "client_take_id": "c4", "status": "rejected", "fate": "rejected",
            "end": "rejected: not sure (hihat_closed 31%)"}]
    state = tmp_path / "state"
    state.mkdir()
    (state / ENDS_FILE).write_text("".join(json.dumps({"p": digest, "r": {**common, **row}}) + "\n" for row in old))
    engine = recorder_engine(tmp_path, state, https=False)
    try:
        phone = Client(engine, None)
        phone.phone_key = phone_key
        status, listed = phone.request("GET", "/api/takes")
    finally:
        engine.stop()
    assert status == 200
    assert {t["take_id"]: t["not_loaded"] for t in listed["takes"]} == {
        "old-1": told, "old-2": "", "old-3": told, "old-4": ""}, listed
