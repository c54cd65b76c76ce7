"""Model and head files: write them, read them back checked (format, version, front end, trunk), and put a head
on another file's trunk. ``ModelFileError`` names the file and says what is wrong with it, in a few words."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from exsampling_patch.takes import write_atomic

from .features import FRONT_END, FrontEnd, trained_span
from .model_header import (
    HEAD_FORMAT,
    HEAD_VERSION,
    MODEL_FORMAT,
    MODEL_VERSION,
    PLAIN_VERSION,
    SHIPPED_MODEL,
    TORCH_MAGIC,
    ModelFileError,
    card_problem,
    check_blob,
    check_entries,
    check_yamnet_recipe,
    front_end_of,
    unreadable,
    unreadable_because,
)
from .network import Head, SoundNet, float32_state
from .yamnet import FEATURE_SIZE, FEATURES, yamnet_state_fits
from .yamnet_int8 import range_names

__all__ = [
    "HEAD_FORMAT",
    "MODEL_FORMAT",
    "SHIPPED_MODEL",
    "VALIDATION_HEAD",
    "HeadFile",
    "HeadYamnet",
    "LoadedModel",
    "ModelFileError",
    "YamnetBlock",
    "load_head_file",
    "load_model_file",
    "save_head_file",
    "save_model_file",
    "trunk_fingerprint",
    "with_head",
    "written_kind",
    "yamnet_fingerprint",
]

VALIDATION_HEAD = Path(__file__).resolve().parent / "sounds_validation_head.pt"
"""The head of the validation run (ESC-50 folds 1-3 and every musical source but lmms-common's: its sample pack
and its DrumSynth presets), for the shipped model's trunk: with it, ESC-50 fold 4 and the LMMS one-shots are
held-out data (see :func:`load_validation_classifier`)."""

@dataclass(frozen=True)
class YamnetBlock:
    """YAMNet as a model file carries it: its float16 state dict (:func:`.yamnet.yamnet_from_state` builds the
    network), the :data:`.yamnet.FEATURES` its head was trained with, and the head's ``scale``. The head reads
    ``[aiSFX pooled features | scale * YAMNet features]`` (:data:`.yamnet.FEATURE_SIZE` of the latter). ``int8``:
    the activations' ranges its first convs run at in int8 (:data:`.yamnet_int8.QParams`; None: float only)."""

    state_dict: Mapping[str, torch.Tensor]
    features: str = FEATURES
    scale: float = 1.0
    int8: Mapping[str, tuple[float, int]] | None = None

    @classmethod
    def from_weights(cls, path: str | Path, scale: float = 1.0) -> YamnetBlock:
        """The block of the weights file ``yamnet_weights.build`` wrote, with this code's features."""
        saved = torch.load(str(path), map_location="cpu", weights_only=True)
        return cls(dict(saved["state_dict"]), FEATURES, float(scale))

    def stored(self) -> dict[str, Any]:
        """As a model file stores it: float16 tensors, plain values."""
        state = {k: (v.half() if v.is_floating_point() else v).clone() for k, v in self.state_dict.items()}
        stored: dict[str, Any] = {"state_dict": state, "features": self.features, "scale": float(self.scale)}
        if self.int8:  # absent in files without it: they load as they were written before
            stored["int8"] = {name: [float(scale), int(zero)] for name, (scale, zero) in self.int8.items()}
        return stored


@dataclass(frozen=True)
class HeadYamnet:
    """What a head file trained on YAMNet's features records of it: the features' name, the scale, and the
    fingerprint of the weights (:func:`yamnet_fingerprint`) the model it goes on must carry."""

    features: str
    scale: float
    fingerprint: str


@dataclass
class LoadedModel:
    """A model file's content: the network, its labels, its front end and free-form metadata; ``yamnet`` where the
    head reads YAMNet's features too (its ``head.fc`` is then :data:`.yamnet.FEATURE_SIZE` wider than the trunk's
    ``feature_dim``)."""

    model: SoundNet
    labels: list[str]
    front_end: FrontEnd
    meta: dict[str, Any]
    path: Path
    int8_trunk: bytes | None = None
    yamnet: YamnetBlock | None = None

    @property
    def trained_span_seconds(self) -> float:
        """Each take's loudest span (s) its head was trained on (``meta``'s ``span_seconds``; 5 s in files written
        before it was recorded: :data:`.features.LEGACY_SPAN_SECONDS`); 0: whole takes."""
        return trained_span(self.meta)


def save_model_file(
    model: SoundNet,
    labels: list[str],
    path: str | Path,
    meta: dict[str, Any] | None = None,
    int8_trunk: bytes | None = None,
    yamnet: YamnetBlock | None = None,
) -> Path:
    """Write a model file (float16 weights, labels, front end, metadata; loadable with weights_only).

    ``int8_trunk`` (from :func:`network.script_int8_trunk`) lets the classifier run an int8 trunk. With ``yamnet``
    the file carries YAMNet too, and ``model``'s head must read ``feature_dim + FEATURE_SIZE`` features.
    """
    if len(labels) != model.n_classes:
        raise ValueError(f"{len(labels)} labels for a model with {model.n_classes} classes")
    _check_head_width(model.head.fc.in_features, model.feature_dim, yamnet is not None)
    state = {k: (v.half() if v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    blob = {
        "format": MODEL_FORMAT,
        "version": PLAIN_VERSION if yamnet is None else MODEL_VERSION,
        "labels": list(labels),
        "front_end": asdict(FRONT_END),
        "state_dict": state,
        "meta": _plain(meta or {}),
        "int8_trunk": torch.frombuffer(bytearray(int8_trunk), dtype=torch.uint8) if int8_trunk else None,
    }
    if yamnet is not None:  # absent, not None, in files without it: they stay as they were written before
        blob["yamnet"] = yamnet.stored()
    return _save_beside(blob, Path(path), "model")


def _check_head_width(width: int, feature_dim: int, with_yamnet: bool) -> None:
    """ValueError where a head ``width`` features wide does not read the trunk's (and YAMNet's) features."""
    wanted = feature_dim + (FEATURE_SIZE if with_yamnet else 0)
    if width != wanted:
        what = f"{feature_dim} + {FEATURE_SIZE} (YAMNet)" if with_yamnet else f"{feature_dim} (no YAMNet)"
        raise ValueError(f"the head reads {width} features, not the {what} it is written with")


def _save_beside(blob: dict[str, Any], out: Path, kind: str) -> Path:
    """``torch.save`` of ``blob`` beside ``out``, then put in its place. `exsampling train --out` into the model of a
    show, on a full disk, left a file cut short where the show's model had been (and a traceback from torch's zip
    writer); a show reading the file mid-write (its classifier's process started again) read it half written."""
    existed = out.is_file()
    try:  # made as open() makes files, as torch.save(out) did; no fsync, as before
        write_atomic(out, lambda part: torch.save(blob, part), durable=False, private=False)
    except BaseException as error:
        if not isinstance(error, OSError | RuntimeError):  # Ctrl+C: nothing to say but what was kept
            raise
        # torch's own words ("[enforce fail at inline_container.cc:672] . unexpected pos ...") name no cause
        why = error.strerror if isinstance(error, OSError) and error.strerror else "is the disk full?"
        kept = f"the {kind} there before is kept" if existed else "nothing was written"
        raise ModelFileError(f"cannot write the {kind} file {out} ({why}): {kept}") from error
    return out


def _plain(x: Any) -> Any:
    """Metadata reduced to types that ``torch.load(weights_only=True)`` accepts."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if x is None or isinstance(x, bool | int | float | str):
        return x
    return str(x)


def _read_blob(p: Path, kind: str, file_format: str, version: int) -> dict[str, Any]:
    """A model or head file's content, checked for its format and version; ModelFileError names the file."""
    if p.is_dir():  # "not found" of a folder that is there sent people looking for a typo
        raise ModelFileError(f"a folder, not a {kind} file: {p} (name the .pt file in it)")
    if not p.is_file():
        # `--model mine` for the mine.pt `exsampling train --out mine.pt` wrote: no spelling of the name finds it
        named = p.with_name(p.name + ".pt") if p.suffix != ".pt" else None
        meant = f" (did you mean '{named}'?)" if named is not None and named.is_file() else ""
        raise ModelFileError(f"{kind} file not found: {p}{meant}")
    card = card_problem(p) if kind == "model" else None
    if card is not None:  # `--model my_model.md`: "not a model file (it holds something other than weights)"
        raise ModelFileError(card)
    try:
        with p.open("rb") as file:  # opened once: the bytes checked are the bytes loaded
            check_entries(file, p, kind)  # torch's reader checks no CRC: it loaded weights with bytes zeroed
            file.seek(0)
            blob = torch.load(file, map_location="cpu", weights_only=True)
    except ModelFileError:
        raise
    except Exception as exc:
        raise unreadable(p, kind, unreadable_because(exc, p)) from exc
    return check_blob(blob, p, kind, file_format, version)


def written_kind(path: str | Path) -> str | None:
    """"model" or "head" where the file at ``path`` is a model or head file, of any version (its format, read as
    :func:`load_model_file` reads it); None for any other file, or one that does not load (damaged). `exsampling
    train --out` replaces a model file only: a take's WAV named so was replaced by a model."""
    p = Path(path)
    try:
        with p.open("rb") as file:
            if not file.read(2).startswith(TORCH_MAGIC):  # a WAV, a patch, a card: not handed to torch at all
                return None
            file.seek(0)
            blob = torch.load(file, map_location="cpu", weights_only=True)
    except Exception:  # any error of its reading says only that it is none of ours
        return None
    found = blob.get("format") if isinstance(blob, dict) else None
    return {MODEL_FORMAT: "model", HEAD_FORMAT: "head"}.get(found) if isinstance(found, str) else None


def load_model_file(path: str | Path | None = None) -> LoadedModel:
    """Read a model file (``None``: the shipped model). The network is returned in eval mode, unfused."""
    p = SHIPPED_MODEL if path is None else Path(path)
    blob = _read_blob(p, "model", MODEL_FORMAT, MODEL_VERSION)
    labels = [str(x) for x in blob["labels"]]
    front_end = front_end_of(blob, p, "model")
    yamnet = _yamnet_block(blob.get("yamnet"), p)
    with torch.device("meta"):  # no random initial weights: the file's replace them (0.1 s of the classifier's start)
        model = SoundNet(len(labels))
        if yamnet is not None:  # the head reads [aiSFX pooled | scale * YAMNet]
            model.head = Head(model.feature_dim + FEATURE_SIZE, len(labels))
    try:
        model.load_state_dict(float32_state(blob["state_dict"]), assign=True)
    except RuntimeError as error:  # torch's own words name tensors and shapes, not the file nor what to do
        raise unreadable(p, "model", _weights_misfit(blob, yamnet)) from error
    model.eval()
    int8 = blob.get("int8_trunk")
    return LoadedModel(model, labels, front_end, dict(blob.get("meta") or {}), p,
                       bytes(int8.numpy().tobytes()) if isinstance(int8, torch.Tensor) else None, yamnet)


def _weights_misfit(blob: dict[str, Any], yamnet: YamnetBlock | None) -> str:
    """Why a model file's weights do not fit the network its entries describe, in a few words."""
    if yamnet is None and blob.get("version") == MODEL_VERSION:
        # version 2 is written only with YAMNet: its head reads YAMNet's features, which nothing here gives
        return "its head reads YAMNet's features, and it carries no YAMNet"
    return "its weights do not fit the network it describes"


def _yamnet_block(stored: Any, p: Path) -> YamnetBlock | None:
    """The YAMNet a model file carries (None where it carries none), refused where its head was trained on
    features other than those this code computes (with it takes would be misheard), or where its weights are
    not YAMNet's (names and shapes: checked here, not when the classifier builds the network)."""
    if stored is None:
        return None
    if not (isinstance(stored, dict) and isinstance(stored.get("state_dict"), dict)
            and isinstance(stored.get("features"), str) and isinstance(stored.get("scale"), int | float)):
        raise unreadable(p, "model", "its YAMNet part is not one this exsampling writes")
    check_yamnet_recipe(stored["features"], p, "model")
    if not yamnet_state_fits(stored["state_dict"]):
        raise unreadable(p, "model", "its YAMNet weights are not YAMNet's (names or shapes differ)")
    return YamnetBlock(stored["state_dict"], stored["features"], float(stored["scale"]),
                       _int8_ranges(stored.get("int8"), p))


def _int8_ranges(stored: Any, p: Path) -> dict[str, tuple[float, int]] | None:
    """A YAMNet block's int8 activation ranges: name -> (scale > 0, zero point 0-255), as :meth:`YamnetBlock.stored`
    writes them; refused where damaged (a wrong range would mishear every take, silently)."""
    if stored is None:
        return None
    ranges: dict[str, tuple[float, int]] = {}
    for name, pair in stored.items() if isinstance(stored, dict) else [(None, None)]:
        if not (isinstance(name, str) and isinstance(pair, list | tuple) and len(pair) == 2
                and isinstance(pair[0], float) and np.isfinite(pair[0]) and pair[0] > 0
                and isinstance(pair[1], int) and 0 <= pair[1] <= 255):
            raise unreadable(p, "model", "its YAMNet int8 ranges are damaged (each wants a scale above 0 and a zero "
                             "point of 0-255)")
        ranges[name] = (float(pair[0]), int(pair[1]))
    if set(ranges) != range_names():  # checked here, where the file is named, not when the classifier builds YAMNet
        missing, extra = sorted(range_names() - set(ranges)), sorted(set(ranges) - range_names())
        raise unreadable(p, "model", f"its YAMNet int8 ranges are not of YAMNet's int8 convs (missing: "
                         f"{', '.join(missing) or 'none'}; not of them: {', '.join(extra) or 'none'})")
    return ranges


def yamnet_fingerprint(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 of YAMNet's weights as a model file stores them (float16): a head file trained on its features
    records it, and goes on no model carrying other weights."""
    return _fingerprint(state_dict)


def _fingerprint(state_dict: Mapping[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for key, value in sorted(state_dict.items()):
        v = value.detach().cpu()
        v = v.half() if v.is_floating_point() else v
        digest.update(key.encode())
        digest.update(v.contiguous().numpy().tobytes())
    return digest.hexdigest()


def trunk_fingerprint(model: SoundNet) -> str:
    """SHA-256 of the trunk's weights as a model file stores them (float16): a head file records the
    fingerprint of the trunk it was trained on, and loading it onto any other trunk is refused."""
    return _fingerprint(model.trunk.state_dict())


@dataclass
class HeadFile:
    """A head file's content: the linear head (``weight`` ``(classes, features)``, ``bias``), its labels,
    the fingerprint of the trunk it belongs to, and metadata."""

    labels: list[str]
    weight: torch.Tensor
    bias: torch.Tensor
    trunk: str
    meta: dict[str, Any]
    path: Path
    yamnet: HeadYamnet | None = None


def save_head_file(model: SoundNet, labels: list[str], path: str | Path, meta: dict[str, Any] | None = None,
                   yamnet: YamnetBlock | None = None) -> Path:
    """Write only ``model``'s linear head (float16, 24.6 kB a class) and its trunk's fingerprint; with ``yamnet``
    (the block of the model it was trained beside), a head that reads YAMNet's features too: its scale, features'
    name and the weights' fingerprint, not the weights.

    Heads trained on one frozen trunk can then share it: :func:`load_classifier` with ``head=`` puts the
    head on the trunk of a full model file.
    """
    if len(labels) != model.n_classes:
        raise ValueError(f"{len(labels)} labels for a head with {model.n_classes} classes")
    _check_head_width(model.head.fc.in_features, model.feature_dim, yamnet is not None)
    blob = {
        "format": HEAD_FORMAT,
        "version": PLAIN_VERSION if yamnet is None else HEAD_VERSION,
        "labels": list(labels),
        "front_end": asdict(FRONT_END),
        "weight": model.head.fc.weight.detach().half().clone(),
        "bias": model.head.fc.bias.detach().half().clone(),
        "trunk": trunk_fingerprint(model),
        "meta": _plain(meta or {}),
    }
    if yamnet is not None:
        blob["yamnet"] = {"features": yamnet.features, "scale": float(yamnet.scale),
                          "fingerprint": yamnet_fingerprint(yamnet.state_dict)}
    return _save_beside(blob, Path(path), "head")  # a head file cut short by a full disk lost the one there


def load_head_file(path: str | Path) -> HeadFile:
    """Read a head file written by :func:`save_head_file` (weights returned in float32)."""
    p = Path(path)
    blob = _read_blob(p, "head", HEAD_FORMAT, HEAD_VERSION)
    front_end_of(blob, p, "head")
    weight, bias = blob["weight"].float(), blob["bias"].float()
    labels = [str(x) for x in blob["labels"]]
    if weight.ndim != 2 or weight.shape[0] != len(labels) or bias.shape != (len(labels),):
        raise ModelFileError(f"head {p}: weight {tuple(weight.shape)} and bias {tuple(bias.shape)} do not fit "
                             f"{len(labels)} labels")
    return HeadFile(labels, weight, bias, str(blob["trunk"]), dict(blob.get("meta") or {}), p,
                    _head_yamnet(blob.get("yamnet"), p))


def _head_yamnet(stored: Any, p: Path) -> HeadYamnet | None:
    if stored is None:
        return None
    if not (isinstance(stored, dict) and isinstance(stored.get("features"), str)
            and isinstance(stored.get("scale"), int | float) and isinstance(stored.get("fingerprint"), str)):
        raise unreadable(p, "head", "its YAMNet part is not one this exsampling writes")
    check_yamnet_recipe(stored["features"], p, "head")
    return HeadYamnet(stored["features"], float(stored["scale"]), stored["fingerprint"])


def with_head(loaded: LoadedModel, head: HeadFile) -> LoadedModel:
    """``loaded`` with its head replaced by ``head`` (checked against the trunk, and against the YAMNet the model
    carries where the head reads its features); the int8 trunk is kept. A head without YAMNet on a model with it
    runs without YAMNet."""
    if head.trunk != trunk_fingerprint(loaded.model):
        raise ModelFileError(f"head {head.path} was trained on another trunk than the one in {loaded.path}")
    yamnet = _yamnet_for(head, loaded)
    model = SoundNet(len(head.labels), n_bands=loaded.model.n_bands)
    width = model.feature_dim + (FEATURE_SIZE if yamnet is not None else 0)
    if head.weight.shape[1] != width:
        gives = f"{model.feature_dim} + {FEATURE_SIZE} from YAMNet" if yamnet is not None else f"{model.feature_dim}"
        raise ModelFileError(f"head {head.path} reads {head.weight.shape[1]} features, the trunk gives {gives}")
    if yamnet is not None:
        model.head = Head(width, len(head.labels))
    model.trunk.load_state_dict(loaded.model.trunk.state_dict())
    with torch.no_grad():
        model.head.fc.weight.copy_(head.weight)
        model.head.fc.bias.copy_(head.bias)
    model.eval()
    meta = {**loaded.meta, "head": {"path": str(head.path), **head.meta}}
    return LoadedModel(model, list(head.labels), loaded.front_end, meta, loaded.path, loaded.int8_trunk, yamnet)


def _yamnet_for(head: HeadFile, loaded: LoadedModel) -> YamnetBlock | None:
    """The YAMNet block the model with ``head`` runs: ``loaded``'s at the head's scale; None for a head without."""
    if head.yamnet is None:
        return None
    if loaded.yamnet is None:
        raise ModelFileError(f"head {head.path} was trained on YAMNet's features too, and the model {loaded.path} "
                             "carries no YAMNet: put it on the model file it was trained with")
    if head.yamnet.fingerprint != yamnet_fingerprint(loaded.yamnet.state_dict):
        raise ModelFileError(f"head {head.path} was trained on other YAMNet weights than those in {loaded.path}")
    return replace(loaded.yamnet, features=head.yamnet.features, scale=head.yamnet.scale)
