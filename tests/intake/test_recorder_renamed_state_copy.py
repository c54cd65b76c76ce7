"""A live edit that renames a web recorder whose state folder cannot be written (it runs on a temporary copy of it,
:func:`.folders.state_folder`, a new one at each start). The renamed recorder, on the same state folder, is the same
recorder for its phones: same token, same certificate, same page.

Before: the runtime hands a node's state to its rebuilt self only where its id stays the same; the renamed recorder
copied its state anew from the folder, without this run's takes seen: a phone's retry of a take stored before the
edit (its answer lost) was stored again as a new take and passed on twice, and the phone's list lost the run's takes.
A real HTTPS recorder run by an engine, the edit made with engine.update; the state folder locked as
test_recorder_state_not_writable does (as root, a tmpfs remounted read-only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch

from .conftest import Client, probe_of, rec_of, recorder_engine, sine


def renamed(tmp_path: Path, state: Path) -> Patch:
    """:func:`.conftest.probed_recorder` with its recorder ``rec`` named ``rec2``."""
    patch = Patch()
    patch.add_node(NodeSpec("rec2", "web_recorder", {"folder": str(tmp_path / "takes"), "state_folder": str(state),
                                                     "host": "127.0.0.1", "port": 0, "print_qr": False}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec2.take", "probe.take")
    return patch


def test_a_renamed_recorder_on_a_state_copy_answers_a_retry_of_this_run_s_take_as_its_duplicate(
        tmp_path: Path, spare_temp: Path, lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    recorder_engine(tmp_path, state).stop()  # its certificate and pairing token made
    lock()
    wav = encode_wav_pcm16(sine(), 48000)
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        assert rec_of(engine)._spare is not None, engine.errors  # on a copy of its state
        phone = Client(engine, state / "recorder-cert.pem")
        first = phone.upload(wav, take_id="before-rename")
        assert first[0] == 201, first
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        assert engine.update(renamed(tmp_path, state)) is not None
        assert rec_of(engine, "rec2")._spare is not None  # on a copy of its own
        phone.port = rec_of(engine, "rec2").server.port
        listed = phone.request("GET", "/api/takes")  # the page reloaded
        again = phone.upload(wav, take_id="before-rename")  # its first answer lost: sent again
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert again[0] == 200 and again[1].get("duplicate") is True, again
    assert again[1]["take_id"] == first[1]["take_id"], again
    assert received == [first[1]["take_id"]]  # passed on once
    assert listed[0] == 200 and first[1]["take_id"] in str(listed[1]), listed  # the phone's list kept it
    assert not list(spare_temp.iterdir())  # each copy of the state removed at its recorder's stop


def test_a_take_the_renamed_recorder_stored_before_its_stop_goes_to_its_successor(tmp_path: Path) -> None:
    """What the old recorder wrote between the new one's start (its copy made) and its own stop: a take remembered,
    one withdrawn (lost), a row of a take ended. Tables on two copies of one state folder, as the engine test has."""
    from exsampling_patch.nodes.web_recorder.ends import TakeEnds
    from exsampling_patch.nodes.web_recorder.seen import SeenTakes

    named = tmp_path / "state"
    old_seen, old_ends = SeenTakes(tmp_path / "copy-1", named=named), TakeEnds(tmp_path / "copy-1", named=named)
    old_seen.remember(("Ana", "p", "lost"), {"take_id": "T-lost"})
    new_seen, new_ends = SeenTakes(tmp_path / "copy-2", named=named), TakeEnds(tmp_path / "copy-2", named=named)
    new_seen.remember(("Ana", "p", "lost"), {"take_id": "T-lost"})  # copied at its start
    old_seen.remember(("Ana", "p", "after"), {"take_id": "T-after"})  # after the new one's start
    old_seen.forget(("Ana", "p", "lost"), "T-lost")
    old_ends.write("p", {"take_id": "T-after", "recorder": "Ana", "status": "done"})
    new_seen.adopt(old_seen)
    assert new_ends.adopt("p", old_ends.rows()[0][1])
    for table in (old_seen, old_ends, new_seen, new_ends):
        table.close()
    again = SeenTakes(tmp_path / "copy-2")
    try:
        assert ("Ana", "p", "after") in again  # a retry is its duplicate
        assert ("Ana", "p", "lost") not in again  # a retry is stored anew
    finally:
        again.close()
    rows = TakeEnds(tmp_path / "copy-2")
    try:
        assert [row["take_id"] for _, row in rows.rows()] == ["T-after"]
    finally:
        rows.close()


def test_a_renamed_recorder_on_a_state_folder_that_cannot_be_made_keeps_the_phones_pairing(
        tmp_path: Path, spare_temp: Path, lockable_state: tuple[Path, Callable[[], None]]) -> None:
    """A state folder the system refuses to make: each start made a new certificate and pairing token, a live edit
    keeping them (same id). Renamed, the recorder made new ones: every phone paired this run lost it (a certificate
    warning, then 403) though nothing but the node's name changed."""
    parent, lock = lockable_state
    lock()
    state = parent / "recorder"  # cannot be made
    wav = encode_wav_pcm16(sine(), 48000)
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        spare = rec_of(engine)._spare
        assert spare is not None, engine.errors
        phone = Client(engine, spare / "recorder-cert.pem")  # the certificate this run made, accepted once
        assert phone.upload(wav, take_id="before-rename")[0] == 201
        assert engine.update(renamed(tmp_path, state)) is not None
        phone.port = rec_of(engine, "rec2").server.port
        after = phone.upload(wav, take_id="after-rename")  # the same page, its token, its accepted certificate
    finally:
        engine.stop()
    assert after[0] == 201, after
