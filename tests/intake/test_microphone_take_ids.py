"""A take cut within the second of one cut by the microphone a live edit replaced (or the run before a Stop, then Run),
on the same take folder: its count, from 1 at each start, gave it that take's id. Stored, it took that take's files
(the earlier take's audio gone), its journal row (done before its end) and its end in the run (told already).

Each node here is a new one on the folder, as a rebuild makes, with the ring and assembly driven directly (the takes'
ids are those of real stores in real files). The two takes are cut at once: the case is theirs falling within one
second, which nearly always holds; in the rare pair a second's turn splits, the pair is cut again (no waiting)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.nodes.microphone_ids import free_take_id
from exsampling_patch.nodes.microphone_input import InputRing
from exsampling_patch.takes import TakeStore, file_stem, read_take

RATE = 8000


def second_of(take_id: str) -> str:
    return take_id.rsplit("-", 1)[0]


def new_node(folder: Path, store: TakeStore | None = None, node_id: str = "mic") -> Microphone:
    """A microphone just started on ``folder``: its count at 0, its gate open, a ring of its own."""
    mic = Microphone(node_id, {"sample_rate": RATE, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.05,
                               "folder": str(folder)}, NodeContext(folder.parent))
    ring = InputRing.create(4 * RATE, 1)
    mic._ring, mic._store, mic.takes_cut = ring, store or TakeStore(folder), 0
    mic._gate.open()
    return mic


def cut_one(mic: Microphone, amplitude: float) -> str:
    """Cut one take of ``amplitude`` as assembly does; its id."""
    samples = mic._ring.samples
    samples[: RATE, 0] = amplitude
    mic._ring.counts[0] = RATE
    mic._emit_take(0, RATE // 2)
    ids = [take.take_id for port, take in mic.context.emitted if port == "take"]
    mic._ring.close()
    assert len(ids) == 1, ids
    return ids[-1]


def in_one_second(cut_pair: Callable[[Path], tuple[str, str]], base: Path) -> tuple[Path, str, str]:
    for attempt in range(20):
        folder = base / f"takes{attempt}"
        first, second = cut_pair(folder)
        if file_stem(second_of(first)) == file_stem(second_of(second)):  # node ids of one file name
            return folder, first, second
    raise AssertionError("no two takes cut at once fell within one second in 20 tries")


def level(folder: Path, take_id: str) -> float:
    (audio,) = [path for path in folder.glob("*.wav") if read_take(path).take_id == take_id]
    return float(np.max(read_take(audio).samples))


def test_a_take_cut_in_the_second_of_the_node_replaced_keeps_both_takes(tmp_path: Path) -> None:
    def cut_pair(folder: Path) -> tuple[str, str]:
        return cut_one(new_node(folder), 0.5), cut_one(new_node(folder), 0.25)

    folder, first, second = in_one_second(cut_pair, tmp_path)
    assert first != second
    assert level(folder, first) == 0.5  # the earlier take's audio, not overwritten
    assert level(folder, second) == 0.25
    assert TakeStore(folder).processed_ids() == {first, second}


class StoringSlowly(TakeStore):
    """The replaced node's take folder on a slow disk: while it stores its take, the new node cuts one."""

    then: Callable[[], None] | None = None

    def store(self, take: Take, subtype: str | None = None) -> Take:
        if self.then is not None:
            then, self.then = self.then, None
            then()
        return super().store(take, subtype)


def test_a_take_cut_while_the_node_replaced_still_stores_its_own_keeps_both(tmp_path: Path) -> None:
    seconds: list[str] = []

    def cut_pair(folder: Path) -> tuple[str, str]:
        slow = StoringSlowly(folder)
        slow.then = lambda: seconds.append(cut_one(new_node(folder), 0.25))  # the new node's, its id given now
        first = cut_one(new_node(folder, slow), 0.5)
        return first, seconds[-1]

    folder, first, second = in_one_second(cut_pair, tmp_path)
    assert first != second
    assert level(folder, first) == 0.5
    assert level(folder, second) == 0.25


def test_node_ids_of_one_file_name_do_not_share_a_take_id_on_one_folder(tmp_path: Path) -> None:
    # Before, the ids given out were kept by node id: 'mic_1' cutting while 'mic 1' (a live edit's rename) still
    # stored its take got the same count, and both ids the file name mic_1-<second>-0001: the later store's rename
    # took the other take's place.
    seconds: list[str] = []

    def cut_pair(folder: Path) -> tuple[str, str]:
        slow = StoringSlowly(folder)
        slow.then = lambda: seconds.append(cut_one(new_node(folder, node_id="mic_1"), 0.25))
        first = cut_one(new_node(folder, slow, node_id="mic 1"), 0.5)
        return first, seconds[-1]

    folder, first, second = in_one_second(cut_pair, tmp_path)
    assert file_stem(first) != file_stem(second)
    assert level(folder, first) == 0.5
    assert level(folder, second) == 0.25


def test_a_web_recorder_take_id_of_a_take_in_the_folder_is_not_given_again(tmp_path: Path) -> None:
    # The web recorder's ids (nodes/web_recorder: recorder, second, count, a random part): one of a recorder of the
    # same name in the same second, count and random part (a live edit's, a Stop then Run) was given again, and the
    # take stored under it renamed over the earlier take's files. The random part is forced to clash here.
    def cut_pair(folder: Path) -> tuple[str, str]:
        store = TakeStore(folder)
        first = free_take_id(store, "Ana", iter(["0001beef"]))
        store.store(Take(np.full(RATE, 0.5, np.float32), RATE, take_id=first))
        second = free_take_id(store, "Ana", iter(["0001beef", "0001cafe"]))  # a new recorder's first take
        store.store(Take(np.full(RATE, 0.25, np.float32), RATE, take_id=second))
        return first, second

    folder, first, second = in_one_second(cut_pair, tmp_path)
    assert second == f"{second_of(first)}-0001cafe"
    assert level(folder, first) == 0.5
    assert level(folder, second) == 0.25
