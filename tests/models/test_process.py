"""The classifier in a process of its own: the same answers as in this process, through a process that can die."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.models import load_classifier
from exsampling_patch.models.classifier import Classifier
from exsampling_patch.models.model_header import SHIPPED_MODEL
from exsampling_patch.models.prediction import Prediction
from exsampling_patch.models.process import (
    ANSWER_TIMEOUT,
    INITIAL_BUFFER_BYTES,
    ClassifierProcess,
    ClassifierProcessError,
)

WARM_UP = {"window": "whole", "pooling": "mean", "max_seconds": 5.0}


@pytest.fixture(scope="module")
def local() -> Classifier:
    return load_classifier(threads=1)


@pytest.fixture(scope="module")
def remote() -> Iterator[ClassifierProcess]:
    process = ClassifierProcess(threads=1, warm_up=WARM_UP)
    process.wait_ready()
    yield process
    process.stop()


def two_clips(esc50: Path, first: str, second: str) -> tuple[np.ndarray, int]:
    a, rate = sf.read(str(esc50 / "audio" / first), dtype="float32")
    b, _ = sf.read(str(esc50 / "audio" / second), dtype="float32")
    return np.concatenate([a, b]), rate


def assert_same(ours: Prediction, theirs: Prediction) -> None:
    assert [label for label, _ in ours.top] == [label for label, _ in theirs.top]
    np.testing.assert_allclose([p for _, p in ours.top], [p for _, p in theirs.top], atol=1e-6)
    assert ours.span == theirs.span and ours.labels == theirs.labels


def test_answers_as_the_classifier_does_here(remote: ClassifierProcess, local: Classifier, esc50: Path) -> None:
    assert remote.labels == local.labels and remote.path == local.path
    mono, rate = two_clips(esc50, "4-102844-A-49.flac", "4-102844-B-49.flac")  # hand_saw, 10 s
    assert_same(remote.predict(mono, rate, max_seconds=5.0), local.predict(mono, rate, max_seconds=5.0))
    stereo_pcm = (np.stack([mono, 0.5 * mono], axis=1) * 32767).astype(np.int16)  # another dtype and shape
    assert_same(remote.predict(stereo_pcm, rate, window="1s", pooling="max", top_k=3),
                local.predict(stereo_pcm, rate, window="1s", pooling="max", top_k=3))
    silent = remote.predict(np.zeros(rate, np.float32), rate)
    assert silent.nothing_to_classify and silent.reason and "silent" in silent.reason


def test_a_take_bigger_than_its_shared_memory_gets_more(remote: ClassifierProcess, local: Classifier,
                                                         esc50: Path) -> None:
    mono, rate = two_clips(esc50, "4-181286-A-10.flac", "4-102844-C-49.flac")
    frames = INITIAL_BUFFER_BYTES // 8 + rate  # stereo float32: over the initial buffer
    long_take = np.stack([np.resize(mono, frames)] * 2, axis=1)
    assert long_take.nbytes > INITIAL_BUFFER_BYTES
    assert_same(remote.predict(long_take, rate, max_seconds=5.0), local.predict(long_take, rate, max_seconds=5.0))
    assert remote.predict(mono, rate).top  # and the next, smaller take still reads right


def test_refused_arguments_raise_value_error(remote: ClassifierProcess) -> None:
    with pytest.raises(ValueError, match="unknown window"):
        remote.predict(np.ones(16000, np.float32), 16000, window="3s")
    assert remote.predict(np.ones(16000, np.float32) * 0.1, 16000).reason is None  # still serving


def test_a_hung_process_is_killed_at_once_not_given_the_graceful_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that stopped answering was given the graceful close's second (its connection closed, then waited
    for) before it was killed, delaying the classifier started in its place. The stand-in here ignores the take but
    would end by itself once its connection closes (exit status 1), as a process that answers does: it must not be
    given that chance."""
    for name, value in {"EXS_HANG_AS": "classifier", "EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_hangs")
    said: list[str] = []
    process = ClassifierProcess(on_restart=said.append, answer_timeout=0.2)
    try:
        process.wait_ready()
        hung = process._child.process
        assert hung is not None
        with pytest.raises(ClassifierProcessError, match=r"did not answer in 0\.2 s"):
            process.predict(np.ones(16000, np.float32), 16000)
        assert hung.returncode == -signal.SIGKILL  # killed, not left to end on its connection's close
        assert said == [f"the classifier's process did not answer in 0.2 s and was ended (exit status "
                        f"{-signal.SIGKILL}); started again"]
        assert process.pid not in (None, hung.pid) and process.restarts == 1
    finally:
        process.stop()


def test_a_model_file_it_cannot_load_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-model.pt"
    bad.write_bytes(b"nothing like a model")
    process = ClassifierProcess(bad)
    try:
        with pytest.raises(ClassifierProcessError, match=r"not-a-model\.pt"):
            process.wait_ready()
        with pytest.raises(ClassifierProcessError, match=r"not-a-model\.pt"):  # every later call says why
            process.predict(np.ones(16000, np.float32), 16000)
    finally:
        process.stop()


def test_the_patchs_process_never_loads_torch(repo: Path) -> None:
    """The classifier node with its own process: the node's process classifies without importing torch."""
    script = (
        "import sys, numpy as np\n"
        "from exsampling_patch.messages import Take\n"
        "from exsampling_patch.nodes.classify import SoundClassifier\n"
        "node = SoundClassifier('clf', {})\n"
        "node.prepare(); node.start()\n"
        "rng = np.random.default_rng(1)\n"
        "node.handle('take', Take((rng.standard_normal(48000) * 0.2).astype(np.float32), 48000))\n"
        "node.stop()\n"
        "print(node.context.emitted[-1][1].label is not None, 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=repo)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]


def test_the_classifiers_process_loads_no_scipy_linalg_and_one_blas_thread(repo: Path) -> None:
    """What the classifier's process does before it is ready (load the model, classify the warm-up take) imports
    no scipy.linalg (40-60 ms of its start), and still keeps each BLAS, scipy's own OpenBLAS included, to one
    thread."""
    script = (
        "import sys\n"
        "from threadpoolctl import threadpool_info\n"
        "from exsampling_patch.models.classifier import load_classifier\n"
        "from exsampling_patch.models.warm_up import WARM_UP_RATE, warm_up_take\n"
        "load_classifier(None, threads=1).predict(warm_up_take(), WARM_UP_RATE, window='whole', pooling='mean')\n"
        "blas = [(p['filepath'], p['num_threads']) for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print('scipy.linalg' in sys.modules, any('scipy.libs' in f for f, _ in blas), {n for _, n in blas})\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=repo)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "{1}"]


def wait_until_loading(process: ClassifierProcess) -> None:
    """Until a thread waits for ``process`` to load its model (wait_ready holds the lock while it waits)."""
    # A time, not a count of sleeps: on a loaded machine each 1 ms sleep lasts longer, and the bound with it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process._lock.locked():
            return
        time.sleep(0.001)
    raise AssertionError("nobody waited for the classifier's process in 30 s")


def test_a_stop_while_the_model_loads_ends_the_process_without_waiting_for_the_load() -> None:
    """Ctrl+C during the show's start-up: the node's stop() had waited for torch and the model to load, then for
    the process to end (3-5 s), while the rest of the patch had already stopped."""
    process = ClassifierProcess(threads=1, warm_up=WARM_UP)
    child = process._child.process
    assert child is not None
    errors: list[Exception] = []

    def wait() -> None:
        try:
            process.wait_ready()
        except ClassifierProcessError as error:
            errors.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until_loading(process)
    process.stop()
    waiter.join(timeout=60)
    assert not waiter.is_alive()
    assert [str(e) for e in errors] == ["the classifier's process was stopped while it loaded its model"]
    assert child.returncode == -signal.SIGKILL  # ended as it loaded, not told to stop once loaded (exit 0)


def test_a_classifier_node_stopped_during_its_start_reports_no_error() -> None:
    from exsampling_patch.nodes.classify import SoundClassifier

    node = SoundClassifier("classifier", {})
    node.prepare()
    process = node._classifier
    assert isinstance(process, ClassifierProcess) and process._child.process is not None
    child = process._child.process
    starting = threading.Thread(target=node.start)
    starting.start()
    wait_until_loading(process)
    node.stop()
    starting.join(timeout=60)
    assert not starting.is_alive()
    assert node.context.errors == []
    assert child.returncode == -signal.SIGKILL


def test_a_process_killed_or_hung_is_started_again_with_the_model_the_show_started_with(
        local: Classifier, esc50: Path, tmp_path: Path) -> None:
    """Before, the end of a process that died while idle was found by the next take, which then waited for a new
    process to import torch and load the model. Now it is started again, its model loaded, before any take comes.
    Then one killed just before a take: started again, and the take still classified; then one that hangs on a take:
    ended and started again.

    A process started again after a crash loaded the model file's path, so whatever had been written into the file
    since (a retrain; here a file cut short) was the show's model from that crash on, or failed to load: the file is
    written in place (as cp writes) before the second end, and replaced (as exsampling train writes) before the
    third. One process for all: each start costs seconds."""
    show = tmp_path / "show.pt"
    shutil.copyfile(SHIPPED_MODEL, show)
    since = f"; it loaded the model the show started with, not {show} as written since"
    said: list[str] = []
    told = threading.Event()

    def on_restart(text: str) -> None:
        said.append(text)
        told.set()

    process = ClassifierProcess(show, threads=1, on_restart=on_restart)
    try:
        process.wait_ready()
        first = process.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert told.wait(60), "the process's end was not noticed before a take"
        process.wait_ready()
        second = process.pid
        assert second not in (None, first) and process.restarts == 1
        assert said == [f"the classifier's process ended between takes (exit status {-signal.SIGKILL}); started again"]
        process.predict(np.ones(16000, np.float32) * 0.1, 16000)  # the new process answers: nothing starts again
        assert process.restarts == 1 and len(said) == 1

        assert second is not None
        with open(show, "r+b") as handle:  # written in place, as cp writes over a file
            handle.truncate(0)
            handle.write(b"a retrain cut short")
        os.kill(second, signal.SIGKILL)  # the take that comes next finds the end, or the watch does first
        mono, rate = two_clips(esc50, "4-102844-A-49.flac", "4-102844-B-49.flac")
        assert_same(process.predict(mono, rate), local.predict(mono, rate))
        assert process.restarts == 2 and process.pid not in (None, second) and process.path == show
        assert len(said) == 2 and "exit status -9" in said[1] and said[1].endswith(since), said

        hung = process.pid
        assert hung is not None
        (tmp_path / "new.pt").write_bytes(b"a retrain cut short, again")
        os.replace(tmp_path / "new.pt", show)  # replaced, as exsampling train writes its model (takes.write_atomic)
        process.answer_timeout = 0.2
        os.kill(hung, signal.SIGSTOP)  # it never answers, however long it is given
        with pytest.raises(ClassifierProcessError, match=r"did not answer in 0\.2 s"):
            process.predict(mono, rate)
        assert process.pid != hung and len(said) == 3 and "did not answer in 0.2 s and was ended" in said[2], said
        assert said[2].endswith(since), said
        with pytest.raises(ProcessLookupError):
            os.kill(hung, 0)  # ended (and reaped), not left stopped
        process.answer_timeout = ANSWER_TIMEOUT  # the new process's answer, however slow the machine
        assert_same(process.predict(mono, rate), local.predict(mono, rate))
        assert process.restarts == 3 and process.path == show
    finally:
        process.stop()
    assert process.pid is None
    with pytest.raises(ClassifierProcessError, match="stopped"):
        process.predict(np.ones(16000, np.float32), 16000)
