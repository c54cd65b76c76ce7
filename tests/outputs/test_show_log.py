"""The show log of ``exsampling run`` (runtime/showlog.py) and ``exsampling replay`` of it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from exsampling_patch.cli import main
from exsampling_patch.nodes.sampler.replay import read_show

RATE = 48000


def _patch(tmp: Path, takes: Path, slots: str = "[HH, Snare]", name: str = "show.yaml") -> Path:
    patch = tmp / name
    patch.write_text(f"""exsampling_patch: 1
name: show test
nodes:
- id: inbox
  type: folder_source
  params: {{folder: {takes}, include_existing: true, poll_interval: 0.02}}
- id: slots
  type: fixed_slot
  params: {{mode: round_robin, slots: [HH, Snare]}}
- id: sampler
  type: sampler
  params: {{device: none, virtual_port: '', slots: 2, slot_names: {slots}, sample_rate: {RATE}}}
- id: groove
  type: pattern
  params: {{tempo: 240.0, slots: [HH, Snare], patterns: {{HH: 'x...', Snare: '..x.'}}, lookahead_ms: 50.0}}
links:
- inbox.take -> slots.take
- slots.assignment -> sampler.assign
- groove.midi -> sampler.midi
""")
    return patch


def _takes(tmp: Path) -> Path:
    takes = tmp / "takes"
    takes.mkdir()
    t = np.arange(RATE // 4) / RATE
    soundfile.write(takes / "a.wav", (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), RATE)
    soundfile.write(takes / "b.wav", (0.3 * np.sign(np.sin(2 * np.pi * 110 * t))).astype(np.float32), RATE)
    return takes


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], Path]:
    tmp = tmp_path_factory.mktemp("show")
    takes = _takes(tmp)
    patch = _patch(tmp, takes)
    assert main(["run", str(patch), "--for", "2.5", "--log", "-", "-q"]) == 0
    logs = sorted((tmp / "shows").glob("*.jsonl"))  # default: beside the take folder
    assert len(logs) == 1, logs
    return logs[0], read_show(logs[0]), tmp


def test_run_writes_a_show_log_beside_its_takes(show: tuple[Path, list[dict], Path]) -> None:
    path, lines, _tmp = show
    assert lines[0]["event"] == "show" and lines[0]["nodes"]["sampler"]["type"] == "sampler"
    by: dict[str, list[Any]] = {}
    for line in lines:
        by.setdefault(line["event"], []).append(line)
    takes = by["take"]
    assert sorted(Path(t["path"]).name for t in takes) == ["a.wav", "b.wav"]
    for take in takes:
        assert take["sha256"] == hashlib.sha256(Path(take["path"]).read_bytes()).hexdigest()
    assert sorted(a["slot"] for a in by["assign"]) == ["HH", "Snare"]
    for given in by["sampler_take"]:  # the exact audio the sampler got, beside the log
        audio = path.parent / given["file"]
        assert given["sha256"] == hashlib.sha256(audio.read_bytes()).hexdigest()
        source = next(t for t in takes if t["take_id"] == given["take_id"])
        np.testing.assert_array_equal(soundfile.read(audio, dtype="float32")[0],
                                      soundfile.read(source["path"], dtype="float32")[0])
    assert sorted(load["slot"] for load in by["load"]) == ["HH", "Snare"]
    assert {f["fate"] for f in by["fate"]} == {"slot"}
    midi = [m for m in by["midi"] if m["type"] == "note_on"]
    assert len(midi) >= 4 and all(m["sampler"] == "sampler" and "due" in m for m in midi)
    assert {m["channel"] for m in midi} == {0, 1}


def test_show_log_none_writes_nothing(tmp_path: Path) -> None:
    takes = _takes(tmp_path)
    patch = _patch(tmp_path, takes)
    assert main(["run", str(patch), "--for", "0.3", "--log", "-", "-q", "--show-log", "none"]) == 0
    assert not (tmp_path / "shows").exists()


def test_a_show_log_given_again_is_not_appended_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a show restarted with the same --show-log FILE was appended to the first one's log, and replay read
    # the two shows as one, their times overlapping; a FILE that was another file (a take) was appended to too.
    patch = tmp_path / "empty.yaml"
    patch.write_text("exsampling_patch: 1\nname: empty\nnodes: []\nlinks: []\n", encoding="utf-8")
    log = tmp_path / "tonight.jsonl"
    for _ in range(2):
        assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", str(log)]) == 0
    err = capsys.readouterr().err
    assert f"show log: {tmp_path / 'tonight-2.jsonl'} ({log} is there already, kept as it is)" in err, err
    for path in (log, tmp_path / "tonight-2.jsonl"):
        assert [line["event"] for line in read_show(path)] == ["show", "stopping"], path


def _onsets(lines: list[dict], channel: int) -> list[float]:
    loads = [line["t"] for line in lines if line["event"] == "load"]
    return [m["due"] for m in lines if m["event"] == "midi" and m["type"] == "note_on" and m["channel"] == channel
            and m["due"] > max(loads) + 0.01]


def test_replay_renders_the_notes_at_their_times(show: tuple[Path, list[dict], Path], tmp_path: Path) -> None:
    path, lines, _tmp = show
    out = tmp_path / "show.wav"
    assert main(["replay", str(path), "--out", str(out)]) == 0
    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == RATE
    for channel, peak in ((0, 0.5), (1, 0.3)):  # HH holds the sine (0.5), Snare the square (0.3)
        onsets = _onsets(lines, channel)
        assert onsets
        for due in onsets:
            at = round(due * rate)
            assert np.abs(audio[at - int(0.02 * rate): at]).max() < 1e-6  # silent before the note
            sound = np.flatnonzero(np.abs(audio[at: at + int(0.02 * rate)]) > 1e-4)
            assert sound.size and sound[0] <= 2, (due, sound[:3])  # it starts at its frame
            level = np.abs(audio[at: at + int(0.02 * rate)]).max()
            assert level == pytest.approx(peak * 110 / 127, rel=0.05)


def test_replay_loads_the_logged_slots(show: tuple[Path, list[dict], Path]) -> None:
    from exsampling_patch.nodes.sampler import Sampler

    path, lines, _tmp = show
    loaded: list[tuple[str, str]] = []
    Sampler.render_show(Sampler, lines, path.parent, on_assign=lambda t, slot, take: loaded.append(
        (slot, take)))
    assert sorted(loaded) == sorted((line["slot"], line["take_id"]) for line in lines if line["event"] == "load")


def test_replay_through_another_patch(show: tuple[Path, list[dict], Path], tmp_path: Path) -> None:
    path, lines, tmp = show
    other = _patch(tmp_path, tmp / "takes", slots="[Snare, HH]", name="other.yaml")  # channel 1 plays HH now
    out = tmp_path / "other.wav"
    assert main(["replay", str(path), "--out", str(out), "--patch", str(other)]) == 0
    audio, rate = soundfile.read(out, dtype="float32")
    for channel, peak in ((0, 0.3), (1, 0.5)):
        for due in _onsets(lines, channel):
            at = round(due * rate)
            assert np.abs(audio[at: at + int(0.02 * rate)]).max() == pytest.approx(peak * 110 / 127, rel=0.05)


@pytest.mark.parametrize("odd", ["\u2028", "\u2029", "\x85"])
def test_read_show_keeps_a_line_whose_text_has_a_line_separator(tmp_path: Path, odd: str) -> None:
    """A phone can name a take anything: the log writes such text as is (ensure_ascii=False), and Python's
    ``str.splitlines()`` also breaks lines at U+2028, U+2029 and U+0085, so each line is read up to its "\\n"."""
    from exsampling_patch.messages import Prediction, Score
    from exsampling_patch.messages import Take as TakeMessage
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.events import MessageHop
    from exsampling_patch.runtime.showlog import ShowLog

    patch = Patch(nodes={"inbox": NodeSpec("inbox", "folder_source"), "classify": NodeSpec("classify", "classify")},
                  name=f"show{odd}test")
    name = f"kick{odd}take.wav"
    audio = tmp_path / name
    soundfile.write(audio, np.zeros(480, np.float32), RATE)
    take = TakeMessage(np.zeros(480, np.float32), RATE, take_id=f"kick{odd}1", path=audio)
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=["inbox"], samplers=[])
    show(MessageHop("inbox", port="take", target="classify", target_port="take", message=take))
    show(MessageHop("classify", port="prediction", target="slots", target_port="prediction",
                    message=Prediction(take, (Score(f"snare{odd}drum", 0.9),))))
    show.close()

    lines = read_show(tmp_path / "show.jsonl")
    assert [line["event"] for line in lines] == ["show", "take", "prediction"]
    assert lines[0]["name"] == f"show{odd}test"
    assert lines[1]["path"] == str(audio) and lines[1]["take_id"] == f"kick{odd}1"
    assert lines[2]["label"] == f"snare{odd}drum" and lines[2]["scores"] == [[f"snare{odd}drum", 0.9]]


def test_replay_reads_a_show_log_cut_short_by_a_kill(show: tuple[Path, list[dict], Path], tmp_path: Path) -> None:
    """A kill -9 or a power cut mid-write leaves the last line cut short: replay refused the whole show ("Unterminated
    string ..."), the show one most wants to hear again. The line cut short is left out; a line garbled anywhere
    else is still refused."""
    path, lines, _tmp = show
    whole = path.read_text(encoding="utf-8")
    cut = path.with_name("cut.jsonl")  # beside the show's audio
    cut.write_bytes(whole.encode() + '{"event": "take", "t": 9.1, "source": "Zo\u00eb'.encode()[:-1])  # mid-character
    assert read_show(cut) == lines
    assert main(["replay", str(cut), "--out", str(tmp_path / "cut.wav")]) == 0
    assert main(["replay", str(path), "--out", str(tmp_path / "whole.wav")]) == 0
    assert np.array_equal(soundfile.read(tmp_path / "cut.wav")[0], soundfile.read(tmp_path / "whole.wav")[0])
    garbled = path.with_name("garbled.jsonl")
    garbled.write_text('{"event": "midi", "t": 9.1, "sam\n' + whole, encoding="utf-8")
    with pytest.raises(ValueError):
        read_show(garbled)


def test_a_take_recovered_from_the_last_run_says_so_in_the_log(tmp_path: Path) -> None:
    """A take stored by a killed run and passed on again at the next start was logged as any take of this show:
    nothing told the reader (or a script counting the show's takes) that it was recorded before the show began."""
    from exsampling_patch.messages import Take as TakeMessage
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.events import MessageHop
    from exsampling_patch.runtime.showlog import ShowLog

    patch = Patch(nodes={"rec": NodeSpec("rec", "web_recorder"), "trim": NodeSpec("trim", "trim")})
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=["rec"], samplers=[])
    last_run = TakeMessage(np.zeros(480, np.float32), RATE, take_id="old", meta={"recovered": True})
    this_run = TakeMessage(np.zeros(480, np.float32), RATE, take_id="new")
    for take in (last_run, this_run):
        show(MessageHop("rec", port="take", target="trim", target_port="take", message=take))
    show.close()
    takes = [line for line in read_show(tmp_path / "show.jsonl") if line["event"] == "take"]
    assert [(line["take_id"], line["recovered"]) for line in takes] == [("old", True), ("new", False)]


def test_an_error_line_says_where_and_during_what(tmp_path: Path) -> None:
    """The console named the plugin's line that raised (and the method); the show log kept the error text alone."""
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.events import NodeError
    from exsampling_patch.runtime.showlog import ShowLog

    show = ShowLog(tmp_path / "show.jsonl", Patch(nodes={"rev": NodeSpec("rev", "reverse")}), sources=[], samplers=[])
    show(NodeError("rev", error="OSError: device gone", where="/my-nodes/rev.py:12 in _close", during="stop"))
    show.close()

    (error,) = [line for line in read_show(tmp_path / "show.jsonl") if line["event"] == "error"]
    assert error["where"] == "/my-nodes/rev.py:12 in _close" and error["during"] == "stop"
    assert error["node"] == "rev" and error["port"] is None


def test_a_sampler_take_file_keeps_the_combining_marks_of_its_take_id(tmp_path: Path) -> None:
    """The audio a sampler got is written under its take id's name as exsampling_patch.takes.file_stem gives it:
    the show log had a rule of its own, which turned combining marks (a Devanagari vowel sign, a decomposed
    diaeresis) into "_"; other characters a file name cannot hold still become "_"."""
    from exsampling_patch.messages import SlotAssignment
    from exsampling_patch.messages import Take as TakeMessage
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.events import MessageHop
    from exsampling_patch.runtime.showlog import ShowLog

    patch = Patch(nodes={"slots": NodeSpec("slots", "fixed_slot"), "sampler": NodeSpec("sampler", "sampler")})
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=["sampler"])
    samples = (0.25 * np.sin(np.arange(480) / 7.0)).astype(np.float32)
    take = TakeMessage(samples, RATE, take_id="Zoe\u0308 / \u0915\u093f?*1")
    show(MessageHop("slots", port="assignment", target="sampler", target_port="assign",
                    message=SlotAssignment("HH", take)))
    show.close()

    (given,) = [line for line in read_show(tmp_path / "show.jsonl") if line["event"] == "sampler_take"]
    assert given["file"] == "show/Zoe\u0308___\u0915\u093f__1.wav", given["file"]
    audio = tmp_path / given["file"]
    assert given["sha256"] == hashlib.sha256(audio.read_bytes()).hexdigest()
    np.testing.assert_array_equal(soundfile.read(audio, dtype="float32")[0], samples)
