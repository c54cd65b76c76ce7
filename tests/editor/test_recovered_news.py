"""A Run in the editor after a kill -9 of the last run says in its status bar how many takes it recovered, by source,
as the console's summary counts them: a web recorder's take uploaded and a folder's files, none of which ended. It
said nothing: a composer who had recorded nothing since took them for new takes. The crash is real (`exsampling run`
killed, with its set-up from the console's test); the editor runs the same patch, its recorder and folder real."""

from __future__ import annotations

import time
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np
import soundfile as sf

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.observer import RuntimeObserver
from exsampling_patch.editor.recovered_news import RecoveredNews
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus
from tests.editor.harness import call, open_editor
from tests.stage.helpers import Run, free_port, upload_tone
from tests.stage.test_recovered_by_source import HOLDS, TOKEN

SAID = "3 takes recovered from the last run: 2 from 'inbox', 1 from 'phones'"


def crashed(tmp_path: Path) -> Path:
    """A patch of a web recorder 'phones' and a folder source 'inbox', each feeding a node that keeps its takes open,
    run by `exsampling run` until it holds a phone's take and two files, then killed (-9): the patch."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "holds.py").write_text(HOLDS, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    port = free_port()
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
- {{id: phones, type: web_recorder, position: [40, 80], params: {{host: 127.0.0.1, port: {port}, https: false,
    print_qr: false, folder: takes, state_folder: state, token: {TOKEN}}}}}
- {{id: inbox, type: folder_source, position: [40, 240], params: {{folder: inbox, poll_interval: 0.05}}}}
- {{id: hold, type: holds_open, position: [320, 80]}}
- {{id: hold_files, type: holds_open, position: [320, 240]}}
links:
- phones.take -> hold.take
- inbox.take -> hold_files.take
""", encoding="utf-8")
    marks = tmp_path / "marks"
    marks.mkdir()
    first = Run(str(patch), "--nodes", str(tmp_path / "plugins"), "--log", str(tmp_path / "lib.log"), "--show-log",
                "none", env={"EXS_TEST_MARKS": str(marks)})
    try:
        first.wait_for("running")
        upload_tone(port, "Ana", TOKEN)
        for name in ("snare.wav", "kick.wav"):
            sf.write(tmp_path / "inbox" / name, np.full(4800, 0.1, np.float32), 48000)
        deadline = time.monotonic() + 60
        while len(list(marks.iterdir())) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(list(marks.iterdir())) == 3, first.output()
    finally:
        first.kill()  # kill -9, the run and its children: no take ended
    return patch


def frames_until_said(app: EditorApp, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in app.status and time.monotonic() < deadline:
        app.frame()
        time.sleep(0.01)
    assert text in app.status, app.status


def test_a_run_after_a_kill_says_the_takes_it_recovered_by_source(tmp_path: Path) -> None:
    patch = crashed(tmp_path)
    with open_editor(patch, Registry.default(node_dirs=[tmp_path / "plugins"])) as app:
        call("menu:run")
        assert app.runner.running, app.status
        frames_until_said(app, SAID)
        assert app.status == SAID, app.status
        assert dpg.get_value("statusbar").endswith(f"  |  {SAID}"), dpg.get_value("statusbar")


def test_the_news_goes_beside_what_the_composer_did_and_counts_each_take_once() -> None:
    observer, bar = RuntimeObserver(), ["linked a -> b"]
    news = RecoveredNews(observer, lambda: bar[0], lambda text: bar.__setitem__(0, text))

    def told(node_id: str, **status: object) -> str:
        observer.on_event(NodeStatus(node_id, status=status))
        observer.apply()
        news.frame()
        return bar[0]

    assert told("phones", take="p1", duration=0.1) == "linked a -> b"  # passed on, but this run's own
    assert told("phones", take="p2", recovered=True) == "linked a -> b; 1 take recovered from the last run, from " \
                                                        "'phones'"
    assert told("inbox", take="i1", recovered=True) == "linked a -> b; 2 takes recovered from the last run: 1 from " \
                                                       "'inbox', 1 from 'phones'"  # in place of its last count
    assert told("inbox", take="i1", recovered=True) == "linked a -> b; 2 takes recovered from the last run: 1 from " \
                                                       "'inbox', 1 from 'phones'"  # the same take told again
    bar[0] = ""  # the composer's news gone (a Run says "")
    assert told("inbox", take="i2", recovered=True) == SAID
    observer.clear()  # the next Run: nothing recovered yet, nothing said
    assert told("inbox", take="i3") == SAID and news.said == ""
