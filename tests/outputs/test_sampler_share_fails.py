"""A take whose samples cannot be put in shared memory (the system refuses the file: out of memory, of
descriptors, over a limit), for the real audio process under the JACK dummy server.

Before: the node announced the take's file of its own, then failed to make it and took the error for a dead
process. The audio process, alive, waited for that file and read the next message as one: it crashed (the
sampler silent about a second, every slot re-sent) and the take was never told not loaded."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import host

from .helpers import sine_take
from .test_sampler_process import audio_process_sampler, wait_for


@contextmanager
def file_size_limit(nbytes: int) -> Iterator[None]:
    """Files of this process may not grow past ``nbytes``: a take's own file (memfd) is refused (EFBIG; Python
    ignores the SIGXFSZ that comes with it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@pytest.mark.jack
def test_a_take_that_cannot_be_shared_is_told_not_loaded_and_the_audio_process_plays_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second of samples: longer takes get files of their own
    with audio_process_sampler() as (sampler, context):
        short = sine_take(220.0, seconds=0.5, rate=48000)
        sampler.on_assign(SlotAssignment("HH", short))
        assert wait_for(lambda: sampler.sounding("HH") == short.take_id)
        process = sampler.audio.process
        assert process is not None

        refused, later = sine_take(330.0, seconds=3.0, rate=48000), sine_take(440.0, seconds=3.0, rate=48000)
        with file_size_limit(64 << 10):  # a 3 s take's file is 576 kB
            sampler.on_upcoming(refused)  # sent ahead: refused too, quietly (its assignment sends it again)
            sampler.on_assign(SlotAssignment("Snare", refused))
        why = "could not share its samples: [Errno 27] File too large"
        assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {why}")]
        assert context.errors == [f"{refused.name} not loaded into slot Snare: {why}"]
        assert sampler.slot_states()[1]["take"] is None and sampler.slot_states()[1]["history"] == []

        sampler.on_assign(SlotAssignment("Snare", later))  # the limit lifted: the same process takes the next one
        assert wait_for(lambda: sampler.sounding("Snare") == later.take_id), context.errors
        assert sampler.sounding("HH") == short.take_id
        sampler.note_on("Snare", 69, 127)
        assert wait_for(lambda: sampler.slot_states()[1]["level"] > 0.1)
        assert sampler.audio.process is process and process.poll() is None
        assert len(context.errors) == 1, context.errors


@pytest.mark.jack
def test_a_restarted_audio_process_gets_every_take_that_can_be_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-sending the slots to a new process: a take refused there is told not loaded, and the reader starts the
    process anyway with the others (the refusal ended the reader: no process was ever started again). The node's
    slot shows it empty (it showed the take, silent there, and a restart later re-sent nothing for it)."""
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)
    monkeypatch.setattr(host, "RESTART_SECONDS", 0.05)
    with audio_process_sampler() as (sampler, context):
        short, long = sine_take(220.0, seconds=0.5, rate=48000), sine_take(330.0, seconds=3.0, rate=48000)
        sampler.on_assign(SlotAssignment("HH", short))
        sampler.on_assign(SlotAssignment("Snare", long))  # a file of its own
        assert wait_for(lambda: sampler.sounding("Snare") == long.take_id)
        process = sampler.audio.process
        assert process is not None
        with file_size_limit(64 << 10):
            process.kill()
            assert wait_for(lambda: "restarted audio process" in "".join(map(str, context.errors[-1:])))
        why = ("the restarted audio process could not be sent it (could not share its samples: [Errno 27] File too "
               "large)")
        assert context.errors[-1] == f"{long.name} not loaded into slot Snare: {why}; the slot plays nothing"
        state = sampler.slot_states()[1]
        assert (state["take"], state["position"], state["history"]) == (None, -1, [long.take_id])  # kept: roll-back
        status = {"slot": "Snare", "take": "", "label": "", "skipped": long.take_id, "not_loaded": why}
        assert status in context.statuses
        assert wait_for(lambda: sampler.audio.opened.is_set()), context.errors
        assert wait_for(lambda: sampler.sounding("HH") == short.take_id)
        assert sampler.sounding("Snare") is None  # not in the new process
        sampler.on_assign(SlotAssignment("Snare", long))  # sent again once it can be
        assert wait_for(lambda: sampler.sounding("Snare") == long.take_id)
