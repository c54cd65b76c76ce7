"""The torch network: a 9-layer CNN trunk over a log-mel spectrogram and a linear head on pooled features.

The trunk has the layout of the aiSFX embedding network (Ma and Lerch, ISMIR 2022; itself the DCASE
cross-task "Cnn_9layers" baseline): four blocks of two 3x3 convolutions with batch norm and ReLU, 64-128-256-512
channels, 2x2 max pooling after the first three blocks. Its weights are aiSFX 0.1.2's published checkpoint
(CC BY 4.0), frozen: only the head is trained here (see ``MODEL_CARD.md``; ``trunk_tuning`` can tune the trunk).

The trunk is fully convolutional in time: :meth:`SoundNet.sequence` runs it once over a whole take and
returns the outputs of blocks 3 and 4, one column for every 8 spectrogram frames (one *step*, 0.37 s) and
8 coarse frequency bins. :meth:`SoundNet.pool` max- and mean-pools any range of steps into one feature
vector, which the linear head turns into class logits. So scoring every window of a take costs one
trunk pass, whatever the number of windows.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["STEP_FRAMES", "TUNED_TRUNK_KEY", "ConvBlock", "Head", "SoundNet", "Trunk", "float32_state",
           "read_tuned_trunk"]

STEP_FRAMES = 8
"""Spectrogram frames per step of the trunk's output sequence (three 2x pools in time)."""
TUNED_TRUNK_KEY = "tuned_trunk"
"""The key under which a file of :mod:`.trunk_tuning` holds its tuned trunk's weights."""


def float32_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` with its floating-point tensors in float32 (files keep weights in float16)."""
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def read_tuned_trunk(path: str | Path) -> dict[str, torch.Tensor] | None:
    """The trunk weights (float32) of a tuned trunk's file (:func:`.trunk_tuning.save_tuned_trunk`), or None for
    any other file (a model file, whose TorchScript part plain loading refuses, or a checkpoint)."""
    try:
        saved = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception:
        return None
    if not isinstance(saved, dict) or TUNED_TRUNK_KEY not in saved:
        return None
    return float32_state(saved[TUNED_TRUNK_KEY])


class ConvBlock(nn.Module):
    """Two 3x3 convolutions, each followed by batch norm and ReLU, then an optional max pool."""

    def __init__(self, in_channels: int, out_channels: int, pool: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        if self.pool > 1:
            x = F.max_pool2d(x, self.pool)
        return x


class Trunk(nn.Module):
    """The convolutional trunk. Input ``(batch, frames, bands)``; output the block-3 and block-4 maps,
    ``(batch, 256, steps, bands // 8)`` and ``(batch, 512, steps, bands // 8)``."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.conv_block1 = ConvBlock(1, width, 2)
        self.conv_block2 = ConvBlock(width, width * 2, 2)
        self.conv_block3 = ConvBlock(width * 2, width * 4, 2)
        self.conv_block4 = ConvBlock(width * 4, width * 8, 1)
        self.channels3 = width * 4
        self.channels4 = width * 8

    def forward(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = spec.unsqueeze(1)  # (B, 1, T, F)
        x = self.conv_block1(x)
        x = self.conv_block2(x)
        x3 = self.conv_block3(x)
        x4 = self.conv_block4(x3)
        return x3, x4


class Head(nn.Module):
    """A linear layer from pooled trunk features to class logits (optionally after dropout)."""

    def __init__(self, in_features: int, n_classes: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(in_features, n_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(features))


class SoundNet(nn.Module):
    """Trunk + pooling + head.

    ``forward(spec)`` pools over the whole input and returns ``(batch, n_classes)`` logits; use
    :meth:`sequence`, :meth:`pool` and :meth:`head` to score windows of one long take.

    Pooling keeps the trunk's coarse frequency axis (``bands // 8`` bins): for each of the block-3 and
    block-4 maps, the maximum and the mean over time of every (channel, frequency bin).
    """

    def __init__(self, n_classes: int, n_bands: int = 71, width: int = 64, dropout: float = 0.0) -> None:
        super().__init__()
        self.trunk = Trunk(width)
        self.n_bands = n_bands
        self.freq_bins = n_bands // 8
        self.feature_dim = 2 * (self.trunk.channels3 + self.trunk.channels4) * self.freq_bins
        self.head = Head(self.feature_dim, n_classes, dropout)
        self.n_classes = n_classes

    @staticmethod
    def min_frames() -> int:
        """Fewest spectrogram frames the trunk accepts (one step)."""
        return STEP_FRAMES

    def sequence(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Trunk maps ``(B, 256, steps, F')`` and ``(B, 512, steps, F')`` of ``(B, frames, bands)``."""
        return self.trunk(spec)

    @staticmethod
    def pool(map3: torch.Tensor, map4: torch.Tensor) -> torch.Tensor:
        """Max and mean over the step axis of both maps, flattened: ``(B, feature_dim)``."""
        return torch.cat(
            [map4.amax(dim=2).flatten(1), map4.mean(dim=2).flatten(1),
             map3.amax(dim=2).flatten(1), map3.mean(dim=2).flatten(1)],
            dim=1,
        )

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        map3, map4 = self.sequence(spec)
        return self.head(self.pool(map3, map4))

    def window_logits(self, spec: torch.Tensor, windows: list[tuple[int, int]]) -> torch.Tensor:
        """Logits ``(len(windows), n_classes)`` for step ranges ``[start, stop)`` of one take ``(1, T, F)``."""
        map3, map4 = self.sequence(spec)
        pooled = torch.cat([self.pool(map3[:, :, a:b], map4[:, :, a:b]) for a, b in windows], dim=0)
        return self.head(pooled)


def fuse_batch_norm(model: SoundNet) -> SoundNet:
    """Fold every batch norm of the trunk into the convolution before it (inference only, in place).

    Returns the model, in eval mode, with the batch norms replaced by identities.
    """
    model.eval()
    with torch.no_grad():
        for block in (
            model.trunk.conv_block1,
            model.trunk.conv_block2,
            model.trunk.conv_block3,
            model.trunk.conv_block4,
        ):
            for conv_name, bn_name in (("conv1", "bn1"), ("conv2", "bn2")):
                conv: nn.Conv2d = getattr(block, conv_name)
                bn = getattr(block, bn_name)
                if not isinstance(bn, nn.BatchNorm2d):
                    continue
                assert bn.running_var is not None and bn.running_mean is not None
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                fused = nn.Conv2d(
                    conv.in_channels, conv.out_channels, 3, padding=1, bias=True
                )
                fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
                assert fused.bias is not None
                fused.bias.copy_(bn.bias - bn.running_mean * scale)
                setattr(block, conv_name, fused)
                setattr(block, bn_name, nn.Identity())
    return model


def _prepare_int8(trunk: nn.Module, n_bands: int) -> torch.fx.GraphModule:
    """FX-prepare a trunk (with its batch norms, in eval mode) for static int8 quantisation (x86 or qnnpack).

    FX fuses each convolution with its batch norm *and its ReLU* into one int8 kernel. The ReLU fusion
    matters: a ReLU left on its own leaves every activation with a non-zero zero point, which sends the
    next convolution down a slow path (models/MODEL_CARD.md, "Speed and size"). So the trunk must come here
    unfused (:func:`fuse_batch_norm` leaves identities between the two).
    """
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx

    engine = torch.backends.quantized.engine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_fx(
            trunk.eval(), get_default_qconfig_mapping(engine), (torch.zeros(1, 4 * STEP_FRAMES, n_bands),)
        )


def calibrate_int8(model: SoundNet, specs: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Observe the activation ranges of a copy of the (unfused) trunk on ``(1, frames, bands)`` log-mel
    inputs; returns the observer state that :func:`quantize_trunk` needs (a few hundred kB)."""
    import copy

    prepared = _prepare_int8(copy.deepcopy(model.trunk), model.n_bands)
    with torch.inference_mode():
        for x in specs:
            prepared(x)
    return {k: v.clone() for k, v in prepared.state_dict().items() if "activation_post_process" in k}


def quantize_trunk(model: SoundNet, observer_state: dict[str, torch.Tensor]) -> nn.Module:
    """An int8 version of ``model``'s trunk (``model`` unfused, as trained), from observer state saved by
    :func:`calibrate_int8`. Same inputs and outputs (float) as :class:`Trunk`; convolution, batch norm
    and ReLU run as one int8 kernel, much faster than float32 on x86 CPUs."""
    import copy

    from torch.ao.quantization.quantize_fx import convert_fx

    prepared = _prepare_int8(copy.deepcopy(model.trunk), model.n_bands)
    state = prepared.state_dict()
    missing = [k for k in state if "activation_post_process" in k and k not in observer_state]
    if missing:
        raise ValueError(f"observer state lacks {len(missing)} entries (e.g. {missing[0]})")
    state.update(observer_state)
    prepared.load_state_dict(state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert_fx(prepared)


def script_int8_trunk(model: SoundNet, observer_state: dict[str, torch.Tensor]) -> bytes:
    """The int8 trunk of ``model`` (unfused float model) as a frozen TorchScript archive, for the model file.

    Loading it back (:func:`load_int8_trunk`) is far quicker than rebuilding it with FX quantisation in a
    fresh process.
    """
    import io

    quantized = quantize_trunk(model, observer_state)
    example = torch.rand(1, 4 * STEP_FRAMES, model.n_bands) * 0.5
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export, still works
        scripted = torch.jit.freeze(torch.jit.trace(quantized, example).eval())
        torch.jit.save(scripted, buf)
    return buf.getvalue()


def load_int8_trunk(data: bytes, n_bands: int) -> nn.Module:
    """Load an archive from :func:`script_int8_trunk` and check that it runs on this CPU (a quantised
    engine may be missing). Raises RuntimeError when it does not."""
    import io
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export, still works
        _silence_quantized_tensor_deprecation()
        trunk = torch.jit.load(io.BytesIO(data), map_location="cpu")
    with torch.inference_mode():
        for _ in range(2):  # TorchScript profiles its first calls: warm up here, not on the first take
            out3, out4 = trunk(torch.rand(1, 4 * STEP_FRAMES, n_bands) * 0.5)
    if out4.shape[1] != 512 or out3.shape[1] != 256:
        raise RuntimeError("int8 trunk gives unexpected shapes")
    return trunk


def _silence_quantized_tensor_deprecation() -> None:
    """Keep torch's once-per-process "quantized tensor creation functions are deprecated" notice off stderr.

    Loading the int8 trunk creates quantized tensors inside TorchScript, where torch prints that notice
    straight to stderr (at every `exsampling run` start-up), out of reach of Python's warning filters. The
    notice is emitted once per process: raising it first from a Python call turns it into a Python warning,
    which the caller's ``warnings.catch_warnings()`` filter drops, and the later load stays quiet. (Storing
    the trunk without torch's quantized tensors would mean dropping its int8 kernels, and their speed.)
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
        torch.quantize_per_tensor(torch.zeros(1), 1.0, 0, torch.quint8)
