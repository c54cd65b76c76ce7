"""The web recorder's board of takes keeps each run's newest KEEP_PER_RECORDER of a recorder (a phone's name). Each
add found its recorder's takes by comparing every take's recorder on the board: a start-up adding its journal's 2,000
rows compared 2 million times. An add now trims its own run's takes of its recorder alone."""

from __future__ import annotations

import weakref

from exsampling_patch.nodes.web_recorder.status import KEEP_PER_RECORDER, StatusBoard


class Named(str):
    """A recorder's name that counts how often it is compared with another."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        Named.compared += 1
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


def test_an_add_keeps_each_recorders_newest_without_comparing_every_take_on_the_board() -> None:
    board = StatusBoard()
    mika, ana = Named("Mika"), Named("Ana")
    for n in range(KEEP_PER_RECORDER + 50):
        board.add(f"mika-{n}", mika, label="dog")
    Named.compared = 0
    board.add("ana-0", ana)
    board.add("mika-new", mika)
    assert Named.compared < 10, f"{Named.compared} comparisons of recorder names for 2 adds"
    mine = [row["take_id"] for row in board.for_recorder("Mika")]
    assert mine == ["mika-new"] + [f"mika-{n}" for n in range(KEEP_PER_RECORDER + 49, 50, -1)]
    assert [row["take_id"] for row in board.for_recorder("Ana")] == ["ana-0"]
    kept = board.get("mika-51")
    assert board.get("mika-50") is None and kept is not None
    assert (kept["label"], kept["recorder"], kept["status"]) == ("dog", "Mika", "received")


def test_a_take_added_again_under_another_recorder_counts_for_that_one_alone() -> None:
    board = StatusBoard()
    board.add("t1", "Mika")
    board.add("t1", "Ana")
    for n in range(KEEP_PER_RECORDER):
        board.add(f"mika-{n}", "Mika")
    assert (board.get("t1") or {}).get("recorder") == "Ana"
    assert len(board.for_recorder("Mika")) == KEEP_PER_RECORDER


def test_a_removed_take_is_gone_and_a_recorder_left_with_none_is_forgotten() -> None:
    """A take a failed start made known is taken off the board (the next start in the process took it for its own
    listing's find, and passed it on never); a recorder (each phone's made-up name) left with no take goes."""
    board = StatusBoard()
    board.add("t1", "Ana")
    board.add("t2", "Ana")
    board.add("m1", "Mika")
    board.remove("t1")
    board.remove("unknown")  # no take of that id: nothing happens
    assert board.get("t1") is None
    assert [row["take_id"] for row in board.for_recorder("Ana")] == ["t2"]
    board.remove("t2")
    board.add("m1", "Bo")  # Mika's one take, added again under another name
    assert board.for_recorder("Ana") == [] and board.for_recorder("Mika") == []
    assert set(board._ids) == {"Bo"}, board._ids  # emptied ones were kept for the life of the process


class Run:
    """A run's context, as a recorder marks its rows with it: weakly held (``weakref.ref``)."""


def test_a_run_s_takes_of_a_phone_name_push_out_none_of_another_run_s() -> None:
    """The limit was the name's: two engines of a process (an editor's and a test's, two patches) each with a phone
    called "Ana", the busier one's takes pushed the other's rows off the board, a take in flight among them: its fate
    was told to no one (``update`` found no row) and its phone's list lost it."""
    board = StatusBoard()
    one, two = Run(), Run()
    board.add("one-0", "Ana", owner=weakref.ref(one))
    for n in range(KEEP_PER_RECORDER + 1):
        board.add(f"two-{n}", "Ana", owner=weakref.ref(two))
    assert [row["take_id"] for row in board.for_recorder("Ana", weakref.ref(one))] == ["one-0"]
    assert board.update("one-0", status="loaded")
    listed = board.for_recorder("Ana", weakref.ref(two))
    assert len(listed) == KEEP_PER_RECORDER and listed[-1]["take_id"] == "two-1"  # each run's own newest kept


def test_a_take_a_later_run_adds_again_is_that_run_s_newest_not_the_ended_run_s_oldest() -> None:
    """Added again by the next run of the process (its start finding the take unfinished), the row kept its place
    among the run before's, the oldest of the name: the new run's first take pushed it out, the run before's rows
    kept."""
    board = StatusBoard()
    before, now = Run(), Run()
    for n in range(KEEP_PER_RECORDER):
        board.add(f"take-{n}", "Ana", owner=weakref.ref(before))
    board.add("take-0", "Ana", owner=weakref.ref(now))
    board.add("new-0", "Ana", owner=weakref.ref(now))
    assert [row["take_id"] for row in board.for_recorder("Ana", weakref.ref(now))] == ["new-0", "take-0"]


def test_the_rows_of_a_name_s_ended_runs_go_when_a_new_run_of_it_adds() -> None:
    """Kept by run, the rows of an editor's every run would stay for the life of the process: a run's are dropped
    once it ended (its context gone) and another run adds a take of the name, as the name's limit pushed them out."""
    board = StatusBoard()
    ended, alive, following = Run(), Run(), Run()
    board.add("ended-0", "Ana", owner=weakref.ref(ended))
    board.add("alive-0", "Ana", owner=weakref.ref(alive))
    del ended
    board.add("next-0", "Ana", owner=weakref.ref(following))
    assert board.get("ended-0") is None and board.get("alive-0") is not None
    assert [row["take_id"] for row in board.for_recorder("Ana")] == ["next-0", "alive-0"]
