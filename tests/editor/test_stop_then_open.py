"""A patch opened after a Stop shows nothing of the stopped run: the Stop leaves the editor listening to the stopped
engine for what its nodes report late (8fdc7b1), and an Open after it kept listening, so a late error of the old run's
'rec' was drawn on the new patch's node of the same id."""

from __future__ import annotations

from pathlib import Path

from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder


def test_what_the_stopped_run_reports_after_an_open_is_not_drawn_on_the_new_patch(tmp_path: Path) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first, second = recorder_patch(tmp_path / "first", "first"), recorder_patch(tmp_path / "second", "second")
    with running_recorder(first) as (app, engine, _client):
        old = engine.node("rec")
        call("menu:stop")
        app.frame()
        assert app.open(second), app.status
        app.frame()
        old.report_error("a late error of the stopped run")  # as a request still handled after its Stop would
        app.frame()
        app.frame()
        assert not app.patch_view.badges.has_error("rec")
        assert "rec" not in app.observer.nodes, app.observer.nodes
