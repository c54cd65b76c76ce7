"""The Live remote script against a stand-in of Live's object model, driven over real UDP by ``ableton_live``.

Live itself cannot run here: ``live_standin`` mimics the API the script uses (see docs/ableton.md).
"""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_ableton_remote.surface import RETRY_TICKS
from exsampling_patch.commands.ableton import default_remote_scripts
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive, sent_key
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track


def drive(surface: Any, node: AbletonLive, assignment: SlotAssignment, timeout: float = 5.0) -> tuple[str, list]:
    """Send one assignment and play Live's display timer until the script has answered."""
    node.replies.clear()
    node.on_assignment(assignment)
    deadline = time.monotonic() + timeout
    while not node.replies.is_set() and time.monotonic() < deadline:
        surface.update_display()
        time.sleep(0.005)
    assert node.last_reply is not None, "the script did not answer"
    return node.last_reply


@pytest.fixture
def rig(tmp_path: Path) -> Any:
    tracks = [Track("HH"), Track("Snare"), Track("Piano", midi=True, simpler=True), Track("Bass", midi=True),
              Track("Wind", version=11)]
    c_instance = CInstance(Song(tracks))
    surface = ableton_remote.ExSamplingSurface(c_instance, port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "fire": True, "folder": str(tmp_path / "live")}, context)
    node.start()
    take = write_take(sine_take(440.0), tmp_path / "knock.wav")
    yield tracks, surface, node, context, take
    node.stop()
    surface.disconnect()


def test_take_goes_into_the_first_clip_slot_of_the_track_named_after_its_slot(rig: Any) -> None:
    tracks, surface, node, context, take = rig
    address, args = drive(surface, node, SlotAssignment("Snare", take, "knock", 0.9))
    assert (address, args) == ("/exsampling/loaded", ["Snare", str(take.path), "clip_slot"])
    slot = tracks[1].clip_slots[0]
    assert slot.clip.file_path == str(take.path) and slot.clip.name == "knock" and slot.fired == 1
    assert tracks[0].clip_slots[0].clip is None
    # the next take replaces the clip
    address, _ = drive(surface, node, SlotAssignment("snare", take, "again", 0.9))
    assert address == "/exsampling/loaded" and slot.clip.name == "again"
    assert node.loaded == 2 and not context.errors


def test_a_label_that_is_only_the_slot_name_leaves_the_clip_and_status_bar_to_the_file(rig: Any) -> None:
    # fixed_slot (no classifier) labels a take with its slot: Live's status bar read "ExSampling: Snare <- Snare",
    # and each clip was renamed "Snare" over the file's name Live gives it.
    tracks, surface, node, _, take = rig
    c_instance = surface._c
    assert drive(surface, node, SlotAssignment("Snare", take, "snare", 1.0))[0] == "/exsampling/loaded"
    assert tracks[1].clip_slots[0].clip.name == ""  # the stand-in's name for Live's own (the file's)
    assert c_instance.messages[-1] == "ExSampling: Snare <- knock.wav"


def test_simpler_sample_is_replaced_on_a_midi_track(rig: Any) -> None:
    tracks, surface, node, _, take = rig
    assert drive(surface, node, SlotAssignment("Piano", take, "phone"))[1][2] == "simpler"
    assert tracks[2].devices[0].sample.file_path == str(take.path)


def test_a_redone_take_a_track_holds_already_is_not_loaded_nor_fired_again(tmp_path: Path) -> None:
    # Before, Live loaded it a second time and fired its clip again: Live had loaded it, but the node was gone (a
    # kill -9, a stop) before its answer was written in the sent log, so the take redone at the restart went again.
    tracks = [Track("HH"), Track("Piano", midi=True, simpler=True)]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    params = {"port": surface.port, "fire": True, "folder": str(tmp_path / "live")}
    take = write_take(sine_take(440.0), tmp_path / "knock.wav")
    take = take.derive(meta={"stored_at": str(take.path)})  # a source stored it: it is redone after a crash
    first = AbletonLive("live", params, NodeContext())
    first.start()
    for slot in ("HH", "Piano"):
        first.on_assignment(SlotAssignment(slot, take, "knock", 0.9))
    first.stop()  # gone before Live's display timer read the loads: their answers reach no node
    surface.update_display()
    clip = tracks[0].clip_slots[0].clip
    assert surface.loaded == 2 and clip is not None and tracks[0].clip_slots[0].fired == 1
    again = AbletonLive("live", params, NodeContext())
    again.start()
    try:
        redone = take.derive(meta={"recovered": True})
        for slot in ("HH", "Piano"):
            assert drive(surface, again, SlotAssignment(slot, redone, "knock", 0.9)) == (
                "/exsampling/loaded", [slot, str(take.path), "already"])
            assert again.sent is not None and sent_key(SlotAssignment(slot, redone, "knock", 0.9)) in again.sent
        assert surface.loaded == 2 and tracks[0].clip_slots[0].fired == 1 and tracks[0].clip_slots[0].clip is clip
        # A take assigned again in this run (not redone) is loaded again, as asked.
        assert drive(surface, again, SlotAssignment("HH", take, "twice", 0.9))[1][2] == "clip_slot"
        assert tracks[0].clip_slots[0].clip.name == "twice" and tracks[0].clip_slots[0].fired == 2
    finally:
        again.stop()
        surface.disconnect()


@pytest.mark.parametrize(("slot", "reason"), [
    ("Wind", "needs Live 12"),  # Live 11: no ClipSlot.create_audio_clip
    ("Bass", "MIDI track without a Simpler"),
    ("Chorus", "no track named 'Chorus'"),
])
def test_what_cannot_be_done_is_answered_with_a_clear_error(rig: Any, slot: str, reason: str) -> None:
    _, surface, node, context, take = rig
    address, args = drive(surface, node, SlotAssignment(slot, take))
    assert address == "/exsampling/error" and args[0] == slot and reason in args[1]
    assert reason in str(context.errors[-1])


def test_missing_file_and_garbage_are_errors_not_crashes(rig: Any, tmp_path: Path) -> None:
    _, surface, node, _, take = rig
    gone = take.derive(path=tmp_path / "gone.wav")
    assert "file not found" in drive(surface, node, SlotAssignment("HH", gone))[1][1]
    surface.handle(b"not osc at all", ("127.0.0.1", 9))  # answered to a dead port: no exception
    assert osc.decode(osc.encode("/x", ["a", 1, 2.5])) == ("/x", ["a", 1, 2.5])


def test_script_is_python_3_7_and_create_instance_works(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(ableton_remote.__file__).parent
    for file in folder.glob("*.py"):
        ast.parse(file.read_text(encoding="utf-8"), feature_version=(3, 7))
    monkeypatch.setenv("EXSAMPLING_LIVE_PORT", "0")  # Live would use 10600; tests never take fixed ports
    c_instance = CInstance(Song([]))
    surface = ableton_remote.create_instance(c_instance)
    try:
        assert surface.port > 0 and surface.can_lock_to_devices() is False
        assert f"port {surface.port}" in c_instance.messages[0]
    finally:
        surface.disconnect()


def test_a_port_taken_is_told_in_lives_status_bar_and_tried_again() -> None:
    # Before, create_instance raised "Address already in use" (ExSampling chosen in two Control Surface slots, another
    # program on the port): Live writes that to its Log.txt alone, and the patch could only ask whether ExSampling was
    # chosen as a Control Surface at all.
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    c_instance = CInstance(Song([Track("HH")]))
    surface = ableton_remote.ExSamplingSurface(c_instance, port=port)
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.settimeout(0.05)
    try:
        assert len(c_instance.messages) == 1 and c_instance.log == c_instance.messages
        assert c_instance.messages[0].startswith(f"ExSampling: UDP port {port} is taken (")
        assert "is ExSampling chosen in two Control Surface slots" in c_instance.messages[0]
        for _ in range(2 * RETRY_TICKS):  # still taken: told once
            surface.update_display()
        assert len(c_instance.messages) == 1
        holder.close()  # the other slot's script let it go
        for _ in range(RETRY_TICKS):
            surface.update_display()
        assert c_instance.messages[-1] == f"ExSampling: listening on UDP port {port}"
        probe.sendto(osc.encode("/exsampling/ping", [7]), ("127.0.0.1", port))
        for _ in range(100):
            surface.update_display()
            try:
                data = probe.recv(65536)
                break
            except TimeoutError:
                continue
        assert osc.decode(data) == ("/exsampling/pong", [ableton_remote.surface.VERSION, 7])
        # Version 1's pongs named no ping, version 2's errors no path: the node tells them old
        assert int(ableton_remote.surface.VERSION) > 2
    finally:
        surface.disconnect()
        holder.close()
        probe.close()


def test_a_port_that_cannot_be_listened_on_for_another_reason_is_not_said_taken() -> None:
    # Any error of the bind was told "UDP port ... is taken: is ExSampling chosen in two Control Surface slots?": a
    # port the system keeps from programs (Windows' reserved ranges), an address not this computer's, sent the
    # performer to look for a second ExSampling that was not there.
    c_instance = CInstance(Song([Track("HH")]))
    surface = ableton_remote.ExSamplingSurface(c_instance, port=10600, host="192.0.2.1")  # TEST-NET: not ours
    try:
        (told,) = c_instance.messages
        assert told.startswith("ExSampling: cannot listen on UDP 192.0.2.1:10600 ("), told
        assert "taken" not in told and "two Control Surface slots" not in told, told
        assert "EXSAMPLING_LIVE_PORT" in told and c_instance.log == [told]
    finally:
        surface.disconnect()


@pytest.mark.parametrize("value", ["10600x", "70000", "-1"])
def test_a_port_setting_that_names_no_port_is_told_in_lives_status_bar(monkeypatch: pytest.MonkeyPatch,
                                                                       value: str) -> None:
    # Raised from create_instance ("invalid literal for int()", "port must be 0-65535"): Live wrote it to its Log.txt
    # alone, nothing showed in Live, and the patch could only ask whether ExSampling was chosen at all.
    monkeypatch.setenv("EXSAMPLING_LIVE_PORT", value)
    c_instance = CInstance(Song([Track("HH")]))
    surface = ableton_remote.create_instance(c_instance)
    try:
        (told,) = c_instance.messages
        assert told.startswith(f"ExSampling: EXSAMPLING_LIVE_PORT is '{value}', no UDP port (0 to 65535): "), told
        assert c_instance.log == [told]
        for _ in range(2 * RETRY_TICKS):  # nothing to try again: told once
            surface.update_display()
        assert c_instance.messages == [told]
    finally:
        surface.disconnect()


def test_the_script_is_a_package_apart_that_needs_only_the_standard_library() -> None:
    """It runs inside Live's Python: nothing of ours (nor any third-party module) is there to import, and the
    core, which only copies it, does not carry it."""
    import exsampling_patch

    folder = Path(ableton_remote.__file__).parent
    assert not folder.is_relative_to(Path(exsampling_patch.__file__).parent)
    for file in folder.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names, f"{file.name}:{node.lineno} imports {name}"


def test_install_into_a_file_says_so_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "cannot install the remote script into notes.txt: [Errno 17] File exists: '.../notes.txt'".
    from exsampling_patch.cli import main

    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder")
    assert main(["ableton", "install", "--dest", str(notes)]) == 1
    assert capsys.readouterr().err == f"error: cannot install the remote script into {notes}: a file, not a folder\n"
    assert notes.read_text() == "not a folder"


def test_install_into_a_dest_that_was_not_there_says_it_was_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a misspelt --dest ("User Libary") was made and installed into without a word; Live never saw it.
    from exsampling_patch.cli import main

    (tmp_path / "User Library").mkdir()
    typo = tmp_path / "User Libary" / "Remote Scripts"
    assert main(["ableton", "install", "--dest", str(typo)]) == 0
    assert capsys.readouterr().err == (f"note: {typo} was not there and was made: Live reads remote scripts from the "
                                       "'Remote Scripts' folder of its User Library (Live's Settings > Library shows "
                                       "where that is)\n")
    assert main(["ableton", "install", "--dest", str(typo)]) == 0  # there now: installed again without a note
    assert capsys.readouterr().err == ""


def test_install_names_the_control_surface_by_its_folder_and_asks_for_a_restart(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, --name ExSamplingDev was told to choose 'ExSampling', and nothing said that a Live open lists (and runs)
    # what it read as it started: the new script was not in its list, or the old one went on running.
    from exsampling_patch.cli import main

    assert main(["ableton", "install", "--dest", str(tmp_path), "--name", "ExSamplingDev"]) == 0
    out = capsys.readouterr().out
    assert "Control Surface: choose 'ExSamplingDev' (no MIDI ports needed)" in out
    assert "Live reads remote scripts as it starts: if it is open, quit it and open it again." in out


def test_install_copies_the_script_and_says_where(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "exsampling_patch", "ableton", "install", "--dest", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "ExSampling"
    assert str(target) in done.stdout
    assert {p.name for p in target.glob("*.py")} == {"__init__.py", "osc.py", "surface.py"}
    mac = default_remote_scripts("darwin", Path("/home/x"))
    assert mac == Path("/home/x/Music/Ableton/User Library/Remote Scripts")
    assert default_remote_scripts("win32", Path("C:/U")).parts[-3:] == ("Ableton", "User Library", "Remote Scripts")
