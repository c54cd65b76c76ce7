"""A node's live line says a take it did not load is had by no output, as the stage console and the Performance tab
say it ("; no output has it"), from the take's end (TakeEnded.loaded); before, it read "not loaded into slot Snare:
..." alike where Live beside had the take and where nothing had it."""

from __future__ import annotations

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.runtime import NodeStatus, TakeEnded

WHY = "its file could not be received: the audio process has no file descriptor to spare"
SAID = f"not loaded into slot Snare: {WHY}"
PLAYS = "; it still plays kick"


def told(observer: RuntimeObserver, *events: NodeStatus | TakeEnded) -> str:
    for event in events:
        observer.on_event(event)
    changed = observer.apply()
    assert "smp" in changed  # redrawn: the line changed
    return live_text(observer.nodes["smp"])


def status(take: str) -> NodeStatus:
    """As the sampler reports a take its audio process refused (the slot still plays t1)."""
    return NodeStatus("smp", {"slot": "Snare", "take": "t1", "label": "kick", "skipped": take, "not_loaded": WHY})


def ended(take: str, loaded: tuple[str, ...] | None) -> TakeEnded:
    return TakeEnded("smp", take_id=take, recorder="Mika", fate="slot", source="rec", slots=("Snare",), loaded=loaded,
                     reason=f"slot Snare, not loaded into sampler 'smp': {WHY}")


def test_a_take_no_output_loaded_is_said_had_by_none_on_the_nodes_line() -> None:
    observer = RuntimeObserver()
    assert told(observer, status("t2")) == SAID + PLAYS
    # Its end comes once every output has told (the status first): the line says it then.
    assert told(observer, ended("t2", ())) == f"{SAID}; no output has it{PLAYS}"
    # Its end first (a status told again after it): the same.
    assert told(observer, ended("t3", ()), status("t3")) == f"{SAID}; no output has it{PLAYS}"


def test_a_take_another_output_loaded_or_not_known_is_not_said_had_by_none() -> None:
    observer = RuntimeObserver()
    assert told(observer, status("t2"), ended("t2", ("live",))) == SAID + PLAYS
    assert told(observer, ended("t3", None), status("t3")) == SAID + PLAYS
    # A later take the node did not load either: what was said of the one before is not said of it.
    assert told(observer, status("t4"), ended("t2", ())) == SAID + PLAYS
