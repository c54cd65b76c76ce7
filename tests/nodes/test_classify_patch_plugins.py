"""`exsampling classify --patch` with a plugin's node before the classifier, as the README's `reverse`: run as the
running patch runs it (whatever its family; its folder from --nodes or node_dirs), and when it fails, told and passed
on as a run passes a take on; a take writer there is not run."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from exsampling_patch.commands.classify import PatchChain
from exsampling_patch.takes import read_take
from tests.nodes.test_classify_patch_cli import CLIPS, DEFAULT_PATCH, DOG, exsampling_here, rows_of, short_sounds
from tests.nodes.test_classify_patch_routes import first_plugin_patch, write

FIRST_10_MS = '''from exsampling_patch import TAKE, Input, Node, Output, Take


class First10Ms(Node):
    """Keep a take's first 10 ms. No family, as the README's `reverse`."""

    type_name = "first_10ms"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "its first 10 ms")

    def on_take(self, take: Take) -> None:
        self.emit("out", take.derive(take.samples[: take.sample_rate // 100]))
'''


POST_AND_PASS_ON = '''from pathlib import Path

from exsampling_patch import TAKE, Input, Node, Output, Take


class PostAndPassOn(Node):
    """Send each take out of the machine (here: a file beside the patch stands for a post), and pass it on."""

    type_name = "post_and_pass_on"
    family = "outputs"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, as it came")

    def on_take(self, take: Take) -> None:
        (Path(self.context.base_dir) / "posted.txt").write_text(take.take_id, encoding="utf-8")
        self.emit("out", take)
'''


def plugin_patch(folder: Path, node: dict[str, Any]) -> Path:
    """The default patch with ``node`` between its trim and its classifier and pitch, as the README's `reverse`."""
    (folder / "my-nodes").mkdir(exist_ok=True)
    (folder / "my-nodes" / "first_10ms.py").write_text(FIRST_10_MS, encoding="utf-8")
    (folder / "my-nodes" / "post_and_pass_on.py").write_text(POST_AND_PASS_ON, encoding="utf-8")
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    data["node_dirs"] = ["my-nodes"]
    data["nodes"].append(node)
    port = "written" if node["type"] == "take_writer" else "out"
    data["links"] = [link for link in data["links"] if not link.startswith("trim.out")]
    data["links"] += [f"trim.out -> {node['id']}.take", f"{node['id']}.{port} -> classifier.take",
                      f"{node['id']}.{port} -> pitch.take"]
    return write(folder, data)


def test_classify_patch_runs_a_plugin_node_of_no_family_before_the_classifier(esc50: Path, tmp_path: Path) -> None:
    # The README's own custom node, `reverse` between trim and the classifier, has no family: the chain walked back
    # through "processing" nodes alone, so it stopped there and scored the file neither reversed nor trimmed (a
    # kick a second into a file: kick 0.59 here, kick 0.97 in the running patch).
    patch = plugin_patch(tmp_path, {"id": "cut", "type": "first_10ms"})
    assert [step.node.node_id for step in PatchChain(patch).steps] == ["trim", "cut"]
    done = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), "--json")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    (row,) = rows_of(done)
    assert (row["top"], row["slot"]) == ([], None)
    assert row["reason"] == "nothing to classify: too short (0.01 s < 0.03 s)"


def test_classify_patch_says_it_does_not_run_a_take_writer_before_the_classifier(
        esc50: Path, tmp_path: Path) -> None:
    # A take writer is not run (it would store the files given), nor what feeds it: said, not left to guess.
    patch = plugin_patch(tmp_path, {"id": "keep", "type": "take_writer", "params": {"folder": "library"}})
    done = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG))
    assert done.returncode == 0 and " -> Bass " in done.stdout
    assert done.stderr == "note: 'keep' (take_writer) stores or sends takes and is not run here, nor the nodes " \
                          "before it: each file goes to the nodes after it as it is\n"
    assert not (tmp_path / "library").exists()


def test_classify_patch_does_not_run_a_node_that_sends_takes_out_before_the_classifier(
        esc50: Path, tmp_path: Path) -> None:
    # A plugin of the outputs family that passes takes on (it posts each, then hands it to the classifier) was run
    # on every file tried: trying a slot map sent the files out.
    patch = plugin_patch(tmp_path, {"id": "post", "type": "post_and_pass_on"})
    done = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG))
    assert done.returncode == 0 and " -> Bass " in done.stdout, done.stdout + done.stderr
    assert done.stderr == "note: 'post' (post_and_pass_on) stores or sends takes and is not run here, nor the nodes " \
                          "before it: each file goes to the nodes after it as it is\n"
    assert not (tmp_path / "posted.txt").exists()


def test_classify_patch_takes_the_plugin_folder_as_run_and_check_do(esc50: Path, tmp_path: Path) -> None:
    # The README runs its custom node with `--nodes my-nodes` (no node_dirs in the patch); classify had no --nodes,
    # so the patch that check passed and run ran was "unknown node type" here, its error saying to give --nodes.
    patch = plugin_patch(tmp_path, {"id": "cut", "type": "first_10ms"})
    data = yaml.safe_load(patch.read_text(encoding="utf-8"))
    del data["node_dirs"]
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    dog, plugins = str(esc50 / "audio" / DOG), str(tmp_path / "my-nodes")
    done = exsampling_here("classify", "--patch", str(patch), "--nodes", plugins, dog, "--json")
    assert done.returncode == 0, done.stderr
    assert rows_of(done)[0]["reason"] == "nothing to classify: too short (0.01 s < 0.03 s)"
    alone = exsampling_here("classify", "--nodes", plugins, dog)
    assert (alone.returncode, alone.stdout) == (2, "")
    assert alone.stderr == "error: --nodes gives the nodes of a patch: use it with --patch\n"


FAILING = '''from exsampling_patch import TAKE, Input, Node, Output, Take


class Crash(Node):
    """A filter that fails on every take."""

    type_name = "crash"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "never sent")

    def on_take(self, take: Take) -> None:
        raise ValueError("the filter blew up")
'''


def test_classify_patch_passes_a_take_on_past_a_node_that_fails_as_a_run_does(esc50: Path, tmp_path: Path) -> None:
    # The runtime tells a node's error and passes the take on unchanged (the show goes on): `run` put the dog in Bass,
    # "dog 99% -> Bass, error in crash: ...", while classify --patch said "error: ValueError: ..." and no slot.
    patch = plugin_patch(tmp_path, {"id": "crash", "type": "crash"})
    (tmp_path / "my-nodes" / "crash.py").write_text(FAILING, encoding="utf-8")
    dog = str(esc50 / "audio" / DOG)
    done = exsampling_here("classify", "--patch", str(patch), dog, "--json")
    assert done.returncode == 1, done.stderr  # as a run counts the node's error
    (row,) = rows_of(done)
    assert (row["slot"], row["reason"], row["top"][0]["label"]) == ("Bass", None, "dog") and "error" not in row
    # With the line of the plugin's code that raised, as a run tells it: the error alone left its author to look.
    told = f"error in crash: ValueError: the filter blew up (at {tmp_path / 'my-nodes' / 'crash.py'}:12 in on_take)"
    assert row["node_errors"] == [told]
    text = exsampling_here("classify", "--patch", str(patch), dog)
    assert f" -> Bass {row['slot_probability']:.2f}" in text.stdout, text.stdout  # Bass's figure, as the row's
    assert text.stdout.rstrip().endswith(f", {told}"), text.stdout
    assert '"node_errors"' in " ".join(exsampling_here("classify", "--help").stdout.split())


UNSTARTED = '''from exsampling_patch import TAKE, Input, Node, Output, Take


class Crash(Node):
    """A filter whose licence file is missing: it fails in {where}, and keeps a take's first 10 ms."""

    type_name = "crash"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "its first 10 ms")

    def {where}(self, *args, **kwargs):
        {call}
        raise RuntimeError("no licence file")

    def on_take(self, take: Take) -> None:
        self.emit("out", take.derive(take.samples[: take.sample_rate // 100]))
'''


@pytest.mark.parametrize("where", ["__init__", "start"])
def test_classify_patch_tells_a_node_that_fails_to_build_or_start_as_a_run_does(
        where: str, esc50: Path, tmp_path: Path) -> None:
    # A plugin's node before the classifier that raised in __init__ or start(): a traceback here. A run tells the
    # error and goes on: a node not built is a stand-in that passes each take on unchanged ("kick 96% -> BD, error in
    # rev: could not be built: ..."), one not started still gets the takes.
    patch = plugin_patch(tmp_path, {"id": "crash", "type": "crash"})
    call = "super().__init__(*args, **kwargs)" if where == "__init__" else "pass"
    (tmp_path / "my-nodes" / "crash.py").write_text(UNSTARTED.format(where=where, call=call), encoding="utf-8")
    done = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    (row,) = rows_of(done)
    at = f" (at {tmp_path / 'my-nodes' / 'crash.py'}:13 in {where})"
    if where == "__init__":
        assert done.stderr == f"error in node 'crash' in __init__(): RuntimeError: no licence file{at}: as in a run, " \
                              "the files go on past it unchanged\n"
        assert (row["slot"], row["node_errors"]) == ("Bass", ["error in crash: could not be built: RuntimeError: "
                                                              "no licence file"])
    else:
        assert done.stderr == f"error in node 'crash' in start(): RuntimeError: no licence file{at}: as in a run, " \
                              "the files still go through it\n"
        assert row["reason"] == "nothing to classify: too short (0.01 s < 0.03 s)" and "node_errors" not in row


RETURNS = '''from exsampling_patch import TAKE, Input, Node, Output, Take


class Returns(Node):
    """Sends a take's first 10 ms on, then returns the take as well (a plugin's slip)."""

    type_name = "returns"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "its first 10 ms")

    def on_take(self, take: Take) -> Take:
        self.emit("out", take.derive(take.samples[: take.sample_rate // 100]))
        return take
'''


def test_classify_patch_keeps_what_a_handler_sent_before_it_returned_a_value(esc50: Path, tmp_path: Path) -> None:
    # A handler that returns a value is an error the run tells; what it sent before goes on (the run's bypass passes
    # the take it got on only where nothing was sent): its first 10 ms here, not the whole dog.
    patch = plugin_patch(tmp_path, {"id": "cut", "type": "returns"})
    (tmp_path / "my-nodes" / "returns.py").write_text(RETURNS, encoding="utf-8")
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), "--json"))
    assert row["reason"] == "nothing to classify: too short (0.01 s < 0.03 s)"
    assert row["node_errors"] == ["error in cut: on_take returned a Take, which goes nowhere: send it on with "
                                  f"self.emit('out', ...) (at {tmp_path / 'my-nodes' / 'returns.py'}:11 in on_take)"]


SLOW_FIRST = '''import queue

from exsampling_patch import TAKE, Input, Node, Output, Take


class SlowFirst(Node):
    """Pass each take on made anew (not take.derive) from a thread of its own; the first only once the second has
    come (a model warming up)."""

    type_name = "slow_first"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, made anew, from the node's thread")

    def start(self):
        self._queue = queue.Queue()
        self._first = None
        self.run_thread(self._work, name=f"{self.node_id}-work")

    def _work(self):
        while not self.stop_event.is_set():
            try:
                take = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if self._first is None:
                self._first = take
                continue
            for each in (self._first, take) if self._first is not False else (take,):
                self.emit("out", Take(each.samples, each.sample_rate))
            self._first = False

    def on_take(self, take):
        self._queue.put(take)
'''


def first_node_patch(folder: Path, type_name: str, source: str, params: dict[str, Any] | None = None) -> Path:
    """The default patch with the plugin node ``type_name`` (its code ``source``) between its recorder and trim."""
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    node = {"id": "plugin", "type": type_name, "params": params or {}}
    return first_plugin_patch(folder, type_name, source, node, data)


def test_a_node_late_once_with_takes_made_anew_is_followed_for_the_files_after(esc50: Path, tmp_path: Path) -> None:
    # A node that makes its takes anew (Take(...), no file's mark) and was late for one file kept that file owed for
    # good: each take it passed on after was told as maybe the late file's and dropped, every later row "no take from
    # plugin within 2 s" though the node answered each at once. Its late take is the oldest owed file's now.
    patch = first_node_patch(tmp_path, "slow_first", SLOW_FIRST)
    dog = str(esc50 / "audio" / DOG)
    done = exsampling_here("classify", "--patch", str(patch), dog, dog, dog, "--json")
    why = ("no take from plugin within 2 s: it answers from a thread of its own, later or not at all, and classify "
           "cannot follow it further")
    assert [(row["slot"], row["reason"]) for row in rows_of(done)] == [(None, why), ("Bass", None), ("Bass", None)]
    assert done.stderr == f"note: {DOG}: plugin passed on a take made anew (not with take.derive) after classify had " \
                          "gone on to the next file: taken as this file's, the oldest it got nothing of in time, it " \
                          "is not followed further\n"


ENDS = '''import queue

import numpy as np

from exsampling_patch import TAKE, Input, Node, Output, Param


class Ends(Node):
    """End a silent take (by its id, or closing it); pass the others on from a thread of its own."""

    type_name = "ends"
    family = "processing"
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the takes with sound, passed on from the node's thread")
    how = Param(str, "tell_fate_of", "how a silent take is ended: tell_fate_of or close_take")

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
        if np.any(take.samples):
            self._queue.put(take)
        elif self.how == "close_take":
            self.close_take(take, "silent")
        else:
            self.tell_fate_of(take.take_id, fate="dropped", reason="silent")
'''


@pytest.mark.parametrize("how", ["tell_fate_of", "close_take"])
def test_a_take_a_node_ends_by_its_id_or_closes_is_dropped_there(how: str, esc50: Path, tmp_path: Path) -> None:
    # Only a fate told with tell_fate(take, ...) counted as the node's word on the file: one it ended by its id or
    # closed was waited for 2 s and said "no take from plugin within 2 s" where the node had dropped it.
    patch = first_node_patch(tmp_path, "ends", ENDS, {"how": how})
    _, silent = short_sounds(tmp_path)
    dog = esc50 / "audio" / DOG
    rows = rows_of(exsampling_here("classify", "--patch", str(patch), str(silent), str(dog), "--json"))
    assert [(row["slot"], row["reason"]) for row in rows] == [(None, "dropped by plugin"), ("Bass", None)]


HANGS = '''from exsampling_patch import TAKE, Input, Node, Output, Take


class Hangs(Node):
    """A filter whose handler never returns (until the node stops)."""

    type_name = "hangs"
    hang_after = 0.25
    take = Input(TAKE, "the take")
    out = Output(TAKE, "never sent")

    def on_take(self, take: Take) -> None:
        self.stop_event.wait()
'''


@pytest.mark.timeout(60)  # without the fix, classify waits on the handler for ever
def test_classify_patch_tells_a_node_that_hangs_and_goes_on_past_it(esc50: Path, tmp_path: Path) -> None:
    # A plugin's handler that never returned held classify --patch for ever (a run tells it hung after its
    # hang_after, with the line it is on, and goes on): each file now goes on past it, as past a node that fails.
    patch = plugin_patch(tmp_path, {"id": "stuck", "type": "hangs"})
    (tmp_path / "my-nodes" / "hangs.py").write_text(HANGS, encoding="utf-8")
    files = [str(esc50 / "audio" / DOG), str(esc50 / "audio" / CLIPS[1])]
    done = exsampling_here("classify", "--patch", str(patch), *files, "--json")
    assert done.returncode == 1, done.stderr
    first, second = rows_of(done)
    assert first["slot"] == "Bass" and first["top"][0]["label"] == "dog"
    # The time it has run, measured, as a run's watchdog tells it ("has run 0.3 s"): not its limit said twice.
    (told,) = first["node_errors"]
    ran = re.fullmatch(r"error in stuck: hung: its handler on 'take' has run (\d+\.\d) s, past its limit of 0\.25 s "
                       r"\(hang_after\); the file goes on past it unchanged \(at (.+):13 in on_take\)", told)
    assert ran is not None, told
    assert float(ran[1]) >= 0.2 and ran[2] == str(tmp_path / "my-nodes" / "hangs.py")
    assert second["node_errors"] == [f"error in stuck: hung on an earlier file ({DOG}): its handler has "
                                     "not returned; the file goes on past it unchanged"]


SLOW_ONCE = '''import time

from exsampling_patch import TAKE, Input, Node, Output, Take


class SlowOnce(Node):
    """Pass each take on; the first only after a second (a model loading), past its hang_after."""

    type_name = "slow_once"
    hang_after = 0.5
    take = Input(TAKE, "the take")
    out = Output(TAKE, "the take, as it came")

    def start(self):
        self.handled = []

    def on_take(self, take: Take) -> None:
        if not self.handled:
            time.sleep(1)
        self.handled.append(take.take_id)
        self.emit("out", take)
'''


def test_classify_patch_goes_through_a_node_again_once_its_hung_handler_returned(esc50: Path, tmp_path: Path) -> None:
    # A handler slow on its first take only was told hung on that file for good: every later file went past the
    # node, "hung on an earlier file ...: its handler has not returned", though it had returned long before. A run's
    # watchdog tells the node recovered; the files after its return go through it again.
    patch = plugin_patch(tmp_path, {"id": "slow", "type": "slow_once"})
    (tmp_path / "my-nodes" / "slow_once.py").write_text(SLOW_ONCE, encoding="utf-8")
    takes = [read_take(esc50 / "audio" / DOG).derive(take_id=f"dog-{n}") for n in (1, 2, 3)]
    chain = PatchChain(patch)
    chain.start()
    try:
        (first,) = chain.run(takes[0])
        for thread in threading.enumerate():  # the first take's handler, left running past its hang_after
            if thread.name == "classify-slow":
                thread.join(30)
        later = [outcome for take in takes[1:] for outcome in chain.run(take)]
        handled = chain.steps[-1].node.handled  # type: ignore[attr-defined]
    finally:
        chain.stop()
    assert first.node_errors and first.node_errors[0].startswith("error in slow: hung: its handler on 'take'")
    assert [(outcome.slot, outcome.node_errors) for outcome in later] == [("Bass", []), ("Bass", [])]
    assert handled == ["dog-1", "dog-2", "dog-3"]
