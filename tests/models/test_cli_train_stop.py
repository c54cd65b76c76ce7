"""`exsampling train` stopped by a real signal (Ctrl+C, SIGTERM, SIGHUP) at a point of its writes that a Python audit
hook sees, run as a real process: what it says it left, and that it left no card of another model."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.models.test_cli_train import earlier_model, tiny_takes

# Runs the real command line with a real signal (SIGINT: Ctrl+C) raised at a point a Python audit hook sees: "model", as
# the model file is put in its place (os.replace); "renamed", as that rename is made: the hook makes it, and the signal
# is handled once the model is in place (no event comes between the rename's return and what follows it); "card", at
# the first file opened after the rename, as its card is written; "pyplot", as matplotlib.pyplot's code is run (its
# first import); "pyplot-init", there too, the KeyboardInterrupt surfacing as an ImportError, as pybind11 makes one
# cut short in an extension's initialisation (matplotlib's _image, _backend_agg) ("ImportError: initialization failed").
# Signals named with commas ("SIGHUP,SIGTERM") are raised one after the other.
SIGNAL_AT = """
import os, signal, sys
out, at, sigs = sys.argv[-1], sys.argv.pop(1), [getattr(signal, name) for name in sys.argv.pop(1).split(",")]
def raise_signal():
    for sig in sigs:
        signal.raise_signal(sig)
armed = renaming = False
def hook(event, args):
    global armed, renaming
    if at.startswith("pyplot") and event == "exec" and args[0].co_filename.endswith(os.path.join("matplotlib",
                                                                                                 "pyplot.py")):
        if at == "pyplot":
            raise_signal()
        try:
            raise_signal()
        except KeyboardInterrupt as stop:
            raise ImportError("initialization failed") from stop
    elif event == "os.rename" and str(args[1]) == out and not renaming:
        if at == "model":
            raise_signal()
        elif at == "renamed":
            renaming = True
            os.replace(args[0], args[1])
            raise_signal()
        armed = True
    elif armed and event == "open":
        armed = False
        raise_signal()
sys.addaudithook(hook)
from exsampling_patch.cli import main
sys.exit(main(sys.argv[1:]))
"""


def train_signalled(tmp_path: Path, at: str, sig: str, ignored: tuple[signal.Signals, ...] = ()) -> tuple[
        subprocess.CompletedProcess[str], Path, bytes]:
    """`exsampling train` of two labels into ``tmp_path/mine.pt``, where an earlier model is with its card and
    confusion matrix, ``sig`` raised ``at`` (see SIGNAL_AT); ``ignored``: signals it starts with ignored, as under
    nohup. The process, the model's path and the earlier model's bytes."""
    data = tiny_takes(tmp_path / "takes")
    out = tmp_path / "mine.pt"
    earlier = earlier_model(out)
    (tmp_path / "mine.md").write_text("# Model card: mine\n\nthe card of an earlier model\n")
    (tmp_path / "mine_confusion.png").write_bytes(b"an earlier model's confusion matrix")

    def ignore() -> None:  # as nohup does before it starts the command: an ignored signal is kept across exec
        for each in ignored:
            signal.signal(each, signal.SIG_IGN)

    done = subprocess.run([sys.executable, "-c", SIGNAL_AT, at, sig, "train", str(data), "--threads", "1", "--val",
                           "0.5", "--out", str(out)], capture_output=True, text=True, timeout=300, preexec_fn=ignore)
    return done, out, earlier


@pytest.mark.parametrize(("at", "sig", "code"), [("model", "SIGINT", 130), ("renamed", "SIGINT", 130),
                                                 ("card", "SIGINT", 130), ("model", "SIGTERM", 143),
                                                 ("model", "SIGHUP", 129)])
def test_train_stopped_says_what_it_left_and_no_card_of_another_model(at: str, sig: str, code: int,
                                                                      tmp_path: Path) -> None:
    # Before, a Ctrl+C ended the training without a word, and one once the model was written left beside it the
    # card (and confusion matrix) of the model it had replaced: another model's labels and accuracy; one as the
    # model's rename returned did still, and said "written whole with its card", the earlier model's. A SIGTERM or
    # SIGHUP (its terminal closed) as the model was written left its part-written file there, megabytes, hidden.
    from exsampling_patch.models.model_file import load_model_file

    done, out, earlier = train_signalled(tmp_path, at, sig)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    if at == "model":  # written whole or not at all: the earlier model and its card are as they were
        assert done.stderr.endswith(f"stopped: nothing was written: {out} is the model there before, as it was\n")
        assert out.read_bytes() == earlier
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]
    else:
        assert done.stderr.endswith(f"stopped: {out} is the new model, written whole, without its card (train "
                                    "again to have one)\n"), done.stderr
        assert load_model_file(out).labels == ["clank", "hum"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.pt", "takes"]


@pytest.mark.parametrize("at", ["pyplot", "pyplot-init"])
def test_train_stopped_as_matplotlib_is_first_imported_says_so(at: str, tmp_path: Path) -> None:
    # Before, matplotlib's pyplot was first imported at the card step, once the model was written: a Ctrl+C there
    # ended twice in "ImportError: initialization failed", a traceback, exit 1. Now it is imported before the training,
    # and a stop that surfaces as an ImportError is told as a stop (not as the train extra missing).
    done, out, earlier = train_signalled(tmp_path, at, "SIGINT")
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "pip install" not in done.stderr, done.stderr
    assert done.stderr.endswith(f"stopped: nothing was written: {out} is the model there before, as it was\n")
    assert out.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]


def test_train_stopped_leaves_no_folder_it_made_for_the_model(tmp_path: Path) -> None:
    # Before, a missing --out folder was made before the training: a Ctrl+C left it there, empty.
    data = tiny_takes(tmp_path / "takes")
    out = tmp_path / "new" / "models" / "mine.pt"
    done = subprocess.run([sys.executable, "-c", SIGNAL_AT, "model", "SIGINT", "train", str(data), "--threads", "1",
                           "--val", "0.5", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 130, done.stderr
    assert done.stderr.endswith("stopped: nothing was written\n"), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["takes"]


def test_train_started_with_signals_ignored_leaves_them_ignored(tmp_path: Path) -> None:
    # Before, the command set its own handler whatever it started with: `nohup exsampling train` over ssh ended at
    # logout with exit 129, nothing written, as if no nohup had been typed. SIGHUP and SIGTERM, both ignored, are
    # both raised in one training (one run of a training process, not one for each).
    from exsampling_patch.models.model_file import load_model_file

    done, out, _ = train_signalled(tmp_path, "model", "SIGHUP,SIGTERM", ignored=(signal.SIGHUP, signal.SIGTERM))
    assert done.returncode == 0, done.stderr
    assert "stopped" not in done.stderr, done.stderr
    assert done.stdout.startswith(f"wrote {out} "), done.stdout
    assert load_model_file(out).labels == ["clank", "hum"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]
