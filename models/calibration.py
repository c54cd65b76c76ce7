"""Calibrated confidence and the default chain's outcome: temperature scaling, expected calibration error,
the slot a prediction lands in, and the gate threshold read off held-out predictions.

Functions take arrays (logits, probabilities, labels) and return arrays or numbers; ``train_sounds`` uses them on
leave-one-source-out predictions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = ["calibration_error", "choose_threshold", "fit_temperature", "reliability_png", "slot_outcomes", "softmax"]


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``targets`` (temperature scaling)."""
    x, y = torch.from_numpy(logits).double(), torch.from_numpy(targets)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.5, max_iter=100)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return float(log_t.detach().exp())


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> tuple[float, list[dict]]:
    """Expected calibration error (equal-width confidence bins, weighted by their share) and the bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if not inside.any():
            continue
        acc, conf = float(correct[inside].mean()), float(confidence[inside].mean())
        ece += inside.mean() * abs(acc - conf)
        table.append({"from": float(lo), "to": float(hi), "count": int(inside.sum()), "accuracy": acc,
                      "confidence": conf})
    return float(ece), table


def slot_outcomes(probs: np.ndarray, labels: Sequence[str], truth: Sequence[str], table: dict[str, str],
                  threshold: float, choose: str = "slot", top_k: int = 5,
                  judge: str = "label") -> dict[str, np.ndarray]:
    """What the default chain does with each row: the gate (best label's probability >= threshold) and the
    slot map (``slot``: the slot whose labels sum the most probability among the top ``top_k``; ``label``: the
    best label's slot). With ``judge`` "slot" the gate compares the best slot's summed probability (when more
    than the best label's), as ``confidence_gate`` does with ``judge: slot``. Returns boolean arrays ``passed``
    and ``right`` (the true label's slot chosen) and the ``confidence`` the gate compared."""
    # The slot map's and the gate's own rules.
    from exsampling_patch.nodes.slot_table import gate_confidence, normalize_label, slot_scores

    confidence = np.zeros(len(probs))
    right = np.zeros(len(probs), bool)
    wants_slots = choose == "slot" or judge == "slot"
    for i, row in enumerate(probs):
        order = np.argsort(-row)[:top_k]
        top = [(labels[j], float(row[j])) for j in order]
        ranked = slot_scores(top, table) if wants_slots else None  # once a row: the gate reads the same ranking
        confidence[i] = gate_confidence(top, table, judge, ranked)[1]
        if choose == "slot":
            chosen = ranked[0][0] if ranked else None
        else:
            chosen = table.get(normalize_label(labels[order[0]]))
        right[i] = chosen is not None and chosen == table.get(normalize_label(truth[i]))
    return {"passed": confidence >= threshold, "right": right, "confidence": confidence}


def choose_threshold(confidence: np.ndarray, right: np.ndarray, max_rejected: float = 0.05,
                     min_precision: float = 0.95) -> float:
    """The gate's threshold: the lowest at which passed takes land right ``min_precision`` of the time, if it
    rejects at most ``max_rejected`` of them; otherwise the highest that rejects ``max_rejected``."""
    ceiling = float(np.quantile(confidence, max_rejected))
    for t in np.unique(np.round(confidence, 3)):
        if t > ceiling:
            break
        passed = confidence >= t
        if passed.any() and right[passed].mean() >= min_precision:
            return float(t)
    return round(ceiling, 3)


def reliability_png(before: list[dict], after: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, label="perfect")
    for bins, name in ((before, "before temperature"), (after, "after temperature")):
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label=name)
    ax.set_xlabel("confidence (best label's probability)")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability: held-out takes")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
