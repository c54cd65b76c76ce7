"""The editor running a patch of one real HTTPS web recorder, for the tests of what its Stop says of the phones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.runtime.engine import Engine
from tests.editor.harness import call, open_editor
from tests.intake.conftest import Client

PATCH = """\
exsampling_patch: 1
name: {name}
nodes:
- id: rec
  type: web_recorder
  position: [40, 80]
  params: {{host: 127.0.0.1, port: 0, print_qr: false, folder: takes, state_folder: state{params}}}
- id: log
  type: log
  position: [320, 80]
links:
- {{from: rec.take, to: log.message}}
"""


def recorder_patch(folder: Path, name: str, params: str = "") -> Path:
    """``folder``/phones.yaml: a web recorder 'rec' on 127.0.0.1 (its takes in ``folder``/takes, its state in
    ``folder``/state, ``params`` added to its own: ", min_free_mb: 100"), its takes logged."""
    patch = folder / "phones.yaml"
    patch.write_text(PATCH.format(name=name, params=params))
    return patch


@contextmanager
def running_recorder(patch: Path) -> Iterator[tuple[EditorApp, Engine, Client]]:
    """The editor on ``patch`` (:func:`recorder_patch`) with its Run pressed: the editor, the engine it runs and an
    HTTPS client of the recorder, as a phone."""
    with open_editor(patch) as app:
        call("menu:run")
        assert app.runner.running, app.status
        engine = app.runner.engine
        assert engine is not None
        yield app, engine, Client(engine, patch.parent / "state" / "recorder-cert.pem")
