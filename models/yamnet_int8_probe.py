"""Can YAMNet's trunk run in int8 on CPU with features close enough to float that the shipped head needs no
retraining? A measured probe, no product change (models/MODEL_CARD.md, "Lead: YAMNet")::

    .venv/bin/python -m exsampling_patch.models.yamnet_int8_probe [--data ../shared/data/esc50] [--calibration 40]

Eager-mode static quantisation (``torch.ao.quantization``: per-channel int8 weights, 8-bit histogram observers on
the activations), calibrated on clips of ESC-50 folds 1-3 only, the stride-2 pads kept inside the quantised region
(no dequantise and requantise around each, as FX graph mode did): first as ``ZeroPad2d`` on the ``x86`` engine (a
quantised tensor pads with its real zero), then folded into 4x4 kernels on the ``onednn`` engine (faster here).
Each variant quantises a run of the trunk's convolutions (``YamNet.convs`` indices) and leaves the rest in float.
For each it prints the cosine between its :func:`~.yamnet.take_features` and float's on 100 fold-4 clips (median
and least) and the ms YAMNet takes on a 5 s take, one thread (median of 21, float timed in the same rounds); for
the best variant (highest least cosine), the validation classifier's fold-4 top-1 with its features swapped in
for float's, clips scored as :func:`.benchmark.fold4_accuracy` scores them. The last variants first bring each
conv's output channels towards one range (:func:`equalise`). Writes no model file. About 2 min on one core.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .benchmark import DEFAULT_DATA, fold4_rows
from .oneshots import DEFAULT_CACHE
from .yamnet import YamNet, load_yamnet, log_mel, patches, take_features, yamnet_from_state
from .yamnet_int8 import FrozenInt8Yamnet, Int8Yamnet, calibrated
from .yamnet_probe import clip_rows
from .yamnet_weights import build

__all__ = ["VARIANTS", "FrozenTrunk", "Variant", "calibration_patches", "channel_ranges", "cosines",
           "equalise", "main", "quantise", "time_pair"]


@dataclass(frozen=True)
class Variant:
    """Convolutions ``first`` to ``stop - 1`` in int8, the rest in float."""

    name: str
    first: int
    stop: int
    engine: str = "onednn"  # on this host oneDNN's int8 convs ran 5 times faster than fbgemm's (x86's choice)
    pad_in_kernel: bool = True  # each stride-2 pad in a 4x4 kernel: a quantised pad cost 6-9 ms a 5 s take
    #: How far each conv's output channels are brought to one range before quantising (:func:`equalise`): 0 not
    #: at all, 1 each to the widest channel's range.
    equalise: float = 0.0
    equalise_from: int = 0  #: the first conv whose outputs are equalised


VARIANTS = (Variant("x86 engine, ZeroPad2d quantised, all 27 convs int8", 0, 27, "x86", False),
            Variant("oneDNN, pads in 4x4 kernels, all 27 convs int8", 0, 27),
            Variant("oneDNN, pads in 4x4 kernels, convs 0-21 int8, 22-26 float", 0, 22),
            Variant("oneDNN, pads in 4x4 kernels, convs 0-19 int8, 20-26 float", 0, 20),
            Variant("oneDNN, pads in 4x4 kernels, convs 2-19 int8, 0-1 and 20-26 float", 2, 20),
            Variant("oneDNN, pads in 4x4 kernels, activations equalised (0.5), all 27 convs int8", 0, 27,
                    equalise=0.5),
            Variant("oneDNN, pads in 4x4 kernels, activations equalised (1), all 27 convs int8", 0, 27, equalise=1.0),
            Variant("oneDNN, pads in 4x4 kernels, activations equalised (0.5), convs 2-26 int8", 2, 27,
                    equalise=0.5),
            Variant("oneDNN, pads in 4x4 kernels, activations equalised (1), convs 2-26 int8", 2, 27, equalise=1.0))
"""In the order run. Conv 22 is the last 512-channel pointwise conv, from which FX's int8 lost the features."""


def channel_ranges(model: YamNet, calibration: torch.Tensor) -> list[torch.Tensor]:
    """Each conv's largest output per channel (after its ReLU) over ``calibration``'s patches, in float."""
    layers = model.layers().eval()
    ranges: list[torch.Tensor] = []
    with torch.inference_mode():
        for batch in calibration.split(64):
            x, i = batch, 0
            for module in layers:
                x = module(x)
                if isinstance(module, nn.ReLU):
                    top = x.amax(dim=(0, 2, 3))
                    if len(ranges) <= i:
                        ranges.append(top)
                    else:
                        ranges[i] = torch.maximum(ranges[i], top)
                    i += 1
    return ranges


def equalise(model: YamNet, calibration: torch.Tensor, strength: float,
             first: int = 0) -> tuple[YamNet, torch.Tensor]:
    """A copy of ``model`` whose convs' output channels are scaled towards one range (each channel by
    ``(widest / its range) ** strength``), each scale undone in the next conv's input weights: through the ReLUs,
    the same function in float. A per-tensor int8 step then no longer wipes out the narrow channels (the last
    convs' ranges differ 20 to 140 times across channels). Returns the copy and what to multiply its embeddings by
    to undo the last conv's scales (they pass the mean over time and frequency unchanged)."""
    model = copy.deepcopy(model)
    ranges = channel_ranges(model, calibration)
    with torch.no_grad():
        scales = []
        for i, top in enumerate(ranges):
            alive = top > 0  # a channel never positive stays as it is: zero whatever its scale
            scale = torch.ones_like(top)
            if i >= first:
                scale[alive] = (top.max() / top[alive]) ** strength
            scales.append(scale)
        for i, conv in enumerate(model.convs):
            assert isinstance(conv, nn.Conv2d) and conv.bias is not None
            if i:  # undo the previous conv's scales on this conv's inputs
                before = scales[i - 1]
                if conv.groups == conv.in_channels:  # depthwise: one input channel a filter
                    conv.weight.div_(before.reshape(-1, 1, 1, 1))
                else:
                    conv.weight.div_(before.reshape(1, -1, 1, 1))
            conv.weight.mul_(scales[i].reshape(-1, 1, 1, 1))
            conv.bias.mul_(scales[i])
    return model, 1.0 / scales[-1]


def calibration_patches(data: Path, clips: int, seed: int = 0) -> torch.Tensor:
    """``(n, 1, 96, 64)`` patches of ``clips`` clips of folds 1-3 (never fold 4's, which the figures are of),
    drawn at random with a fixed seed."""
    import soundfile as sf

    rows = [r for r in clip_rows(data) if int(r["fold"]) <= 3]
    chosen = np.random.default_rng(seed).choice(len(rows), size=clips, replace=False)
    out = [patches(log_mel(*sf.read(str(data / "audio" / rows[i]["filename"]), dtype="float32")))
           for i in sorted(chosen)]
    return torch.from_numpy(np.concatenate(out)).unsqueeze(1)


def quantise(model: YamNet, variant: Variant, calibration: torch.Tensor) -> nn.Module:
    """``model``'s trunk as ``variant`` quantises it (:func:`~.yamnet_int8.calibrated`, on ``calibration``), its
    float parts frozen as the product's are (a wrapper whose ``forward`` returns embeddings)."""
    torch.backends.quantized.engine = variant.engine
    unscale = None
    if variant.equalise:
        model, unscale = equalise(model, calibration, variant.equalise, variant.equalise_from)
    trunk = calibrated(model, calibration, variant.first, variant.stop, variant.pad_in_kernel)
    return FrozenTrunk(trunk, unscale)


class FrozenTrunk(FrozenInt8Yamnet):
    """A variant's trunk as the product's :class:`~.yamnet_int8.FrozenInt8Yamnet`, its embeddings multiplied by
    ``unscale`` (what undoes :func:`equalise`'s last scales) where given."""

    def __init__(self, trunk: Int8Yamnet, unscale: torch.Tensor | None = None) -> None:
        super().__init__(trunk)
        self.unscale = unscale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embeddings = super().forward(x)
        return embeddings if self.unscale is None else embeddings * self.unscale


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def cosines(int8: Callable[[np.ndarray, int], np.ndarray], reference: Sequence[np.ndarray],
            takes: Sequence[tuple[np.ndarray, int]]) -> tuple[float, float]:
    """(median, least) cosine between ``int8``'s features of each take and the float ones."""
    values = [_cosine(int8(*take), ref) for take, ref in zip(takes, reference, strict=True)]
    return statistics.median(values), min(values)


def time_pair(float_model: nn.Module, int8_model: nn.Module, repeats: int = 21) -> dict[str, float]:
    """Median ms of the trunk on a 5 s 44.1 kHz stereo take's 10 patches, and of the whole ``take_features``, for
    float and int8 in turn in each round (a shared host's load falls on both alike); after a round to warm up."""
    take = (np.random.default_rng(0).standard_normal((5 * 44100, 2)) * 0.1).astype(np.float32)
    x = torch.from_numpy(patches(log_mel(take, 44100))).unsqueeze(1)
    steps: dict[str, Callable[[], object]] = {}
    for name, m in (("float", float_model), ("int8", int8_model)):
        steps[f"{name}_trunk_ms"] = _trunk_step(m, x)
        steps[f"{name}_take_features_ms"] = _features_step(m, take)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for round_ in range(repeats + 1):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            if round_:
                times[name].append(1000 * (time.perf_counter() - started))
    return {name: round(statistics.median(t), 1) for name, t in times.items()}


def _trunk_step(model: nn.Module, x: torch.Tensor) -> Callable[[], object]:
    def run() -> object:
        with torch.inference_mode():
            return model(x)
    return run


def _features_step(model: nn.Module, take: np.ndarray) -> Callable[[], object]:
    return lambda: take_features(model, take, 44100)


def _fold4_labels(data: Path, int8_model: nn.Module | None) -> list[str | None]:
    """The validation classifier's label of each fold-4 clip (whole takes, as :func:`.benchmark.fold4_accuracy`
    scores them), with ``int8_model`` for its YAMNet where given."""
    from .classifier import load_validation_classifier

    clf = load_validation_classifier(threads=1)
    assert clf._loaded.yamnet is not None
    # the probe's swap: features only, same head; float's the float trunk's (the shipped one runs in int8 since 7 Dec)
    clf._yamnet = int8_model if int8_model is not None else yamnet_from_state(clf._loaded.yamnet.state_dict)
    return [clf.predict_file(data / "audio" / r["filename"]).label for r in fold4_rows(data)]


def _report_top1(data: Path, name: str, int8_model: nn.Module) -> None:
    """Prints fold 4's top-1 with float's and with ``int8_model``'s features, and how many clips' labels moved."""
    truth = [r["category"] for r in fold4_rows(data)]
    floats, int8s = _fold4_labels(data, None), _fold4_labels(data, int8_model)
    right = {k: 100 * float(np.mean([a == t for a, t in zip(v, truth, strict=True)]))
             for k, v in (("float", floats), ("int8", int8s))}
    moved = sum(a != b for a, b in zip(floats, int8s, strict=True))
    print(f"fold-4 top-1 ({len(truth)} clips), validation classifier: float {right['float']:.2f}%, {name} "
          f"{right['int8']:.2f}%; labels that differ between the two: {moved}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folder (default %(default)s)")
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="cache folder (default %(default)s)")
    ap.add_argument("--calibration", type=int, default=40, help="folds 1-3 clips to calibrate on")
    ap.add_argument("--no-top1", action="store_true", help="skip the fold-4 top-1 of the best variant")
    args = ap.parse_args(argv)
    import soundfile as sf
    from threadpoolctl import threadpool_limits

    data = Path(args.data)
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):  # one core: the host is shared, and the timing is a one-thread figure
        model = load_yamnet(build(Path(args.cache)))
        calibration = calibration_patches(data, args.calibration)
        takes = [sf.read(str(data / "audio" / r["filename"]), dtype="float32") for r in fold4_rows(data)[::4]]
        reference = [take_features(model, y, rate) for y, rate in takes]
        print(f"calibration: {args.calibration} clips of folds 1-3, {len(calibration)} patches; "
              f"cosine on {len(takes)} fold-4 clips", flush=True)
        best: tuple[float, Variant, nn.Module] | None = None
        for variant in VARIANTS:
            int8 = quantise(model, variant, calibration)
            median, least = cosines(lambda y, rate, m=int8: take_features(m, y, rate), reference, takes)  # type: ignore[misc]
            print(f"{variant.name}: cosine median {median:.4f}, least {least:.4f}; 5 s take, 1 thread "
                  f"{time_pair(model, int8)}", flush=True)
            if best is None or least > best[0]:
                best = (least, variant, int8)
        if best is not None and not args.no_top1:
            _report_top1(data, best[1].name, best[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
