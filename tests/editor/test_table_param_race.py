"""A table parameter's filter typed into, or a cell given a key taken, its callback run after the inspector was
rebuilt: its rows are gone.

Since b35d12ff (editor/callbacks.py) no rebuild runs beside a callback, so a row cannot go half-way through the
filter's loop (the test that deleted one from inside a monkeypatched ``configure_item`` went). But the callbacks a
frame queued run one after the other after it: one queued before the filter's (a key, a click) may rebuild the
inspector, and the filter's callback then runs for rows that are gone.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor import callbacks
from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.table_param import TableEditor
from exsampling_patch.nodes.classify import SlotMap


def test_a_filter_callback_queued_behind_a_rebuild_skips_the_rows_gone(context: None,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    editor = TableEditor(SlotMap.param_specs["table"], {"cat": "Pad", "dog": "Kick", "rain": "Wind"}, "race:map",
                         200, [], lambda value: None, {"base_table": "empty"})
    with dpg.window() as inspector:
        editor.build()
    rebuilt = []

    def rebuild() -> None:  # the callback queued first: the inspector rebuilt without this table
        dpg.delete_item(inspector, children_only=True)
        rebuilt.append(True)

    for job in [(rebuild, None, None, None), (editor._on_filter, "race:map:filter", "rain", None)]:
        callbacks.run_job(job)  # as run_queued runs a frame's queue
    assert rebuilt and not dpg.does_item_exist("race:map:0:row")
    assert "Traceback" not in capsys.readouterr().err  # run_job prints a failing callback's traceback
    assert [row[0] for row in editor.rows] == ["cat", "dog", "rain"]


def test_a_taken_key_queued_behind_the_nodes_delete_leaves_the_cells_gone_be(built_app: EditorApp,
                                                                              capsys: pytest.CaptureFixture[str]
                                                                              ) -> None:
    """A sampler's row key typed to another row's key in the frame its Delete came: the Delete's callback runs first
    and the inspector shows no node; the cell's callback then finds its cell and the table's error line gone."""
    app, tag = built_app, "param:sampler:note_ranges"
    app.add_node("sampler")  # the selection: Delete takes it
    app.model.set_param("sampler", "note_ranges", {"Bass": "36-47", "Lead": "60-71"})
    app.inspector.show("sampler")
    cell = dpg.get_item_callback(f"{tag}:1:key")
    for job in [(app.delete_selected, None, None, None), (cell, f"{tag}:1:key", "Bass", (1, 0))]:
        callbacks.run_job(job)  # as run_queued runs a frame's queue
    assert "sampler" not in app.model.patch.nodes and not dpg.does_item_exist(f"{tag}:1:key")
    assert "Traceback" not in capsys.readouterr().err  # run_job prints a failing callback's traceback
