"""ableton_max stopped while its sender cannot send (another run of a patch holds its folder): nothing goes to Live
after the stop; the takes it had been handed are kept beside the sent log and go, once, at the next start, and
the stop summary says so.

Before, the stalled sender outlived the patch and sent them whenever the other run let go of the folder: takes
reaching Live minutes after the show was stopped, the performer long gone on."""

from __future__ import annotations

import fcntl
import signal
import socket
from pathlib import Path

from exsampling_patch.commands.run import unsent_counts, unsent_text
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.osc_outbox import QUIET_SECONDS, Outbox, bundle_key, unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import SLOT
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.stop_news import cut_off_news, kept_takes

from .helpers import (
    folder_held_by_another_run,
    live_beside,
    live_device,
    live_settings,
    receive_all,
    short_take,
)
from .test_osc_outbox_held import labels


def run_of(patch: Patch) -> Engine:
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    return engine


def test_takes_a_stalled_sender_holds_at_the_stop_go_at_the_next_start_not_after_the_stop(tmp_path: Path) -> None:
    with live_device() as receiver:  # Live's device
        settings, log = live_settings(receiver, tmp_path)
        take = short_take(tmp_path).derive(meta={"stored_at": 1.0})
        patch = Patch()
        patch.add_node(NodeSpec("live", "ableton_max", settings))
        slots = ["one", "two"]
        with folder_held_by_another_run(log) as other_run:
            engine = run_of(patch)
            for slot in slots:
                engine.inject("live", "assignment", SlotAssignment(slot, take))
            assert engine.wait_idle(5, settle=0.05)
            engine.stop()
            assert engine.status["live"]["unsent"] == 2
            assert unsent_text(unsent_counts(engine)) == "; 2 takes not sent to Live by 'live', kept for its next start"
            # Told by the output alone: the take, still in flight, was told cut off by its source as well.
            assert cut_off_news(engine.ledger, engine.errors, patch, engine.registry) == []
            assert unsent_path(log).stat().st_size > 0
            fcntl.flock(other_run, fcntl.LOCK_UN)  # the other run lets go
        assert receive_all(receiver, quiet=QUIET_SECONDS) == []  # the stopped run sends nothing
        assert not log.exists()

        again = run_of(patch)  # the next start sends them, in order, once
        try:
            assert labels(receive_all(receiver, first=10.0)) == slots
        finally:
            again.stop()
        assert again.status["live"]["unsent"] == 0 and unsent_text(unsent_counts(again)) == ""
        assert not unsent_path(log).exists()
        assert log.read_text(encoding="utf-8") == "".join(f"{bundle_key(take.take_id, s)}\n" for s in slots)
        third = run_of(patch)  # nothing is kept any more: nothing goes again
        third.stop()
        assert receive_all(receiver, quiet=0.5) == []


class SilentSampler(Node):
    """Keeps each take open for good, as a sampler whose audio process never answers, and says so in its error."""

    type_name = "t_silent_sampler"
    assignment = Input(SLOT, "takes")

    def on_assignment(self, assignment: SlotAssignment) -> None:
        self.keep_open(assignment)
        self.report_error("its audio process did not answer")


def test_a_take_kept_unsent_by_live_is_still_told_by_the_sampler_that_kept_it_too(tmp_path: Path) -> None:
    """One take fanned out to Live, which kept it unsent at the stop, and to a sampler still keeping it then: the
    stop said only "not sent to Live by 'live'", the sampler's sentence gone with the by-source one."""
    with live_device() as receiver:
        registry, patch, log = live_beside(receiver, tmp_path, SilentSampler, "sampler")
        take = short_take(tmp_path)
        with folder_held_by_another_run(log):
            engine = Engine(registry, workers=1, pin_workers=False)
            engine.start(patch)
            for node_id in ("live", "sampler"):  # the same take to both, as a source linked to both sends it
                engine.inject(node_id, "assignment", SlotAssignment("one", take))
            assert engine.wait_idle(5, settle=0.05)
            engine.stop()
            assert unsent_text(unsent_counts(engine)) == "; 1 take not sent to Live by 'live', kept for its next start"
            said = ["1 take kept by 'sampler' (its audio process did not answer)"]
            # The editor's Stop reads the ledger itself; the console's summary hands it kept_takes: they agree.
            assert cut_off_news(engine.ledger, engine.errors, patch, registry) == said
            assert cut_off_news(engine.ledger, engine.errors, patch, registry, kept_takes(engine.ledger)) == said


def test_takes_kept_by_a_live_edit_go_on_in_the_same_run_and_the_summary_says_none(tmp_path: Path) -> None:
    """A live edit rebuilds the node while its sender waits: the old node's stop keeps the takes, the new node's
    start hands them over (they go once the folder is free). Its status kept the old stop's count: the summary
    said they were not sent."""
    with live_device() as receiver:
        params, log = live_settings(receiver, tmp_path)
        take = short_take(tmp_path)
        patch = Patch()
        patch.add_node(NodeSpec("live", "ableton_max", params))
        edited = Patch()
        edited.add_node(NodeSpec("live", "ableton_max", {**params, "default_pitch": 440.0}))
        with folder_held_by_another_run(log) as other_run:
            engine = run_of(patch)
            try:
                engine.inject("live", "assignment", SlotAssignment("one", take))
                assert engine.wait_idle(5, settle=0.05)
                assert engine.update(edited) is not None
                assert engine.status["live"]["unsent"] == 0  # handed to the new node's sender
                fcntl.flock(other_run, fcntl.LOCK_UN)
                assert labels(receive_all(receiver, first=10.0)) == ["one"]
            finally:
                engine.stop()
        assert unsent_text(unsent_counts(engine)) == "" and not unsent_path(log).exists()


def test_a_sender_stalled_with_the_folder_its_own_is_ended_at_the_close(tmp_path: Path) -> None:
    """A sender that holds the folder but does not drain in time (stopped here): ended, what it held kept."""
    log = tmp_path / ".sent-live.txt"
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    with live_device() as receiver:
        outbox.start()
        assert outbox._ready.wait(10)
        sender = outbox._process
        assert sender is not None
        sender.send_signal(signal.SIGSTOP)
        outbox.send(receiver.getsockname(), socket.AF_INET, b"late", "t1\tHH")
        assert outbox.close(timeout=0.2) == 1
        assert sender.poll() is not None  # ended: continued, it would have sent it
        assert receive_all(receiver, quiet=0.3) == [] and not errors
        again = Outbox(log, errors.append)
        assert again.start((socket.AF_INET, receiver.getsockname())) == 1
        assert receive_all(receiver, first=10.0) == [b"late"]
        assert again.close() == 0 and not unsent_path(log).exists() and not errors
