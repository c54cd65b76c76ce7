"""The classifier: load a model file, score every window of a take, pool the windows into one prediction.

Example::

    from exsampling_patch.models import load_classifier
    clf = load_classifier()                       # the shipped model
    pred = clf.predict(samples, 44100)            # samples: (frames,) or (frames, channels)
    if pred.nothing_to_classify:
        print("nothing to classify:", pred.reason)
    else:
        for label, p in pred.top:
            print(label, p)

:meth:`Classifier.predict` is thread-safe (calls are serialised by a lock) and holds no state between takes;
call it from a worker thread, never from an audio callback.

The shipped model's head was trained on ESC-50 folds 1-4 and every musical source, so those say nothing about
it. The head of the validation run (ESC-50 folds 1-3, the musical sources but lmms-common's) ships beside it as
a small head file; :func:`load_validation_classifier` (or ``load_classifier(head=VALIDATION_HEAD)``) puts it on
the shipped, frozen trunk, which is how the honest fold-4 and LMMS accuracy is measured (``models/benchmark.py``,
``tests/models``).

A model file may carry YAMNet (:class:`~.model_file.YamnetBlock`): its head then reads the trunk's pooled features
beside YAMNet's features of the analysed span times the head's scale (models/MODEL_CARD.md, "A model file with
YAMNet").
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from exsampling_patch.audio_files import check_audio, read_audio

from .features import (
    FRONT_END,
    analyse,
    compress,
    hop_length,
    loudest_span,
    peak_dbfs,
    to_mono,
)
from .model_file import (
    HEAD_FORMAT,
    MODEL_FORMAT,
    SHIPPED_MODEL,
    VALIDATION_HEAD,
    HeadFile,
    LoadedModel,
    ModelFileError,
    load_head_file,
    load_model_file,
    save_head_file,
    save_model_file,
    trunk_fingerprint,
    with_head,
)
from .network import STEP_FRAMES, fuse_batch_norm, load_int8_trunk
from .prediction import Prediction, WindowScore
from .yamnet import head_features
from .yamnet_int8 import runnable_yamnet

__all__ = [
    "HEAD_FORMAT",
    "MODEL_FORMAT",
    "POOLINGS",
    "SHIPPED_MODEL",
    "VALIDATION_HEAD",
    "WINDOWS",
    "Classifier",
    "HeadFile",
    "LoadedModel",
    "ModelFileError",
    "Prediction",
    "Unscored",
    "WindowScore",
    "load_classifier",
    "load_head_file",
    "load_model_file",
    "load_validation_classifier",
    "save_head_file",
    "save_model_file",
    "trunk_fingerprint",
]

WINDOWS = ("whole", "1s", "2s", "4s")
"""Window choices: one window over the whole take, or windows of about 1, 2 or 4 s with 50% overlap."""

POOLINGS = ("mean", "max", "vote")
"""Pooling of window probabilities: their mean, their per-class maximum (renormalised), or the share of
windows that rank each class first."""


@dataclass(frozen=True)
class Unscored:
    """Why the classifier scores no take of some samples (:meth:`Classifier.unscored`)."""

    found: str  #: what the samples are: "too short: 0.01 s", "silent: peak -80 dBFS"
    limit: str  #: the limit they miss: "0.03 s", "-60 dBFS"
    scored: str  #: the takes that are scored: "takes of 0.03 s and more", "takes above -60 dBFS"

    def __str__(self) -> str:
        """A prediction's reason: "too short: 0.01 s < 0.03 s"."""
        return f"{self.found} < {self.limit}"


class Classifier:
    """Scores takes with a loaded model. Build it with :func:`load_classifier`.

    Attributes:
        min_seconds: takes shorter than this are "too short" (30 ms: a closed hi-hat or a click is a sound).
        silence_dbfs: takes whose peak is below this level (dB full scale) are "silent".
        window_floor_db: windows whose loudest frame is this many dB below the take's loudest frame are
            scored but left out of pooling (a take's silent tail does not vote).
    """

    min_seconds: float = 0.03
    silence_dbfs: float = -60.0
    window_floor_db: float = 40.0

    def __init__(self, loaded: LoadedModel, threads: int | None = None, int8: bool = True) -> None:
        self._loaded = loaded
        self.threads = threads
        if threads is not None:  # before the int8 trunk's load and YAMNet's fusing, which ran on every core
            torch.set_num_threads(max(1, threads))  # beside the show's processes
        trunk = None
        if int8 and loaded.int8_trunk:
            try:
                trunk = load_int8_trunk(loaded.int8_trunk, loaded.model.n_bands)
            except Exception:  # no quantised engine on this CPU, or another torch: stay in float32
                trunk = None
        self.int8 = trunk is not None
        if trunk is not None:  # the float trunk goes whole: folding its batch norms first was work thrown away
            self._model = loaded.model.eval()
            self._model.trunk = trunk  # type: ignore[assignment]
        else:
            self._model = fuse_batch_norm(loaded.model)
        _single_threaded_blas()
        # YAMNet beside the trunk where the file carries it: the head reads [aiSFX pooled | scale * YAMNet]
        block = loaded.yamnet
        self._yamnet: torch.nn.Module | None = None
        #: Whether YAMNet runs with its first convs in int8 (the file carries their ranges, the engine is here)
        self.yamnet_int8 = False
        if block is not None:
            self._yamnet, self.yamnet_int8 = runnable_yamnet(block.state_dict, block.int8, int8)
        self._yamnet_scale = block.scale if block is not None else 0.0
        self._yamnet_features = block.features if block is not None else ""
        self._labels = tuple(loaded.labels)
        self._lock = threading.Lock()

    @classmethod
    def unscored(cls, mono: np.ndarray, sample_rate: int) -> Unscored | None:
        """Why a take of these mono samples is not scored (too short, silent), None where it is: the gate of
        :meth:`predict`, and of training data (a take it never scores teaches it nothing: ``models.datasets``)."""
        duration = mono.size / float(sample_rate)
        if duration < cls.min_seconds:
            limit = f"{cls.min_seconds:.2f} s"
            return Unscored(f"too short: {duration:.2f} s", limit, f"takes of {limit} and more")
        level = peak_dbfs(mono)
        if level < cls.silence_dbfs:
            shown = "-inf" if level == float("-inf") else f"{level:.0f}"
            limit = f"{cls.silence_dbfs:.0f} dBFS"
            return Unscored(f"silent: peak {shown} dBFS", limit, f"takes above {limit}")
        return None

    @property
    def labels(self) -> tuple[str, ...]:
        """Class labels, in the order of the probability columns."""
        return self._labels

    @property
    def path(self) -> Path:
        """The model file this classifier was loaded from."""
        return self._loaded.path

    @property
    def meta(self) -> dict[str, Any]:
        """The model file's metadata (training data, accuracy, ...)."""
        return self._loaded.meta

    @property
    def trained_span_seconds(self) -> float:
        """Each take's loudest span (s) the model's head was trained on: a ``max_seconds`` other than it scores
        inputs the head never read (:attr:`.model_file.LoadedModel.trained_span_seconds`)."""
        return self._loaded.trained_span_seconds

    @property
    def has_yamnet(self) -> bool:
        """Whether the head reads YAMNet's features beside the trunk's (the model file carries YAMNet)."""
        return self._yamnet is not None

    def yamnet_features(self, samples: np.ndarray, sample_rate: int) -> np.ndarray | None:
        """The YAMNet part of the head's input for these samples (mono or ``(frames, channels)``), scaled as the
        head reads it, as :meth:`predict` computes it on the span it analyses; None without YAMNet. For the
        benchmark, which times it apart."""
        with self._lock:
            return self._scaled_yamnet(to_mono(samples), int(sample_rate))

    def _scaled_yamnet(self, mono: np.ndarray, sample_rate: int) -> np.ndarray | None:
        if self._yamnet is None:
            return None
        return head_features(self._yamnet, mono, sample_rate, self._yamnet_scale, self._yamnet_features)

    def _window_logits(self, x: torch.Tensor, spans: list[tuple[int, int]], span: np.ndarray,
                       sample_rate: int) -> torch.Tensor:
        """Logits of each window; with YAMNet, each window's trunk features beside YAMNet's features of the whole
        analysed ``span``, computed once (YAMNet's patches are 0.96 s: a 1 s window would get one or two, and the
        work would grow with the windows' overlap)."""
        extra = self._scaled_yamnet(span, sample_rate)
        if extra is None:
            return self._model.window_logits(x, spans)
        map3, map4 = self._model.sequence(x)
        pooled = torch.cat([self._model.pool(map3[:, :, a:b], map4[:, :, a:b]) for a, b in spans], dim=0)
        yamnet = torch.from_numpy(extra).unsqueeze(0).expand(len(spans), -1)
        return self._model.head(torch.cat([pooled.float(), yamnet], dim=1))

    def predict_file(self, path: str | Path, **kwargs: Any) -> Prediction:
        """Read an audio file as a take is read (:func:`~exsampling_patch.audio_files.read_audio`) and :meth:`predict`
        it (same keyword arguments). A WAV whose length was never written (its recorder's battery died) is read with
        all it holds: soundfile alone reads it as no audio, or as the part its header last gave.

        Raises:
            UnusableAudio: the file holds no frames, or NaN or infinite samples (as ``exsampling classify`` and
                a take read from it say): a broken file, not a take too short or silent.
        """
        data, sr, _ = read_audio(path)
        check_audio(data)
        return self.predict(data, int(sr), **kwargs)

    def predict(
        self,
        samples: np.ndarray,
        sample_rate: int,
        window: str = "whole",
        pooling: str = "mean",
        top_k: int = 5,
        max_seconds: float | None = None,
    ) -> Prediction:
        """Classify one take.

        Args:
            samples: ``(frames,)`` or ``(frames, channels)`` audio, float (or integer PCM), any rate.
            sample_rate: the take's rate in Hz.
            window: one of :data:`WINDOWS`. Every window is scored from one pass of the network.
            pooling: one of :data:`POOLINGS`.
            top_k: how many labels to return (at most the number of classes).
            max_seconds: score only the take's loudest span of this length (found on the signal as
                recorded; ``None`` or 0: the whole take). 5.0 is the length of the
                ESC-50 clips the shipped head was trained on, and halves the work on a 10 s take.
                With a model that carries YAMNet, YAMNet's features are computed once on this span and read by
                every window's head beside the window's own trunk features.

        Returns:
            A :class:`Prediction`; for a silent or too-short take, one with an empty ``top`` and a ``reason``.

        Raises:
            ValueError: for an unknown window or pooling, a non-positive rate, or a bad array shape.
        """
        if window not in WINDOWS:
            raise ValueError(f"unknown window {window!r}; choose one of {', '.join(WINDOWS)}")
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {sample_rate}")
        t0 = time.perf_counter()
        mono = to_mono(samples)
        duration = mono.size / float(sample_rate)

        def empty(reason: str) -> Prediction:
            return Prediction([], self._labels, reason=reason, duration=duration, window=window, pooling=pooling)

        if (why := self.unscored(mono, int(sample_rate))) is not None:
            return empty(str(why))
        first, last = loudest_span(mono, int(sample_rate), max_seconds or 0.0)
        power = analyse(mono[first:last], int(sample_rate))
        n_frames = max(power.shape[0], STEP_FRAMES)
        if power.shape[0] < n_frames:
            power = np.concatenate([power, np.zeros((n_frames - power.shape[0], power.shape[1]), np.float32)])
        spans = _windows(n_frames // STEP_FRAMES, window)
        frame_energy = power.sum(axis=1)
        loudest = float(frame_energy.max())
        floor = loudest * 10.0 ** (-self.window_floor_db / 10.0)
        active = np.array(
            [frame_energy[a * STEP_FRAMES : b * STEP_FRAMES].max(initial=0.0) >= floor for a, b in spans]
        )
        x = torch.from_numpy(compress(power)).unsqueeze(0)
        with self._lock, torch.inference_mode():
            logits = self._window_logits(x, spans, mono[first:last], int(sample_rate))
            probs = torch.softmax(logits.float(), dim=1).numpy().astype(np.float64)
        pooled = _pool(probs[active] if active.any() else probs, pooling)
        order = np.argsort(-pooled)[: max(1, min(int(top_k), len(self._labels)))]
        step_s = STEP_FRAMES * hop_length(int(sample_rate)) / float(sample_rate)
        offset, span_end = first / float(sample_rate), last / float(sample_rate)
        windows = [
            WindowScore(
                start=offset + a * step_s,
                end=min(offset + b * step_s, span_end),
                label=self._labels[int(np.argmax(probs[i]))],
                probability=float(probs[i].max()),
                active=bool(active[i]),
            )
            for i, (a, b) in enumerate(spans)
        ]
        return Prediction(
            top=[(self._labels[int(i)], float(pooled[i])) for i in order],
            labels=self._labels,
            duration=duration,
            window=window,
            pooling=pooling,
            probabilities=pooled.astype(np.float32),
            windows=windows,
            window_probabilities=probs.astype(np.float32),
            seconds=time.perf_counter() - t0,
            span=(offset, span_end),
        )


def _single_threaded_blas() -> None:
    """Keep numpy's and scipy's BLAS (OpenBLAS) to one thread in this process, once.

    Its worker threads spin-wait after each product: beside torch's OpenMP threads they oversubscribe the
    cores, slowing the classifier, and starve the sampler's audio callback (models/MODEL_CARD.md, "Threads",
    has the figures). The classifier's products are small; one thread loses nothing.
    """
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    # Loads scipy's own OpenBLAS now (scipy.special, which scipy.fft imports, links it), so that the limit covers it
    # too. The front end imports scipy.fft at the first take anyway; scipy.linalg, imported here before, added
    # 40-60 ms to the classifier process's start.
    from scipy import fft  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


_blas_limited = False


def _windows(n_steps: int, window: str) -> list[tuple[int, int]]:
    """Step ranges ``[a, b)`` covering ``n_steps`` steps with windows of the chosen size, 50% overlap."""
    if window == "whole":
        return [(0, n_steps)]
    seconds = float(window.rstrip("s"))
    step_s = STEP_FRAMES * FRONT_END.hop_seconds
    length = max(1, round(seconds / step_s))
    if n_steps <= length:
        return [(0, n_steps)]
    hop = max(1, length // 2)
    starts = list(range(0, n_steps - length + 1, hop))
    if starts[-1] + length < n_steps:
        starts.append(n_steps - length)
    return [(a, a + length) for a in starts]


def _pool(probs: np.ndarray, pooling: str) -> np.ndarray:
    if pooling == "mean":
        out = probs.mean(axis=0)
    elif pooling == "max":
        out = probs.max(axis=0)
    else:  # vote
        out = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]).astype(np.float64)
        out += 1e-3 * probs.mean(axis=0)  # break ties by mean probability
    return np.asarray(out / out.sum(), dtype=np.float64)


def load_classifier(
    path: str | Path | None = None,
    threads: int | None = None,
    int8: bool = True,
    head: str | Path | None = None,
) -> Classifier:
    """Load a classifier from a model file (``None``: the shipped model).

    Args:
        path: a model file written by :func:`save_model_file` (``exsampling train``).
        head: a head file (:func:`save_head_file`) to use instead of the model file's own head, e.g.
            :data:`VALIDATION_HEAD`; it must have been trained on the same trunk (checked by fingerprint).
            Labels come from the head file.
        threads: torch intra-op threads to use (a process-wide setting). ``None`` means 1. Two threads
            speed the int8 trunk up in a quiet process, not inside a running patch, where the audio needs
            the other core: the classifier node keeps 1 (models/MODEL_CARD.md). Being torch's setting, it holds
            for all of the process's torch, the classifiers loaded before included: the last load sets it. The
            classifier node loads in a process of its own (``own_process``, :mod:`.process`), where it is the
            only torch; the callers that load in theirs (``exsampling classify``, and a classifier node with
            ``own_process`` off in ``run`` or the editor) run no other torch. Two such nodes in one patch, with
            other ``threads``, both run on those of the one started last.
            Loading a classifier also keeps numpy's BLAS to one thread in this process (its spinning
            workers would fight torch's for the cores, and the sampler's audio process with them).
        int8: run the trunk in int8 when the file holds an int8 trunk (faster than float32, with
            the same accuracy: models/MODEL_CARD.md); falls back to float32 silently
            where the CPU has no quantised engine (see ``Classifier.int8``).

    Raises:
        ModelFileError: the file is missing or not a classifier model, or the head does not fit its trunk.
    """
    if threads is None:
        threads = 1
    loaded = load_model_file(path)
    if head is not None:
        loaded = with_head(loaded, load_head_file(head))
    return Classifier(loaded, threads=threads, int8=int8)


def load_validation_classifier(threads: int | None = None, int8: bool = True) -> Classifier:
    """The shipped trunk with the validation head (:data:`VALIDATION_HEAD`: ESC-50 folds 1-3 and the musical
    sources but lmms-common's: LMMS's samples and DrumSynth presets).

    Use it to measure accuracy on ESC-50 fold 4, which the shipped model's own head was trained on; for
    classifying takes, use :func:`load_classifier`.
    """
    return load_classifier(None, threads=threads, int8=int8, head=VALIDATION_HEAD)
