"""The badge's error count of a node id where an old node of it failed late: a rebuilt x's old handler, hung, let go
and raising. Its error stands on no node (the console tells it as the old node's) but counts for x, and an editor
that watched the show counts it as one that attaches after it does."""

from __future__ import annotations

from exsampling_patch import Param
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.registry import Registry
from tests.core.test_roll_back_plain import Notes
from tests.core.test_same_id_errors import FailsLate, rebuilt_beside_its_hung_handler


class FailsLateRebuilt(FailsLate):
    """As :class:`FailsLate`, with a parameter to rebuild it by."""

    type_name = "t_observer_fails_late"
    level = Param(float, 1.0, "any other value rebuilds it")


def test_an_old_nodes_late_error_counts_alike_for_an_editor_watching_and_one_attaching_after() -> None:
    # x's handler A hangs; a parameter change rebuilds x as B beside it; A is let go and raises. The engine counts it
    # for x (a3146898) with no NodeError: the editor watching kept the count it had, one attaching later read one
    # more from error_state.
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, FailsLateRebuilt):
        registry.register(node_type, "test")
    with rebuilt_beside_its_hung_handler(registry, "t_observer_fails_late") as (engine, _, _, let_a_back):
        watching = RuntimeObserver()  # attached before A's late error, as an editor watching the show
        watching.attach(engine)
        attaching = RuntimeObserver()
        try:
            counted = engine.error_counts["x"]
            let_a_back()
            assert engine.error_counts["x"] == counted + 1 and "x" not in engine.errors
            attaching.attach(engine)
            watching.apply()
            attaching.apply()
            assert watching.nodes["x"].error_count == attaching.nodes["x"].error_count == counted + 1
            assert watching.nodes["x"].error is None and attaching.nodes["x"].error is None  # standing on no node
        finally:
            watching.detach()
            attaching.detach()
