"""A take whose file the sampler's real audio process (JACK dummy server) cannot receive: it has no descriptor to
spare (``resource.prlimit``); and a take assigned after the sampler's stop.

Before: the process took the failed receive for the node's end and exited, and was started again a second later
(the show silent meanwhile, every slot sent again). Where it lived on (a file not mapped), the take had been told
loaded, its slot showed it and kept it in its history while the take before it played, and the console said "the
take for slot 1 could not be loaded", naming no take. A take assigned after the stop was told loaded, sent nowhere.
"""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.context import NodeContext
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler.answers import ENDED_FIRST, Answer, LoadBook, put_back, settle
from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from exsampling_patch.nodes.sampler.slots import SlotRecord
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus, TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.showlog import ShowLog
from exsampling_patch.takes import write_take
from tests.sampler_start import opened_or_told

from .helpers import sine_take
from .test_sampler_damaged_message import running_audio_process
from .test_sampler_process import audio_process_sampler, wait_for
from .test_sampler_staged_lost import no_descriptor_to_spare

NOT_RECEIVED = "its file could not be received: the audio process has no file descriptor to spare"


def slot_statuses(context: NodeContext) -> list[dict[str, Any]]:
    """The statuses that name a slot's take (those the show log writes a load line from, but a skipped one's)."""
    return [status for status in context.statuses if "slot" in status and "take" in status]


@pytest.mark.jack
def test_a_take_its_audio_process_cannot_receive_is_not_loaded_and_the_slot_shows_what_plays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second: a 3 s take is sent in a file of its own
    with audio_process_sampler() as (sampler, context):
        process = sampler.audio.process
        assert process is not None
        first, lost, third = (sine_take(hz, seconds=3.0, rate=48000) for hz in (220.0, 330.0, 440.0))
        sampler.on_assign(SlotAssignment("Snare", first))
        assert wait_for(lambda: sampler.sounding("Snare") == first.take_id), context.errors
        with no_descriptor_to_spare(process.pid):
            sampler.on_assign(SlotAssignment("Snare", lost))
            assert wait_for(lambda: bool(context.fates)), context.errors
        assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {NOT_RECEIVED}")]
        assert context.errors == [f"{lost.name} not loaded into slot Snare: {NOT_RECEIVED}; the slot plays "
                                  f"{first.name}"]
        # Before: "loaded" and the slot's status (the show log's load line) went for the lost take as it was sent.
        assert [message.take for port, message in context.emitted if port == "loaded"] == [first]
        assert [status["take"] for status in slot_statuses(context)] == [first.take_id, first.take_id]
        assert slot_statuses(context)[-1] == {"slot": "Snare", "take": first.take_id, "label": "",
                                              "skipped": lost.take_id, "not_loaded": NOT_RECEIVED}
        # The editor's line for the node says it as the console does; before: "skipped: slot Snare", as if locked.
        observer = RuntimeObserver()
        for status in context.statuses:
            observer.on_event(NodeStatus("smp", status))
        observer.apply()
        assert live_text(observer.nodes["smp"]) == f"not loaded into slot Snare: {NOT_RECEIVED}"
        snare = sampler.slot_states()[1]
        assert (snare["take"], snare["history"], snare["position"]) == (first.take_id, [first.take_id], 0)
        assert sampler.sounding("Snare") == first.take_id
        assert sampler.audio.buffers[1].take is first  # what a restarted process would be sent
        assert sampler.audio.process is process  # the same process: it lived on

        sampler.on_assign(SlotAssignment("Snare", third))  # the messages after it in step
        assert wait_for(lambda: sampler.sounding("Snare") == third.take_id), context.errors
        assert sampler.slot_states()[1]["history"] == [first.take_id, third.take_id]
        assert wait_for(lambda: len(context.emitted) == 2)
        assert [message.take for _, message in context.emitted] == [first, third]
        assert slot_statuses(context)[-1]["take"] == third.take_id
        assert len(context.fates) == 1 and len(context.errors) == 1 and sampler.audio.process is process


@pytest.mark.jack
def test_the_take_end_says_not_loaded_and_the_console_names_the_take(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    ended: list[TakeEnded] = []
    engine.events.subscribe(StageConsole(patch, err=err), TakeEnded, NodeStatus)
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    first, lost = (write_take(sine_take(hz, seconds=3.0, rate=48000), tmp_path / f"knock{hz:.0f}.wav")
                   for hz in (220.0, 330.0))
    try:
        sampler: Any = engine.node("smp")
        assert opened_or_told(sampler.audio, lambda: engine.errors), engine.errors
        engine.inject("smp", "assign", SlotAssignment("Snare", first, "knock", 0.9))
        assert wait_for(lambda: len(ended) == 1)
        process = sampler.audio.process
        with no_descriptor_to_spare(process.pid):
            engine.inject("smp", "assign", SlotAssignment("Snare", lost, "knock", 0.9))
            assert wait_for(lambda: len(ended) == 2)
        time.sleep(0.2)  # a second end of either would come now
    finally:
        engine.stop()
    told = f"slot Snare, not loaded into sampler 'smp': {NOT_RECEIVED}"
    assert [end.reason for end in ended] == ["slot Snare", told]  # before: "slot Snare", the take told loaded
    lines = [line for line in err.getvalue().splitlines() if lost.name in line]
    assert len(lines) == 1 and told in lines[0], err.getvalue()
    assert sampler.audio.process is None or sampler.audio.process.pid == process.pid


@pytest.mark.jack
def test_a_take_assigned_after_the_stop_is_not_loaded() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
    finally:
        sampler.stop()
    take = sine_take(330.0, seconds=0.5, rate=48000)
    sampler.on_assign(SlotAssignment("Snare", take))  # a worker still draining the sampler's queue at the stop
    assert context.fates == [("not_loaded", "not loaded into sampler 'smp': the sampler has stopped")]
    assert context.emitted == [] and sampler.slot_states()[1]["take"] is None


def test_a_process_that_ended_before_answering_leaves_each_take_it_was_sent_told() -> None:
    """The process ended with two takes of one slot sent and not answered: the later one is sent again to the next
    process (its answer says), the earlier one ends not loaded; an answer of the ended process to the later one is
    not taken for the next one's."""
    book = LoadBook()
    first, second, third = (SlotBuffer(np.zeros(8, np.float32), 4, 0.0, take=sine_take(hz, 0.1), serial=serial)
                            for serial, hz in ((1, 220.0), (2, 330.0), (3, 440.0)))
    buffers = {0: first}
    book.asked(0, first, epoch=0, position=1)
    assert book.answered(0, 0, 1, "", buffers) == Answer(0, first)
    book.asked(0, second, epoch=0, position=2)
    buffers[0] = third
    book.asked(0, third, epoch=0, position=3)
    book.asked(0, third, epoch=1, position=1)  # the restart sends every slot's take again
    assert book.answered(0, 0, 3, "", buffers) is None  # the ended process's word: not the new one's
    assert book.restarted(1, buffers) == [Answer(0, second, ENDED_FIRST, None)]
    assert book.answered(1, 0, 3, "a slot it does not have", buffers) == Answer(0, third, "a slot it does not have")
    assert buffers == {}  # the new process holds nothing there: nothing is sent again for it
    assert book.stopped(buffers) == []


def test_a_take_not_loaded_leaves_the_slot_on_the_take_it_plays() -> None:
    takes = [sine_take(hz, 0.1) for hz in (220.0, 330.0, 440.0)]
    played, lost, later = (SlotBuffer(np.zeros(8, np.float32), 4, 0.0, take=take, serial=serial)
                           for serial, take in enumerate(takes, 1))
    record = SlotRecord("HH")
    for take in takes:
        record.push(take, None, 8)
    shown = [later]  # a later take sent meanwhile: the slot shows it still
    assert not put_back(record, shown, 0, Answer(0, lost, "why", played), pushed=True)
    assert shown == [later] and [t for t, _ in record.history] == [takes[0], takes[2]] and record.position == 1
    shown = [lost]
    record.push(takes[1], None, 8)
    assert put_back(record, shown, 0, Answer(0, lost, "why", played), pushed=True)
    assert shown == [played] and [t for t, _ in record.history] == [takes[0], takes[2]] and record.position == 0


def test_a_hung_audio_process_is_told_its_takes_not_loaded_and_loaded_after_all_once_it_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: a process stopped (SIGSTOP) or hung left every take sent to it open, unanswered, and the console
    silent, for as long as it lasted."""
    monkeypatch.setattr(host, "ANSWER_SECONDS", 0.5, raising=False)  # (raising: the test run without the fix)
    answers: list[Answer] = []
    with running_audio_process(monkeypatch, device="none") as (audio, errors):
        audio.on_answer = answers.append
        process = audio.process
        assert process is not None
        first, second = (SlotBuffer(np.full(4800, 0.1, np.float32), 4800, 440.0, take=sine_take(hz, 0.1),
                                    serial=serial) for serial, hz in ((1, 220.0), (2, 330.0)))
        audio.load(0, first)
        assert wait_for(lambda: answers == [Answer(0, first)]), errors
        os.kill(process.pid, signal.SIGSTOP)
        try:
            audio.load(0, second)
            assert wait_for(lambda: len(answers) == 2), errors
            assert answers[1] == Answer(0, second, "the audio process did not answer within 0.5 s", first)
            assert audio.buffers[0] is first  # what a restarted process would be sent: what it said it plays
            assert len(errors) == 1 and errors[0].startswith("the sampler's audio process is not answering"), errors
        finally:
            os.kill(process.pid, signal.SIGCONT)
        assert wait_for(lambda: len(answers) == 3), errors
        late = answers[2]
        assert (late.slot, late.buffer, late.why) == (0, second, "") and late.late > 0.0  # loaded after all
        assert audio.buffers[0] is second  # sent again at a restart
        assert len(errors) == 1 and audio.process is process
    assert len(answers) == 3  # not told a second time at the stop


def test_a_take_loaded_after_all_shows_in_its_slot_again_and_is_not_ended_twice() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "device": "none"}, context)
    sampler.start()
    try:
        first, second = (sine_take(hz, 0.2) for hz in (220.0, 330.0))
        sampler.on_assign(SlotAssignment("Snare", first))
        sampler.on_assign(SlotAssignment("Snare", second))
        sent = sampler.buffers[1]
        # told not loaded for want of an answer (as answers.settle does with the host's overdue answer)...
        settle(sampler, Answer(1, sent, "the audio process did not answer within 3 s"))
        assert sampler.slot_states()[1]["take"] is None  # what it said it played: nothing
        settle(sampler, Answer(1, sent, late=4.0))  # ...and its late word
        snare = sampler.slot_states()[1]
        assert (snare["take"], snare["history"][-1], snare["position"]) == (second.take_id, second.take_id, 1)
        assert context.statuses[-1] == {"slot": "Snare", "take": second.take_id, "label": "", "warning": (
            f"{second.name} was loaded into slot Snare after all, 4.0 s after it was sent (its end said not loaded)"),
            "loaded_after_all": second.take_id}  # the run's summary counts it loaded
    finally:
        sampler.stop()


def test_the_status_of_a_take_the_audio_process_refused_writes_no_load_to_the_show_log(tmp_path: Path) -> None:
    """It names what the slot plays: written as a load, a replay loaded that take again (a swap the show never had)."""
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {}))
    log = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=["smp"])
    try:
        assert log._lines(NodeStatus("smp", {"slot": "Snare", "take": "played", "label": "", "skipped": "lost"})) == []
        assert [line["take_id"] for line in log._lines(NodeStatus("smp", {"slot": "Snare", "take": "played"}))] == [
            "played"]
    finally:
        log.close()
