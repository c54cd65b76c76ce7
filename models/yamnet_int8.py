"""YAMNet's trunk with its first convolutions in int8: what the classifier runs where the model file carries their
activations' ranges (models/MODEL_CARD.md, "YAMNet in int8").

Convolutions ``0`` to ``INT8_CONVS - 1`` run as oneDNN int8 kernels (per-channel int8 weights, 8-bit activations,
each conv fused with its ReLU), the rest in float32 as :meth:`.yamnet.YamNet.freeze` runs the whole trunk. From
conv 20 on, one step per tensor for the activations wipes out most channels (their ranges differ 20 to 140 times),
so those stay float. Each stride-2 pad is folded into a 4x4 kernel whose first row and column are zero: the same
windows, exactly, and no pad for int8 to requantise around.

The activations' ranges (:data:`QParams`) are measured once, when the model is shipped (:func:`calibrate`), and
stored in the model file (a few hundred bytes); the weights are quantised again from the file's float16 ones at
each load (:func:`int8_yamnet`), which is quicker than reading a stored int8 trunk would be large.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.ao import quantization as tq
from torch.ao.nn import quantized as nnq

from .features import remove_offset
from .yamnet import N_MELS, PATCH_FRAMES, YamNet, log_mel, side_by_side, yamnet_from_state

__all__ = ["ENGINE", "INT8_CONVS", "FrozenInt8Yamnet", "Int8Yamnet", "QParams", "calibrate", "calibrated",
           "calibration_patches", "int8_available", "int8_yamnet", "padded_kernel", "range_names", "runnable_yamnet",
           "trunk_layers"]

INT8_CONVS = 20
"""Convolutions ``0`` to ``INT8_CONVS - 1`` (:attr:`.yamnet.YamNet.convs`) run in int8, the rest in float."""
ENGINE = "onednn"
"""On this project's x86 hosts oneDNN's int8 convolutions ran 5 times faster than fbgemm's, the ``x86`` engine's
choice for them (models/MODEL_CARD.md, "int8, second try")."""

QParams = Mapping[str, tuple[float, int]]
"""Each quantised activation's (scale, zero point), by its module's name in :class:`Int8Yamnet` (``quant``, the
input's; ``middle.<i>``, each int8 conv's output)."""


def range_names(stop: int = INT8_CONVS) -> frozenset[str]:
    """The names of :data:`QParams`' entries for convs ``0`` to ``stop - 1``: the input's Quantize, then each conv's
    (every other module of the middle: each conv is followed by its ReLU, fused into it)."""
    return frozenset({"quant"} | {f"middle.{2 * i}" for i in range(stop)})


def int8_available() -> bool:
    """Whether this torch has the :data:`ENGINE` quantised engine (an x86 build has; an ARM one may not)."""
    return ENGINE in torch.backends.quantized.supported_engines


_engine_lock = threading.Lock()


@contextmanager
def _engine() -> Iterator[None]:
    """:data:`ENGINE` while a trunk is quantised, then the process's own again: the aiSFX trunk's quantisation
    (FX, its default engine's mapping) must not change with YAMNet's. One at a time: the setting is the process's,
    and two loads at once (two classifiers in one process) would each restore the other's."""
    with _engine_lock:
        before = torch.backends.quantized.engine
        torch.backends.quantized.engine = ENGINE
        try:
            yield
        finally:
            torch.backends.quantized.engine = before


def padded_kernel(conv: nn.Conv2d) -> nn.Conv2d:
    """A stride-2 3x3 ``conv`` after TensorFlow's SAME pad (one row and column after, none before) as one 4x4 conv
    with a row and column of zero weights first and a padding of 1 each side: the same windows, so the same outputs
    exactly in float, with no pad module (zero weights stay zero in int8)."""
    wide = nn.Conv2d(conv.in_channels, conv.out_channels, 4, stride=2, padding=1, groups=conv.groups)
    with torch.no_grad():
        wide.weight.zero_()
        wide.weight[:, :, 1:, 1:] = conv.weight
        assert conv.bias is not None and wide.bias is not None
        wide.bias.copy_(conv.bias)
    return wide


def trunk_layers(model: YamNet, indices: Sequence[int], pad_in_kernel: bool = True) -> list[nn.Module]:
    """The trunk's modules for convolutions ``indices``: (pad,) conv, ReLU; sharing ``model``'s weights except the
    4x4 kernels (``pad_in_kernel``), which are new."""
    modules: list[nn.Module] = []
    for i in indices:
        conv = model.convs[i]
        assert isinstance(conv, nn.Conv2d)
        if model.strides[i] == 2 and pad_in_kernel:
            conv = padded_kernel(conv)
        elif model.strides[i] == 2:
            modules.append(nn.ZeroPad2d((0, 1, 0, 1)))  # TensorFlow's SAME at stride 2: after, not before
        modules += [conv, nn.ReLU()]
    return modules


class Int8Yamnet(nn.Module):
    """Float convs before ``first``, a quantised run to ``stop``, float again after; ``forward`` maps
    ``(n, 1, 96, 64)`` patches to ``(n, 1024)`` embeddings as :class:`~.yamnet.YamNet` does, so that it stands in
    for it (:func:`.yamnet.take_features`, the classifier)."""

    def __init__(self, model: YamNet, first: int = 0, stop: int = INT8_CONVS, pad_in_kernel: bool = True) -> None:
        super().__init__()
        n = len(model.convs)
        self.before = nn.Sequential(*trunk_layers(model, range(0, first), pad_in_kernel))
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.middle = nn.Sequential(*trunk_layers(model, range(first, stop), pad_in_kernel))
        self.after = nn.Sequential(*trunk_layers(model, range(stop, n), pad_in_kernel))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dequant(self.middle(self.quant(self.before(x))))
        return self.after(x).mean(dim=(2, 3))


def _fuse_pairs(layers: nn.Sequential) -> list[list[str]]:
    """Each conv with the ReLU after it: one quantised ConvReLU2d, no requantised step between them."""
    names = [name for name, module in layers.named_children() if isinstance(module, nn.Conv2d)]
    return [[name, str(int(name) + 1)] for name in names]


def prepared(model: YamNet, observer: type[tq.ObserverBase], first: int = 0, stop: int = INT8_CONVS,
             pad_in_kernel: bool = True) -> Int8Yamnet:
    """An :class:`Int8Yamnet` of a copy of ``model``'s weights, fused and prepared for eager static quantisation
    (``observer`` on the activations, per-channel symmetric int8 weights); call under :func:`_engine`."""
    import copy

    trunk = Int8Yamnet(copy.deepcopy(model), first, stop, pad_in_kernel).eval()  # prepare swaps modules in place
    if len(trunk.middle):
        tq.fuse_modules(trunk.middle, _fuse_pairs(trunk.middle), inplace=True)
    trunk.qconfig = tq.QConfig(  # type: ignore[assignment]
        activation=observer.with_args(reduce_range=False),  # 8 bits: VNNI
        weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    trunk.before.qconfig = trunk.after.qconfig = None  # type: ignore[assignment]  # these stay float
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notes for eager quantisation
        tq.prepare(trunk, inplace=True)
    return trunk


def _convert(trunk: Int8Yamnet) -> Int8Yamnet:
    with warnings.catch_warnings():
        # torch's deprecation notes, and "must run observer before calling calculate_qparams" where the ranges are
        # set after (int8_yamnet)
        warnings.simplefilter("ignore")
        tq.convert(trunk, inplace=True)
    return trunk


def _quantised(trunk: Int8Yamnet) -> dict[str, nn.Module]:
    """The modules of a converted trunk that quantise their output: the input's Quantize, each int8 conv."""
    return {name: module for name, module in trunk.named_modules()
            if (name == "quant" or name.startswith("middle.")) and hasattr(module, "zero_point")}


def calibrated(model: YamNet, patches: torch.Tensor, first: int = 0, stop: int = INT8_CONVS,
               pad_in_kernel: bool = True) -> Int8Yamnet:
    """``model`` with convs ``first`` to ``stop - 1`` converted to int8 at the activations' ranges observed over
    ``patches`` (``(n, 1, 96, 64)``, :func:`calibration_patches`) by 8-bit histogram observers, which clip a range's
    rare extremes; under the quantised engine in force (:func:`calibrate` sets :data:`ENGINE`)."""
    trunk = prepared(model, tq.HistogramObserver, first, stop, pad_in_kernel)
    with torch.inference_mode():
        for batch in patches.split(64):
            trunk(batch)
    return _convert(trunk)


def calibrate(model: YamNet, patches: torch.Tensor, stop: int = INT8_CONVS) -> dict[str, tuple[float, int]]:
    """The activations' ranges of ``model``'s int8 convs over ``patches`` (:func:`calibrated`): what
    :func:`int8_yamnet` needs."""
    with _engine():
        trunk = calibrated(model, patches, stop=stop)
    return {name: (float(module.scale), int(module.zero_point))  # type: ignore[arg-type]
            for name, module in _quantised(trunk).items()}


def calibration_patches(takes: Sequence[tuple[np.ndarray, int]]) -> torch.Tensor:
    """``(n, 1, 96, 64)``: the patches YAMNet sees of each mono take, as the classifier lays them (its offset
    taken away, side by side)."""
    out = [side_by_side(log_mel(remove_offset(y), rate)) for y, rate in takes]
    return torch.from_numpy(np.concatenate(out)).unsqueeze(1)


class FrozenInt8Yamnet(nn.Module):
    """An :class:`Int8Yamnet`, converted; its float parts traced, frozen and fused for oneDNN, as
    :meth:`~.yamnet.YamNet.freeze` fuses the float trunk, and its int8 part traced and frozen (not fused:
    ``optimize_for_inference`` takes no quantised graph). Frozen, the int8 convs run quicker than eager, the same
    outputs to the bit, for a trace and freeze at each load (models/MODEL_CARD.md, "YAMNet in int8"). Build it under
    the engine its trunk was converted for (:func:`int8_yamnet` does): the freeze packs the weights for the engine in
    force."""

    def __init__(self, trunk: Int8Yamnet) -> None:
        super().__init__()
        x = torch.zeros(1, 1, PATCH_FRAMES, N_MELS)  # each float part is traced on what reaches it
        self.parts: list[nn.Module] = []
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript's, as in YamNet.freeze
            if len(trunk.before):
                self.parts.append(_fused(trunk.before, x))
                x = trunk.before(x)
            if len(trunk.middle):
                int8_part = nn.Sequential(trunk.quant, trunk.middle, trunk.dequant).eval()
                self.parts.append(_frozen(int8_part, x))
                x = int8_part(x)
            if len(trunk.after):
                self.parts.append(_fused(trunk.after, x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for part in self.parts:
            x = part(x)
        return x.mean(dim=(2, 3))


def _frozen(part: nn.Sequential, x: torch.Tensor) -> torch.jit.ScriptModule:
    """A quantised part traced on ``x`` and frozen: its packed weights become constants of the graph. Frozen under
    the engine in force (:func:`_engine`): the freeze packs the weights anew for it."""
    with warnings.catch_warnings():
        # The input's Quantize reads its scale and zero point from buffers: the trace keeps them as constants, as
        # they are (calibrated once), and says so to a performer's console
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.freeze(torch.jit.trace(part, x, check_trace=False))


def _fused(part: nn.Sequential, x: torch.Tensor) -> torch.jit.ScriptModule:
    """A float part traced on ``x``, frozen and fused for oneDNN."""
    return torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(part.eval(), x, check_trace=False)))


def int8_yamnet(model: YamNet, qparams: QParams, stop: int = INT8_CONVS) -> FrozenInt8Yamnet:
    """``model`` (float, eager) with convs ``0`` to ``stop - 1`` in int8 at the activations' ranges ``qparams``
    (:func:`calibrate`'s), its float convs traced and frozen (:class:`FrozenInt8Yamnet`).

    Raises:
        ValueError: ``qparams`` are not of this trunk's int8 convs (another ``stop``, a damaged file).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as YamNet.freeze: the trace and fusing took seconds of a load on two threads
    try:
        with _engine():
            trunk = _convert(prepared(model, tq.MinMaxObserver, stop=stop))
            modules = _quantised(trunk)
            if set(modules) != set(qparams):
                missing, extra = sorted(set(modules) - set(qparams)), sorted(set(qparams) - set(modules))
                raise ValueError(f"the int8 ranges do not fit convs 0-{stop - 1} of YAMNet (missing: "
                                 f"{', '.join(missing) or 'none'}; not of them: {', '.join(extra) or 'none'})")
            for name, module in modules.items():
                scale, zero_point = qparams[name]
                if isinstance(module, nnq.Quantize):  # its range in buffers, a conv's as plain numbers
                    module.scale.fill_(float(scale))
                    module.zero_point.fill_(int(zero_point))
                else:
                    setattr(module, "scale", float(scale))  # noqa: B010  # not a tensor attribute: mypy's view
                    setattr(module, "zero_point", int(zero_point))  # noqa: B010
            return FrozenInt8Yamnet(trunk)
    finally:
        torch.set_num_threads(threads)


def runnable_yamnet(state_dict: Mapping[str, torch.Tensor], qparams: QParams | None,
                    int8: bool = True) -> tuple[nn.Module, bool]:
    """YAMNet as the classifier runs it from a model file's block: int8 where the file carries ``qparams``, ``int8``
    is asked for and this torch has the engine, else float32 (:func:`.yamnet.yamnet_from_state`). Returns the
    network and whether it is the int8 one."""
    if int8 and qparams and int8_available():
        try:
            return int8_yamnet(yamnet_from_state(state_dict, freeze=False), qparams), True
        except RuntimeError:  # the engine is listed but its kernels do not run on this CPU: stay in float
            pass
    return yamnet_from_state(state_dict), False
