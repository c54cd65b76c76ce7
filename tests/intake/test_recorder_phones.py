"""A phone lists only its own takes: the shared pairing token does not show another phone's takes."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, sine

WAV = encode_wav_pcm16(sine(seconds=0.2), 48000)


def test_a_phone_lists_only_its_own_takes(recorder, recorder_state: Path) -> None:
    engine, alice = recorder
    bob = Client(engine, recorder_state / "recorder-cert.pem")  # the same shared token, its own phone key
    status, mine = alice.upload(WAV, recorder="alice", take_id="a1", latitude="48.85", longitude="2.35")
    assert status == 201
    assert bob.upload(WAV, recorder="bob", take_id="b1")[0] == 201
    # Bob asks for alice's takes with the shared token: he sees none of them, nor where they were made.
    status, listing = bob.request("GET", "/api/takes?recorder=alice")
    assert status == 200 and listing["takes"] == []
    assert [t["client_take_id"] for t in bob.request("GET", "/api/takes")[1]["takes"]] == ["b1"]
    status, listing = alice.request("GET", "/api/takes")
    assert [t["take_id"] for t in listing["takes"]] == [mine["take_id"]]
    assert listing["takes"][0]["location"]["latitude"] == 48.85
    # Without a phone key there is no list; a retry with alice's name and take id is not alice's reply.
    status, reply = alice.request("GET", "/api/takes?recorder=alice", headers={"X-Phone-Key": ""})
    assert status == 400 and "X-Phone-Key" in reply["error"]
    status, reply = bob.upload(WAV, recorder="alice", take_id="a1")
    assert status == 201 and reply["take_id"] != mine["take_id"]
