"""ExSampling Patch's sound classifier: log-mel front end, network, classifier and training.

Import it as ``exsampling_patch.models``. Heavy modules (torch) load on first use of these names::

    from exsampling_patch.models import load_classifier
    clf = load_classifier()                 # the shipped model: everyday and musical sounds
    pred = clf.predict(samples, sample_rate, window="whole", pooling="mean", top_k=5)

    from exsampling_patch.models import load_validation_classifier
    val = load_validation_classifier()      # shipped trunk + head trained on folds 1-3: for fold-4 accuracy
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .classifier import Classifier, Prediction, WindowScore, load_classifier, load_validation_classifier

__all__ = ["Classifier", "Prediction", "WindowScore", "load_classifier", "load_validation_classifier"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import classifier

        return getattr(classifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
