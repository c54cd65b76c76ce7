"""`exsampling train` stopped by a real signal (Ctrl+C, SIGTERM, SIGHUP) at a point of its writes that a Python audit
hook sees, run as a real command line: what it says it left, and that it left no card of another model. The runs
that train share one process (tests/models/train_runs.py): seconds of torch's import and warm-up each, once."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.models.test_cli_train import earlier_model, tiny_takes
from tests.models.train_runs import Ran, TrainRun, run_all

Done = Ran
PYPLOT_AT = {"pyplot": "as pyplot runs", "pyplot-init": "as pyplot runs, in an extension's initialisation"}
STOPS = [("model", "SIGINT", 130), ("renamed", "SIGINT", 130), ("card", "SIGINT", 130), ("model", "SIGTERM", 143),
         ("model", "SIGHUP", 129)]


def came_at(at: str, out: Path) -> str:
    """Where the hook raises its signal ``at`` (a pattern of tests/models/train_runs.py's "acted" words): "renamed"
    and "card" end alike, and each must be seen to have come where it is meant to."""
    return {"model": f"before the rename to {re.escape(str(out))}",
            "renamed": f"after the rename to {re.escape(str(out))}",
            # the card's files, as a part file of their own is opened to be written whole
            "card": f"at the open of {re.escape(str(out.parent))}/\\.?mine(\\.md|_confusion\\.png)[^/]*"}[at]


def with_earlier_model(folder: Path) -> tuple[list[str], Path, bytes]:
    """``folder`` with takes of two labels and an earlier model ``mine.pt`` with its card and confusion matrix: the
    arguments of a training into it, the model's path and the earlier model's bytes."""
    data = tiny_takes(folder / "takes")
    out = folder / "mine.pt"
    earlier = earlier_model(out)
    (folder / "mine.md").write_text("# Model card: mine\n\nthe card of an earlier model\n")
    (folder / "mine_confusion.png").write_bytes(b"an earlier model's confusion matrix")
    return ["train", str(data), "--threads", "1", "--val", "0.5", "--out", str(out)], out, earlier


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Done, Path, bytes]]:
    """Each run that trains, in one process, and each run stopped as pyplot is first imported, in a process of its own
    (pyplot is first imported once in a process), run at the same time as it: by name, what it said, its model's path
    and the earlier model's bytes (none for "no folder")."""
    runs: dict[str, TrainRun] = {}
    earlier: dict[str, tuple[Path, bytes]] = {}
    for name, at, sigs, ignored in [*((f"{at}-{sig}", at, [sig], []) for at, sig, _ in STOPS),
                                    ("ignored", "model", ["SIGHUP", "SIGTERM"], ["SIGHUP", "SIGTERM"])]:
        argv, out, model = with_earlier_model(tmp_path_factory.mktemp(name))
        runs[name], earlier[name] = TrainRun(argv, at, sigs, ignored), (out, model)
    folder = tmp_path_factory.mktemp("no-folder")
    runs["no folder"] = TrainRun(["train", str(tiny_takes(folder / "takes")), "--threads", "1", "--val", "0.5",
                                  "--out", str(folder / "new" / "models" / "mine.pt")], "model")
    earlier["no folder"] = (folder / "new" / "models" / "mine.pt", b"")
    alone: dict[str, TrainRun] = {}
    for at in PYPLOT_AT:
        argv, out, model = with_earlier_model(tmp_path_factory.mktemp(at))
        alone[at], earlier[at] = TrainRun(argv, at), (out, model)
    # at once: the pyplot runs (about a second each, their imports) overlap the shared process's, not follow it
    with ThreadPoolExecutor(1 + len(alone)) as pool:
        ran = [pool.submit(run_all, runs), *(pool.submit(run_all, {at: run}) for at, run in alone.items())]
        done = {name: each for future in ran for name, each in future.result().items()}
    return {name: (done[name], *earlier[name]) for name in [*runs, *alone]}


@pytest.mark.parametrize(("at", "sig", "code"), STOPS)
def test_train_stopped_says_what_it_left_and_no_card_of_another_model(
        at: str, sig: str, code: int, stopped: dict[str, tuple[Done, Path, bytes]]) -> None:
    # Before, a Ctrl+C ended the training without a word, and one once the model was written left beside it the
    # card (and confusion matrix) of the model it had replaced: another model's labels and accuracy; one as the
    # model's rename returned did still, and said "written whole with its card", the earlier model's. A SIGTERM or
    # SIGHUP (its terminal closed) as the model was written left its part-written file there, megabytes, hidden.
    from exsampling_patch.models.model_file import load_model_file

    done, out, earlier = stopped[f"{at}-{sig}"]
    assert done.returncode == code, done.stderr
    assert len(done.acted) == 1 and re.fullmatch(f"{sig} {came_at(at, out)}: stopped", done.acted[0]), done.acted
    assert "Traceback" not in done.stderr, done.stderr
    if at == "model":  # written whole or not at all: the earlier model and its card are as they were
        assert done.stderr.endswith(f"stopped: nothing was written: {out} is the model there before, as it was\n")
        assert out.read_bytes() == earlier
        assert sorted(p.name for p in out.parent.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]
    else:
        assert done.stderr.endswith(f"stopped: {out} is the new model, written whole, without its card (train "
                                    "again to have one)\n"), done.stderr
        assert load_model_file(out).labels == ["clank", "hum"]
        assert sorted(p.name for p in out.parent.iterdir()) == ["mine.pt", "takes"]


@pytest.mark.parametrize("at", ["pyplot", "pyplot-init"])
def test_train_stopped_as_matplotlib_is_first_imported_says_so(
        at: str, stopped: dict[str, tuple[Done, Path, bytes]]) -> None:
    # Before, matplotlib's pyplot was first imported at the card step, once the model was written: a Ctrl+C there
    # ended twice in "ImportError: initialization failed", a traceback, exit 1. Now it is imported before the training,
    # and a stop that surfaces as an ImportError is told as a stop (not as the train extra missing). A process of its
    # own each: pyplot is first imported once in a process.
    done, out, earlier = stopped[at]
    assert done.returncode == 130, done.stderr
    assert done.acted == [f"SIGINT {PYPLOT_AT[at]}: stopped"], done.acted
    assert "Traceback" not in done.stderr and "pip install" not in done.stderr, done.stderr
    assert done.stderr.endswith(f"stopped: nothing was written: {out} is the model there before, as it was\n")
    assert out.read_bytes() == earlier
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]


def test_train_stopped_leaves_no_folder_it_made_for_the_model(stopped: dict[str, tuple[Done, Path, bytes]]) -> None:
    # Before, a missing --out folder was made before the training: a Ctrl+C left it there, empty.
    done, out, _ = stopped["no folder"]
    assert done.returncode == 130, done.stderr
    assert done.acted == [f"SIGINT before the rename to {out}: stopped"]
    assert done.stderr.endswith("stopped: nothing was written\n"), done.stderr
    assert sorted(p.name for p in out.parents[2].iterdir()) == ["takes"]


def test_train_started_with_signals_ignored_leaves_them_ignored(stopped: dict[str, tuple[Done, Path, bytes]]) -> None:
    # Before, the command set its own handler whatever it started with: `nohup exsampling train` over ssh ended at
    # logout with exit 129, nothing written, as if no nohup had been typed. SIGHUP and SIGTERM, both ignored, are
    # both raised in one training (one run of a training, not one for each).
    from exsampling_patch.models.model_file import load_model_file

    done, out, _ = stopped["ignored"]
    assert done.returncode == 0, done.stderr
    # raised as the model is put in place, and again as its card is written: the run went on each time
    meant = [f"{sig} {came_at(at, out)}: went on" for at in ("model", "card") for sig in ("SIGHUP", "SIGTERM")]
    assert len(done.acted) == 4 and all(map(re.fullmatch, meant, done.acted)), done.acted
    assert "stopped" not in done.stderr, done.stderr
    assert done.stdout.startswith(f"wrote {out} "), done.stdout
    assert load_model_file(out).labels == ["clank", "hum"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine.md", "mine.pt", "mine_confusion.png", "takes"]


# `exsampling train` as nohup starts it (SIGHUP ignored, across exec); at its first import of the train extra, once
# its own handlers are set, it says "ready" and waits for a line. matplotlib is made missing, as where the extra is
# not installed: the run then ends there, its own way ("needs matplotlib", 2), without torch's seconds of import.
NOHUP_TRAIN = """
import sys
waited = []
def hook(event, args):
    if event == "import" and args[0] == "matplotlib" and not waited:
        waited.append(True)
        print("ready", flush=True)
        sys.stdin.readline()
sys.addaudithook(hook)
sys.modules["matplotlib"] = None
from exsampling_patch.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(shutil.which("nohup") is None, reason="needs nohup (coreutils)")
def test_train_under_nohup_goes_on_after_a_sighup_sent_to_it(tmp_path: Path) -> None:
    # The shared process's "ignored" run sets its signals ignored itself: here a real nohup ignores SIGHUP and execs
    # the command, and a real SIGHUP is sent to it from outside, as at an ssh logout. Before, the command set its own
    # handler whatever it started with: exit 129, "stopped", as if no nohup had been typed.
    out = tmp_path / "mine.pt"
    run = subprocess.Popen(["nohup", sys.executable, "-c", NOHUP_TRAIN, "train", str(tmp_path), "--out", str(out)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        assert run.stdout.readline() == "ready\n"
        os.kill(run.pid, signal.SIGHUP)  # nohup exec'd the command: its pid is the command's
        _, said = run.communicate("\n", timeout=60)
    finally:
        run.kill()
        run.wait()
    assert run.returncode == 2, said
    assert said == "error: exsampling train needs matplotlib: .venv/bin/pip install 'exsampling-patch[train]'\n"
