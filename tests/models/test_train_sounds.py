"""The head's fitting: class-balanced softmax regression, and the mean of several seeds' heads."""

from __future__ import annotations

import torch

from exsampling_patch.models.train_sounds import FeatureSet, fit_head, fit_heads

LABELS = ["dog", "kick", "snare"]


def blobs(rows_per_label: tuple[int, ...] = (200, 40, 40), rows_seed: int = 0) -> FeatureSet:
    """Three labels as separate clouds in 16 dimensions (the same centres whatever ``rows_seed``), the first
    label far more numerous than the others."""
    centres = torch.randn(len(LABELS), 16, generator=torch.Generator().manual_seed(99)) * 3.0
    generator = torch.Generator().manual_seed(rows_seed)
    feats, labels = [], []
    for i, count in enumerate(rows_per_label):
        feats.append(centres[i] + torch.randn(count, 16, generator=generator))
        labels += [LABELS[i]] * count
    return FeatureSet(torch.cat(feats), labels, [f"g{i}" for i in range(len(labels))], ["clean"] * len(labels))


def accuracy(data: FeatureSet, weight: torch.Tensor, bias: torch.Tensor) -> float:
    predicted = (data.feats @ weight.T + bias).argmax(1)
    truth = torch.tensor([LABELS.index(label) for label in data.labels])
    return float((predicted == truth).float().mean())


def test_a_head_separates_labels_it_was_trained_on_and_generalises() -> None:
    weight, bias = fit_head(blobs(), LABELS, c=0.01, epochs=30, batch_size=64)
    assert weight.shape == (3, 16) and bias.shape == (3,)
    assert accuracy(blobs(), weight, bias) > 0.97
    assert accuracy(blobs((60, 60, 60), rows_seed=1), weight, bias) > 0.95  # new rows, each label as many
    untrained = (torch.zeros_like(weight), torch.zeros_like(bias))
    assert accuracy(blobs((60, 60, 60), rows_seed=1), *untrained) < 0.4


def test_several_seeds_give_the_mean_of_their_heads() -> None:
    data = blobs()
    heads = [fit_head(data, LABELS, c=0.01, epochs=3, seed=seed, batch_size=64) for seed in (0, 1)]
    assert not torch.allclose(heads[0][0], heads[1][0])  # another mini-batch order: another head
    weight, bias = fit_heads(data, LABELS, c=0.01, epochs=3, seeds=2, batch_size=64)
    assert torch.allclose(weight, (heads[0][0] + heads[1][0]) / 2, atol=1e-6)
    assert torch.allclose(bias, (heads[0][1] + heads[1][1]) / 2, atol=1e-6)
