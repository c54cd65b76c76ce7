"""A phone's take list, and what became of each take, outlive a restart of the patch."""

from __future__ import annotations

from pathlib import Path

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
