"""The torch network: a 9-layer CNN trunk over a log-mel spectrogram and a linear head on pooled features.

The trunk has the layout of the aiSFX embedding network (Ma and Lerch, ISMIR 2022; itself the DCASE
cross-task "Cnn_9layers" baseline): four blocks of two 3x3 convolutions with batch norm and ReLU, 64-128-256-512
channels, 2x2 max pooling after the first three blocks. Its weights start from aiSFX 0.1.2's published
checkpoint (CC BY 4.0) and are fine-tuned on ESC-50 (see ``MODEL_CARD.md``).

The trunk is fully convolutional in time: :meth:`SoundNet.sequence` runs it once over a whole take and
returns, for every 8 spectrogram frames (one *step*, 0.37 s), the frequency-averaged outputs of blocks 3
and 4. :meth:`SoundNet.pool` max- and mean-pools any range of steps into one feature vector, which the
head turns into class logits. So scoring every window of a take costs one trunk pass, whatever the number
of windows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["STEP_FRAMES", "ConvBlock", "Head", "SoundNet", "Trunk"]

STEP_FRAMES = 8
"""Spectrogram frames per step of the trunk's output sequence (three 2x pools in time)."""


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
    """The convolutional trunk. Input ``(batch, frames, bands)``; output two ``(batch, C, steps)`` maps."""

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
        return x3.mean(dim=3), x4.mean(dim=3)


class Head(nn.Module):
    """Dropout and a linear layer from pooled trunk features to class logits."""

    def __init__(self, in_features: int, n_classes: int, dropout: float = 0.3) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(in_features, n_classes)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(features))


class SoundNet(nn.Module):
    """Trunk + pooling + head.

    ``forward(spec)`` pools over the whole input and returns ``(batch, n_classes)`` logits; use
    :meth:`sequence`, :meth:`pool` and :meth:`head` to score windows of one long take.
    """

    def __init__(self, n_classes: int, width: int = 64, dropout: float = 0.3) -> None:
        super().__init__()
        self.trunk = Trunk(width)
        self.feature_dim = 2 * (self.trunk.channels3 + self.trunk.channels4)
        self.head = Head(self.feature_dim, n_classes, dropout)
        self.n_classes = n_classes

    @staticmethod
    def min_frames() -> int:
        """Fewest spectrogram frames the trunk accepts (one step)."""
        return STEP_FRAMES

    def sequence(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Trunk feature sequences ``(B, 256, steps)`` and ``(B, 512, steps)`` of ``(B, frames, bands)``."""
        return self.trunk(spec)

    @staticmethod
    def pool(seq3: torch.Tensor, seq4: torch.Tensor) -> torch.Tensor:
        """Max and mean over the step axis of both sequences: ``(B, 2 * (256 + 512))``."""
        return torch.cat([seq4.amax(dim=2), seq4.mean(dim=2), seq3.amax(dim=2), seq3.mean(dim=2)], dim=1)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        seq3, seq4 = self.sequence(spec)
        return self.head(self.pool(seq3, seq4))

    def window_logits(self, spec: torch.Tensor, windows: list[tuple[int, int]]) -> torch.Tensor:
        """Logits ``(len(windows), n_classes)`` for step ranges ``[start, stop)`` of one take ``(1, T, F)``."""
        seq3, seq4 = self.sequence(spec)
        pooled = torch.cat([self.pool(seq3[:, :, a:b], seq4[:, :, a:b]) for a, b in windows], dim=0)
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
