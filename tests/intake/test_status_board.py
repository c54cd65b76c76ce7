"""The web recorder's board of takes keeps each recorder's newest KEEP_PER_RECORDER. Each add found its recorder's
takes by comparing every take's recorder on the board: a start-up adding its journal's 2,000 rows compared 2 million
times. An add now trims its own recorder's takes alone."""

from __future__ import annotations

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
