"""`exsampling classify --patch` through a node that answers from a thread of its own (its queue, an executor's):
waited for while the running patch would pass the take on, said plainly when it never does, and what comes out late
(another file's take, a fate told of one file) not taken as the next file's; each against the slot the running patch
(the engine) gives the same take. The helpers that write and run the patches are test_classify_patch_routes.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.commands.classify_chain import Outcome, PatchChain
from exsampling_patch.takes import read_take
from tests.nodes.test_classify_patch_cli import BELLS, DOG, exsampling_here, rows_of, short_sounds
from tests.nodes.test_classify_patch_routes import clips, first_plugin_patch, running_slot


def run_chain(patch: Path, files: list[Path], late_seconds: float) -> tuple[list[tuple[Path, Outcome]], list[str]]:
    """``files`` run through ``patch``'s chain as ``exsampling classify --patch`` runs them, with its wait for a
    node's own thread (2 s) at ``late_seconds``, for a test whose node passes no take on in it: each such file waited
    the whole 2 s. Each outcome with its file, and what was told late (the command's notes)."""
    chain = PatchChain(patch, late_seconds=late_seconds)
    chain.start()
    try:
        told = [(path, outcome) for path in files for outcome in chain.run(read_take(path).derive(take_id=path.name))]
        return told, list(chain.late)
    finally:
        chain.stop()


LATER = '''import queue

from exsampling_patch import TAKE, Input, Node, Output, Param


class Later(Node):
    """Pass each take on from a thread of its own (a plugin's queue); or, with keep, never."""

    type_name = "later"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, passed on from the node's thread")
    keep = Param(bool, False, "keep every take")

    def start(self):
        self._queue = queue.Queue()
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                take = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if not self.keep:
                self.emit("out", take)

    def on_take(self, take):
        self._queue.put(take)
'''


def test_a_node_that_passes_takes_on_from_its_own_thread_is_waited_for(esc50: Path, tmp_path: Path) -> None:
    # Its take came after its handler returned: classify said "dropped by later" where the running patch played it.
    patch = first_plugin_patch(tmp_path, "later", LATER, {"id": "later", "type": "later"})
    dog = esc50 / "audio" / DOG
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(dog), "--json"))
    assert (row["slot"], row["reason"]) == ("Bass", None)
    assert running_slot(patch, read_take(dog).derive(take_id=DOG), first="later") == "Bass"
    # One that never passes it on: said plainly, not as a drop the node decided on.
    patch = first_plugin_patch(tmp_path, "later", LATER, {"id": "later", "type": "later", "params": {"keep": True}})
    ((_, kept),), _ = run_chain(patch, [dog], 0.5)  # no take comes at all
    assert kept.slot is None and kept.reason == ("no take from later within 0.5 s: it answers from a thread of its "
                                                 "own, later or not at all, and classify cannot follow it further")


POOLED = '''import time
from concurrent.futures import ThreadPoolExecutor

from exsampling_patch import TAKE, Input, Node, Output


class Pooled(Node):
    """Pass each take on from a thread of its own executor (not run_thread), a moment after its handler returned."""

    type_name = "pooled"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, passed on from the executor's thread")

    def start(self):
        self._pool = ThreadPoolExecutor(max_workers=1)

    def stop(self):
        self._pool.shutdown(wait=False)

    def on_take(self, take):
        self._pool.submit(self._later, take)

    def _later(self, take):
        time.sleep(0.2)
        self.emit("out", take)
'''


def test_a_node_that_passes_takes_on_from_a_thread_not_run_thread_is_waited_for(esc50: Path, tmp_path: Path) -> None:
    # Only threads begun with run_thread were seen: an executor's thread passed the dog on after classify had said
    # "dropped by pooled".
    patch = first_plugin_patch(tmp_path, "pooled", POOLED, {"id": "pooled", "type": "pooled"})
    dog = esc50 / "audio" / DOG
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(dog), "--json"))
    assert (row["slot"], row["reason"]) == ("Bass", None)


BEHIND = '''import queue

from exsampling_patch import TAKE, Input, Node, Output, Param, Take


class Behind(Node):
    """Pass each take on from a thread of its own once the next one has come: a file's take comes out with the next."""

    type_name = "behind"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take before, passed on from the node's thread")
    anew = Param(bool, False, "pass on a take made anew of its samples, not take.derive")

    def start(self):
        self._queue = queue.Queue()
        self._held = None
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                take = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if self._held is not None:
                held = self._held
                self.emit("out", Take(held.samples, held.sample_rate) if self.anew else held)
            self._held = take

    def on_take(self, take):
        self._queue.put(take)
'''


@pytest.mark.parametrize("anew", [False, True])
def test_a_take_a_node_passes_on_late_is_not_taken_as_the_next_files(esc50: Path, tmp_path: Path, anew: bool) -> None:
    # The dog's take came out of `behind` as the bells went in, and was scored as the bells': their row said
    # "dog 0.99 ... -> Bass", a slot the bells never reach. A take made anew has no mark of its file: with the dog's
    # still owed, it is taken as the dog's.
    patch = first_plugin_patch(tmp_path, "behind", BEHIND, {"id": "behind", "type": "behind", "params": {"anew": anew}})
    dog, bells = esc50 / "audio" / DOG, esc50 / "audio" / BELLS
    # no file's take comes in its own wait; the dog's comes in the bells' (1.5 s: room for the node's thread on a
    # loaded 2-core host, where 1 s was little)
    told, late = run_chain(patch, [dog, bells], 1.5)
    why = ("no take from behind within 1.5 s: it answers from a thread of its own, later or not at all, and classify "
           "cannot follow it further")
    assert [(path, outcome.top, outcome.slot, outcome.reason) for path, outcome in told] == [
        (dog, [], None, why), (bells, [], None, why)]
    said = (f"{DOG}: behind passed on a take made anew (not with take.derive) after classify had gone on to the next "
            "file: taken as this file's, the oldest it got nothing of in time, it is not followed further") \
        if anew else \
        f"{DOG}: behind passed it on after classify had gone on to the next file: what it passed on is not followed " \
        "further"
    assert late == [said], late


SIFTED = '''import queue

import numpy as np

from exsampling_patch import TAKE, Input, Node, Output


class Sifted(Node):
    """Drop a silent take, saying so; pass the others on from a thread of its own."""

    type_name = "sifted"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the takes with sound, passed on from the node's thread")

    def start(self):
        self._queue = queue.Queue()
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                self.emit("out", self._queue.get(timeout=0.05))
            except queue.Empty:
                continue

    def on_take(self, take):
        if not np.any(take.samples):
            self.tell_fate(take, "dropped", "silent")
            return
        self._queue.put(take)
'''


def test_a_fate_told_of_one_file_does_not_end_the_wait_for_the_next(esc50: Path, tmp_path: Path) -> None:
    # `sifted` told the silent file's fate; the fate still counted for the dog after it, which was not waited for and
    # was said "dropped by sifted" where the running patch plays it in Bass.
    patch = first_plugin_patch(tmp_path, "sifted", SIFTED, {"id": "sifted", "type": "sifted"})
    _, silent = short_sounds(tmp_path)
    dog = esc50 / "audio" / DOG
    rows = rows_of(exsampling_here("classify", "--patch", str(patch), str(silent), str(dog), "--json"))
    assert [(row["slot"], row["reason"]) for row in rows] == [(None, "dropped by sifted"), ("Bass", None)]


HUSHED = '''import numpy as np

from exsampling_patch import TAKE, Input, Node, Output


class Hushed(Node):
    """Pass on a take with sound, saying so; drop a silent one without a word."""

    type_name = "hushed"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the takes with sound")

    def on_take(self, take):
        if np.any(take.samples):
            self.report_status(label="has sound")
            self.emit("out", take)
'''


def test_a_drop_is_not_told_in_what_the_node_said_of_an_earlier_file(esc50: Path, tmp_path: Path) -> None:
    # The node's last status was the dog's: the silent file after it was "dropped by hushed: has sound".
    patch = first_plugin_patch(tmp_path, "hushed", HUSHED, {"id": "hushed", "type": "hushed"})
    _, silent = short_sounds(tmp_path)
    dog = esc50 / "audio" / DOG
    rows = rows_of(exsampling_here("classify", "--patch", str(patch), str(dog), str(silent), "--json"))
    assert [(row["slot"], row["reason"]) for row in rows] == [("Bass", None), (None, "dropped by hushed")]



SECOND = '''import queue

from exsampling_patch import TAKE, Input, Node, Output, Param, Take


class Second(Node):
    """Pass each take on made anew (not take.derive) from a thread of its own; the second it gets never, untold, or
    with hold, only once the third has come."""

    type_name = "second"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, made anew, from the node's thread")
    hold = Param(bool, False, "pass the second take on with the third")

    def start(self):
        self._queue = queue.Queue()
        self._got = []
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                take = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self._got.append(take)
            if len(self._got) == 2:
                continue
            for each in self._got[1:] if len(self._got) == 3 and self.hold else [take]:
                self.emit("out", Take(each.samples, each.sample_rate))

    def on_take(self, take):
        self._queue.put(take)
'''


@pytest.mark.parametrize("hold", [False, True])
def test_a_file_a_node_drops_untold_does_not_shift_the_files_after(esc50: Path, tmp_path: Path, hold: bool) -> None:
    # A node that passes takes made anew on in time dropped the 2nd file without a word: each later take was taken
    # as the file before's (a note naming it), and every later row said "no take from second within 2 s". The last
    # take it passes on is the file in hand's now, the ones before it the owed files' (with hold: the 2nd's, told).
    patch = first_plugin_patch(tmp_path, "second", SECOND, {"id": "second", "type": "second", "params": {"hold": hold}})
    files = clips(tmp_path, esc50, {"dog1.flac": DOG, "dog2.flac": DOG, "bells3.flac": BELLS, "dog4.flac": DOG})
    told = exsampling_here("classify", "--patch", str(patch), *map(str, files), "--json")
    why = ("no take from second within 2 s: it answers from a thread of its own, later or not at all, and classify "
           "cannot follow it further")
    assert [(row["slot"], row["reason"]) for row in rows_of(told)] == [("Bass", None), (None, why), ("TT", None),
                                                                        ("Bass", None)]
    assert told.stderr == ("note: dog2.flac: second passed on a take made anew (not with take.derive) after classify "
                           "had gone on to the next file: taken as this file's, the oldest it got nothing of in time, "
                           "it is not followed further\n" if hold else ""), told.stderr


SLOW_ONCE = '''import queue
import time

from exsampling_patch import TAKE, Input, Node, Output, Take


class SlowOnce(Node):
    """Pass each take on made anew from a thread of its own after 0.5 s; the second after 2.6 s, past classify's
    wait."""

    type_name = "slow_once"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, made anew, from the node's thread")

    def start(self):
        self._queue = queue.Queue()
        self._count = 0
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                take = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self._count += 1
            time.sleep(2.6 if self._count == 2 else 0.5)
            self.emit("out", Take(take.samples, take.sample_rate))

    def on_take(self, take):
        self._queue.put(take)
'''


def test_a_node_late_once_does_not_shift_the_files_after(esc50: Path, tmp_path: Path) -> None:
    # Its 2nd take came during the 3rd file's wait, 0.2 s of quiet before the 3rd's own: taken as the 3rd file's,
    # the 2nd taken as dropped, and each later file was given the take of the file before it, without a note.
    patch = first_plugin_patch(tmp_path, "slow_once", SLOW_ONCE, {"id": "slow", "type": "slow_once"})
    files = clips(tmp_path, esc50, {"dog1.flac": DOG, "dog2.flac": DOG, "bells3.flac": BELLS, "dog4.flac": DOG,
                                    "bells5.flac": BELLS})
    told = exsampling_here("classify", "--patch", str(patch), *map(str, files), "--json")
    assert [row["slot"] for row in rows_of(told)] == ["Bass", None, "TT", "Bass", "TT"], told.stdout
    assert told.stderr.startswith("note: dog2.flac: slow passed on a take made anew"), told.stderr
