"""YAMNet in torch: Google's MobileNetV1 trained on AudioSet's 521 classes, beside the aiSFX trunk
(models/MODEL_CARD.md, "Lead: YAMNet"): a model file may carry its weights, and the classifier then feeds the head
YAMNet's features of each take too (:class:`.model_file.YamnetBlock`); the shipped model carries it since 7 Dec.

The functions follow YAMNet's own front end (tensorflow/models, research/audioset/yamnet: ``features.py`` and
``params.py``), arrays in and arrays out as librosa's do: :func:`log_mel` (16 kHz mono -> 10 ms frames of 64
log-mel bands), :func:`patches` (96-frame patches every 48 frames: 0.96 s every 0.48 s), :func:`embed` (one
1024-d embedding a patch) and :func:`pooled` (their mean and max, 2048 values a take). The trunk's weights are
the state dict that ``python -m exsampling_patch.models.yamnet_weights build`` writes (:func:`load_yamnet`);
no ONNX package is needed to run it.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .features import remove_offset

__all__ = ["BLOCKS", "EMBEDDING_SIZE", "FEATURES", "FEATURE_SIZE", "KNOWN_FEATURES", "N_CLASSES", "PATCH_FEATURES",
           "SAMPLE_RATE", "SIDE_BY_SIDE_FEATURES", "YamNet", "embed", "head_features", "load_yamnet", "log_mel",
           "mel_matrix", "pad_waveform", "patches", "pooled", "reference_features", "scores", "side_by_side",
           "take_features", "to_model_rate", "yamnet_from_state", "yamnet_state_fits"]

SAMPLE_RATE = 16000
WINDOW = 400  # 25 ms
HOP = 160  # 10 ms
FFT = 512  # the next power of two above the window, as YAMNet's front end takes it
N_MELS = 64
FMIN, FMAX = 125.0, 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96  # 0.96 s
PATCH_HOP = 48  # 0.48 s
EMBEDDING_SIZE = 1024
N_CLASSES = 521
FEATURE_SIZE = 2 * EMBEDDING_SIZE
PATCH_FEATURES = "padded-patches48-meanmax-2"
"""A take's features as the mean and maximum of its 0.96 s patches' embeddings, one patch every 0.48 s: each frame
is seen by two patches (the model files of 7 Dec)."""
SIDE_BY_SIDE_FEATURES = "padded-patches96-meanmax-1"
"""A take's features as the mean and maximum of its 0.96 s patches' embeddings, laid side by side (one every
0.96 s), the spectrogram padded with silent frames up to a whole number of patches: each frame seen once, where
:data:`PATCH_FEATURES` sees it twice."""
KNOWN_FEATURES = (SIDE_BY_SIDE_FEATURES, PATCH_FEATURES)
"""The ways of computing a take's features that this code can still compute (a model file names its own)."""
FEATURES = SIDE_BY_SIDE_FEATURES
"""Names how :func:`take_features` computes a take's features for what is trained now: a new way is a new name,
so that features cached the old way are computed again, and models trained the old way still read theirs."""
BLOCKS: tuple[tuple[int, int], ...] = ((1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
                                       (1, 512), (1, 512), (1, 512), (1, 512), (1, 512), (2, 1024), (1, 1024))
"""(stride, output channels) of MobileNetV1's 13 depthwise-separable blocks, after a 3x3 stride-2 conv to 32."""


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """HTK's mel scale, as ``tf.signal.linear_to_mel_weight_matrix`` uses it."""
    return 1127.0 * np.log1p(hz / 700.0)


def mel_matrix(n_mels: int = N_MELS, n_fft: int = FFT, sample_rate: int = SAMPLE_RATE, fmin: float = FMIN,
               fmax: float = FMAX) -> np.ndarray:
    """``(n_fft // 2 + 1, n_mels)`` triangular weights, unnormalised, the DC bin weighted 0: TensorFlow's
    ``linear_to_mel_weight_matrix``, which YAMNet was trained with (librosa's differs: Slaney scale, area norm)."""
    bins = _hz_to_mel(np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)[1:])[:, None]
    edges = np.linspace(_hz_to_mel(np.array(fmin)), _hz_to_mel(np.array(fmax)), n_mels + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising, falling = (bins - lower) / (centre - lower), (upper - bins) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, [(1, 0), (0, 0)]).astype(np.float32)


_MEL = mel_matrix()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)).astype(np.float32)  # periodic Hann
_MEL_T, _WINDOW_T = torch.from_numpy(_MEL), torch.from_numpy(_WINDOW)


def to_model_rate(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """``y`` (mono, or ``(samples, channels)``) as float32 mono at 16 kHz (soxr's HQ, as ``librosa.load``)."""
    mono = np.asarray(y, dtype=np.float32)
    if mono.ndim == 2:
        # Channel by channel: numpy's mean over a short last axis took 3-4 ms on 5 s of stereo, this 0.6 ms,
        # adding in the same order (so to the same bits).
        mono = functools.reduce(np.add, mono.T) / np.float32(mono.shape[1])
    if sample_rate != SAMPLE_RATE:
        import soxr

        mono = soxr.resample(mono, sample_rate, SAMPLE_RATE).astype(np.float32)
    return mono


def pad_waveform(mono: np.ndarray) -> np.ndarray:
    """``mono`` (16 kHz) padded with silence to one patch (0.975 s) and then up to a whole number of patch hops
    (0.48 s), as YAMNet's ``pad_waveform`` pads it: so that a take's end gets a patch of its own rather than
    being dropped (a 5 s take: 10 patches, not 9)."""
    least = (PATCH_FRAMES - 1) * HOP + WINDOW  # 15,600 samples: one patch's frames
    hop = PATCH_HOP * HOP  # 7,680 samples
    hops = -(-max(0, mono.size - least) // hop)  # ceiling: a part-filled last hop gets its patch
    return np.pad(mono, (0, least + hops * hop - mono.size))


def log_mel(y: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """``(frames, 64)`` log-mel magnitudes of the take padded as :func:`pad_waveform` pads it: 25 ms Hann frames
    every 10 ms, no centring (frames start at sample 0), ``log(mel + 0.001)``; always ``96 + 48 k`` frames."""
    # torch's float32 FFT, not numpy's float64 one: a quarter less time, the same values within 2e-6.
    mono = torch.from_numpy(pad_waveform(to_model_rate(y, sample_rate)))
    frames = mono.unfold(0, WINDOW, HOP) * _WINDOW_T
    return torch.log(torch.fft.rfft(frames, FFT).abs() @ _MEL_T + LOG_OFFSET).numpy()


def patches(spectrogram: np.ndarray, hop: int = PATCH_HOP) -> np.ndarray:
    """``(n, 96, 64)``: the 0.96 s patches of a :func:`log_mel` spectrogram, one every ``hop`` frames
    (:func:`log_mel` pads the take so that, at the default hop, no frame is left after the last patch)."""
    starts = range(0, spectrogram.shape[0] - PATCH_FRAMES + 1, hop)
    return np.stack([spectrogram[s : s + PATCH_FRAMES] for s in starts])


class YamNet(nn.Module):
    """MobileNetV1 with its batch norms folded into the convolutions' biases; ``forward`` maps ``(n, 1, 96, 64)``
    patches to ``(n, 1024)`` embeddings, :meth:`logits` those to AudioSet's 521 classes (sigmoid scores)."""

    _frozen: torch.jit.ScriptModule | None = None
    """The trunk frozen by :meth:`freeze`; set past nn.Module's ``__setattr__``, so not a registered submodule:
    the state dict stays the weights file's alone."""

    def __init__(self) -> None:
        super().__init__()
        convs: list[nn.Conv2d] = [nn.Conv2d(1, 32, 3, stride=2)]
        channels = 32
        for stride, out in BLOCKS:
            convs.append(nn.Conv2d(channels, channels, 3, stride=stride, padding=0 if stride == 2 else 1,
                                   groups=channels))
            convs.append(nn.Conv2d(channels, out, 1))
            channels = out
        self.strides = tuple(conv.stride[0] for conv in convs)
        self.convs = nn.ModuleList(convs)
        self.classifier = nn.Linear(EMBEDDING_SIZE, N_CLASSES)

    def layers(self) -> nn.Sequential:
        """The trunk as one sequence of modules sharing this model's weights (TensorFlow's SAME padding at
        stride 2: one row and column after, none before), as :func:`torch.jit.trace` takes it."""
        modules: list[nn.Module] = []
        for conv, stride in zip(self.convs, self.strides, strict=True):
            if stride == 2:
                modules.append(nn.ZeroPad2d((0, 1, 0, 1)))
            modules += [conv, nn.ReLU()]
        return nn.Sequential(*modules)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, 1024, time, frequency)``: the last block's map of ``(n, 1, frames, 64)`` spectrograms, frozen
        (:meth:`freeze`) where it has been, else the eager modules."""
        return self._frozen(x) if self._frozen is not None else self.layers()(x)

    def freeze(self) -> YamNet:
        """Traces the trunk, freezes its weights into the graph and lets torch fuse it for inference (oneDNN):
        about 1.7 times faster than the eager modules on a 5 s take's patches, one thread (models/MODEL_CARD.md,
        "Lead: YAMNet"). The frozen copy holds the weights as they are now: load any others before, not after."""
        example = torch.zeros(1, 1, PATCH_FRAMES, N_MELS)
        threads = torch.get_num_threads()
        # TorchScript is deprecated in favour of torch.compile, which needs a C compiler at run time and seconds
        # to compile: the warnings would only reach the performer's console.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # One thread: on two, beside other processes, the trace and fusing took 1.5-3.3 s of a model's load
            # against 0.1-0.3 s on one (the graph is the same; takes run on the caller's threads after).
            torch.set_num_threads(1)
            try:
                # Unchecked: the check traces and runs the module again and compares the graphs, 0.7-1 s on one
                # thread against 0.1 s for the trace (a sequence of convolutions has no branch for it to find; the
                # features are tested against the eager modules').
                traced = torch.jit.trace(self.layers().eval(), example, check_trace=False)
                frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
            finally:
                torch.set_num_threads(threads)
        object.__setattr__(self, "_frozen", frozen)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.feature_map(x).mean(dim=(2, 3))

    def logits(self, embeddings: torch.Tensor) -> torch.Tensor:
        """AudioSet class logits of embeddings (YAMNet's scores are their sigmoids)."""
        return self.classifier(embeddings)


def load_yamnet(path: str | Path) -> YamNet:
    """A :class:`YamNet` in float32, eval mode, from the file ``yamnet_weights build`` wrote (float16 weights)."""
    saved = torch.load(str(path), map_location="cpu", weights_only=True)
    return yamnet_from_state(saved["state_dict"])


def yamnet_state_fits(state_dict: Mapping[str, object]) -> bool:
    """Whether ``state_dict`` has exactly :class:`YamNet`'s tensors, by name and shape (a model file's YAMNet is
    checked so when it is read, not when the classifier builds the network from it)."""
    with torch.device("meta"):  # shapes only: no weights drawn nor allocated
        wanted = {k: tuple(v.shape) for k, v in YamNet().state_dict().items()}
    return set(state_dict) == set(wanted) and all(
        isinstance(v, torch.Tensor) and tuple(v.shape) == wanted[k] for k, v in state_dict.items())


def yamnet_from_state(state_dict: Mapping[str, torch.Tensor], freeze: bool = True) -> YamNet:
    """A :class:`YamNet` in float32, eval mode, from its state dict (float16 or float32 tensors), as a model file
    that carries YAMNet stores it; its trunk frozen for inference (:meth:`YamNet.freeze`: load the weights
    before, never after) unless ``freeze`` is False (the eager modules, for :mod:`.yamnet_int8` to quantise)."""
    with torch.device("meta"):  # no random initial weights: these replace them
        model = YamNet()
    model.load_state_dict({k: v.float() for k, v in state_dict.items()}, assign=True)
    return model.eval().freeze() if freeze else model.eval()


@torch.inference_mode()
def embed(model: nn.Module, y: np.ndarray, sample_rate: int = SAMPLE_RATE, hop: int = PATCH_HOP) -> np.ndarray:
    """``(n, 1024)`` embeddings of a take's patches (float32)."""
    x = torch.from_numpy(patches(log_mel(y, sample_rate), hop)).unsqueeze(1)
    return model(x).numpy()


def pooled(embeddings: np.ndarray) -> np.ndarray:
    """A take's 2048 features: its patch embeddings' mean, then their maximum."""
    return np.concatenate([embeddings.mean(axis=0), embeddings.max(axis=0)])


@torch.inference_mode()
def scores(model: YamNet, y: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """AudioSet's 521 class scores of a take: each patch's sigmoid, averaged over patches (YAMNet's clip score)."""
    embeddings = torch.from_numpy(embed(model, y, sample_rate))
    return torch.sigmoid(model.logits(embeddings)).mean(dim=0).numpy()


def side_by_side(spectrogram: np.ndarray) -> np.ndarray:
    """``(n, 96, 64)``: a :func:`log_mel` spectrogram's patches laid side by side, its end padded with silent
    frames (``log(0.001)``, what the padded silence gives) up to a whole number of patches."""
    short = -(spectrogram.shape[0] - PATCH_FRAMES) % PATCH_FRAMES
    if short:
        silence = np.full((short, spectrogram.shape[1]), np.log(LOG_OFFSET), np.float32)
        spectrogram = np.concatenate([spectrogram, silence])
    return patches(spectrogram, PATCH_FRAMES)


def take_features(model: nn.Module, y: np.ndarray, sample_rate: int = SAMPLE_RATE,
                  features: str = FEATURES) -> np.ndarray:
    """A take's :data:`FEATURE_SIZE` float32 features (mono or ``(samples, channels)`` audio at any rate), computed
    as ``features`` (one of :data:`KNOWN_FEATURES`) names them: what a head on YAMNet reads."""
    if features == SIDE_BY_SIDE_FEATURES:
        with torch.inference_mode():
            x = torch.from_numpy(side_by_side(log_mel(y, sample_rate))).unsqueeze(1)
            return pooled(model(x).numpy()).astype(np.float32)
    if features == PATCH_FEATURES:
        return pooled(embed(model, y, sample_rate)).astype(np.float32)
    raise ValueError(f"YAMNet features '{features}' are not computed by this code (it knows "
                     f"{', '.join(KNOWN_FEATURES)})")


def head_features(model: nn.Module, y: np.ndarray, sample_rate: int, scale: float,
                  features: str = FEATURES) -> np.ndarray:
    """YAMNet's part of a head's input, ``[aiSFX pooled | scale * YAMNet]``: :func:`take_features` times the head's
    ``scale``. The one computation the classifier makes of a take's analysed span and ``exsampling train`` of each
    training take's (:mod:`.take_yamnet`), so that a head is fitted on what it reads. Less the take's constant (DC)
    offset, as the aiSFX front end takes it away (:func:`.features.remove_offset`): YAMNet pads a take with silence,
    and an offset's step into that silence is a click across the spectrum (a tenth of the peak moved a prediction's
    probability 0.022). ``y`` is mono (both callers pass their mono span). The recipe's cached features
    (:mod:`.yamnet_features`) are of clips whose offset is nil."""
    return take_features(model, remove_offset(y), sample_rate, features) * np.float32(scale)


def reference_features(model: YamNet, y: np.ndarray, sample_rate: int = SAMPLE_RATE,
                       features: str = FEATURES) -> np.ndarray:
    """:func:`take_features` the slow, obvious way, to check and time the fast one against: numpy's float64 FFT
    and the model's eager modules (never its frozen trunk), conv by conv, on each patch."""
    mono = pad_waveform(to_model_rate(y, sample_rate)).astype(np.float64)
    frames = np.lib.stride_tricks.sliding_window_view(mono, WINDOW)[::HOP] * _WINDOW
    spectrogram = np.log(np.abs(np.fft.rfft(frames, FFT, axis=1)) @ _MEL + LOG_OFFSET).astype(np.float32)
    if features == SIDE_BY_SIDE_FEATURES:
        # Silent frames appended, one by one: not silent samples, whose first frames would still hold the take's
        # end (a take ending in the last 240 samples of its padding: 1.44-1.455 s, 2.40-2.415 s, ...).
        while (spectrogram.shape[0] - PATCH_FRAMES) % PATCH_FRAMES:
            silent = np.full((1, N_MELS), np.log(np.float32(LOG_OFFSET)), np.float32)
            spectrogram = np.concatenate([spectrogram, silent])
    hop = PATCH_FRAMES if features == SIDE_BY_SIDE_FEATURES else PATCH_HOP
    x = torch.from_numpy(patches(spectrogram, hop)).unsqueeze(1)
    with torch.no_grad():
        for conv, stride in zip(model.convs, model.strides, strict=True):
            x = torch.relu(conv(nn.functional.pad(x, (0, 1, 0, 1)) if stride == 2 else x))
    return pooled(x.mean(dim=(2, 3)).numpy()).astype(np.float32)
