"""Fitting the classifier's linear head on cached features: class-balanced, L2-regularised softmax regression
with the slot's cross-entropy beside the label's (:func:`fit_head`), the mean of several seeds' heads
(:func:`fit_heads`), and the slot table's rows that the slot term and the gate's calibration read
(:func:`calibration_table`, :func:`slot_groups`). Used by :mod:`.train_sounds`, which builds the shipped model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from .sound_features import FeatureSet

__all__ = ["calibration_table", "fit_head", "fit_heads", "normalized_table", "slot_groups", "standardised"]


def slot_groups(labels: Sequence[str], table: Mapping[str, str] | None = None) -> torch.Tensor:
    """A (labels x slots) matrix, 0 where ``table`` (label -> slot; the shipped rows of :func:`calibration_table`
    where None) sends a label to a slot and -1e4 elsewhere (labels without a slot share a column of their own):
    added to logits, its log-sum-exp over labels gives each slot's log-probability, as the slot map sums
    probabilities."""
    from exsampling_patch.nodes.slot_table import normalize_label

    rows = normalized_table(calibration_table(labels) if table is None else table)
    slot_names = [rows.get(normalize_label(label), "") for label in labels]
    columns = sorted(set(slot_names))
    groups = torch.full((len(labels), len(columns)), -1e4)
    for row, name in enumerate(slot_names):
        groups[row, columns.index(name)] = 0.0
    return groups


def calibration_table(labels: Sequence[str]) -> dict[str, str]:
    """The rows the gate's threshold is calibrated with (:func:`loso` sums slots by them, and records them in its
    summary): each label's slot in the shipped table, the labels without one left out. Written into the model file
    beside the threshold (``gate_table``), so that ``exsampling check`` tells a patch's gate summing by other rows
    against these, whatever the shipped table says later."""
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE, normalize_label

    return {label: DEFAULT_SLOT_TABLE[normalize_label(label)] for label in labels
            if normalize_label(label) in DEFAULT_SLOT_TABLE}


def normalized_table(table: Mapping[str, str]) -> dict[str, str]:
    """``table`` keyed as the slot map looks labels up (``slot_outcomes`` and :func:`slot_groups` read it so)."""
    from exsampling_patch.nodes.slot_table import normalize_label

    return {normalize_label(label): slot for label, slot in table.items()}


def fit_head(train: FeatureSet, labels: Sequence[str], c: float, epochs: int, seed: int = 0,
             batch_size: int = 512, lr: float = 3e-3, slot_weight: float = 0.0,
             table: Mapping[str, str] | None = None, yamnet_scale: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-balanced, L2-regularised softmax regression on the rows of ``train``; returns (weight, bias).

    The same objective as the ESC-50 recipe's (``fitting._softmax_regression``: mean cross-entropy plus
    ``||W||^2 / (2 c n)`` on standardised features, n the number of distinct recordings), each row weighted so
    that every class weighs the same, minimised by mini-batch Adam with a cosine schedule: on 17,000 rows of
    12,288 features, 300 full-batch steps took a quarter of an hour on 2 cores; ``epochs`` passes take a minute.
    With ``slot_weight``, the cross-entropy of the slot (``table``'s sum over labels, :func:`slot_groups`) is
    added with that weight: mistaking a label for another of the same slot costs less than for another slot's.
    With ``yamnet_scale``, the head reads ``train.inputs(yamnet_scale)``, ``[aiSFX | yamnet_scale * YAMNet]``:
    :func:`standardised` keeps the scale (the YAMNet block weighs ``yamnet_scale`` against the trunk's).
    """
    index = {label: i for i, label in enumerate(labels)}
    y = torch.tensor([index[label] for label in train.labels])
    groups = slot_groups(labels, table)
    y_slot = groups.argmax(1)[y]
    counts = torch.bincount(y, minlength=len(labels)).float()
    weights = (1.0 / counts.clamp(min=1))[y]
    weights *= len(y) / weights.sum()
    feats, mu, sigma = standardised(train, yamnet_scale)
    # The concatenated inputs are a copy of their own (4 GB for the whole recipe): standardised in place, not again
    z = (feats - mu) / sigma if feats is train.feats else feats.sub_(mu).div_(sigma)
    del feats
    n_ref = len(set(train.groups))
    generator = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(z.shape[1], len(labels))
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    steps = epochs * -(-len(y) // batch_size)
    opt = torch.optim.Adam(lin.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    with torch.enable_grad():
        for _ in range(epochs):
            for rows in torch.randperm(len(y), generator=generator).split(batch_size):
                logits = lin(z[rows])
                per_row = torch.nn.functional.cross_entropy(logits, y[rows], reduction="none")
                if slot_weight:
                    slot_logits = torch.logsumexp(logits[:, :, None] + groups[None], dim=1)
                    per_row = per_row + slot_weight * torch.nn.functional.cross_entropy(
                        slot_logits, y_slot[rows], reduction="none")
                loss = (per_row * weights[rows]).mean() + lin.weight.pow(2).sum() / (2 * c * n_ref)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
    with torch.no_grad():
        weight = lin.weight / sigma
        bias = lin.bias - (lin.weight * (mu / sigma)).sum(1)
    return weight.detach(), bias.detach()


def standardised(train: FeatureSet, yamnet_scale: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The head's inputs with the mean and spread that standardise them, column by column. Each column's spread is
    that of the features before ``yamnet_scale``: a spread of the scaled column would undo the scale, so that it
    could not weigh YAMNet's block against the trunk's (the L2 penalty is on the standardised weights)."""
    feats = train.inputs(yamnet_scale)
    spread = [train.feats.std(0)] + ([] if not yamnet_scale or train.yamnet is None else [train.yamnet.std(0)])
    return feats, feats.mean(0), torch.cat(spread) + 1e-4


def fit_heads(train: FeatureSet, labels: Sequence[str], c: float, epochs: int, seeds: int,
              slot_weight: float = 0.0, batch_size: int = 512,
              table: Mapping[str, str] | None = None, yamnet_scale: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean of ``seeds`` heads of :func:`fit_head`, seeds 0, 1, ... (another mini-batch order each): itself
    one linear head (the mean of their logits), whose figures vary less from one fit to the next than any one's."""
    fits = [fit_head(train, labels, c, epochs, seed, batch_size, slot_weight=slot_weight, table=table,
                     yamnet_scale=yamnet_scale)
            for seed in range(seeds)]
    return torch.stack([w for w, _ in fits]).mean(0), torch.stack([b for _, b in fits]).mean(0)
