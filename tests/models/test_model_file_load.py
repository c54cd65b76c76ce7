"""Loading a model file builds its network with no random initial weights: the file's replace them at once, and
drawing them (torch's random initialisation of every convolution) was a tenth of a second of the classifier
process's start, the floor of the default patch's start-up (docs/performance.md, "Ready for the show")."""

from __future__ import annotations

import torch

from exsampling_patch.models.classifier import Classifier
from exsampling_patch.models.model_file import MODEL_FORMAT, MODEL_VERSION, SHIPPED_MODEL, _read_blob, load_model_file
from exsampling_patch.models.network import Head, SoundNet, float32_state
from exsampling_patch.models.yamnet import FEATURE_SIZE


def test_loading_the_model_draws_no_random_numbers_and_gives_the_files_weights() -> None:
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()
    loaded = load_model_file(SHIPPED_MODEL).model
    assert torch.equal(torch.random.get_rng_state(), before)  # nothing drawn
    tensors = list(loaded.parameters()) + list(loaded.buffers())
    assert all(t.device.type == "cpu" and t.dtype != torch.float16 for t in tensors)
    assert all(p.requires_grad for p in loaded.parameters())  # as in a network built the usual way
    blob = _read_blob(SHIPPED_MODEL, "model", MODEL_FORMAT, MODEL_VERSION)
    usual = SoundNet(len(blob["labels"]))  # built with random weights, then the file's copied in
    if "yamnet" in blob:  # the head reads [aiSFX pooled | scale * YAMNet] features, as the shipped model's does
        usual.head = Head(usual.feature_dim + FEATURE_SIZE, len(blob["labels"]))
    usual.load_state_dict(float32_state(blob["state_dict"]))
    spec = torch.rand(1, 64, loaded.n_bands)
    with torch.no_grad():
        pooled = loaded.eval().pool(*loaded.sequence(spec))
        assert torch.equal(pooled, usual.eval().pool(*usual.sequence(spec)))
        features = torch.cat([pooled, torch.rand(1, loaded.head.fc.in_features - pooled.shape[1])], dim=1)
        assert torch.equal(loaded.head(features), usual.head(features))


def test_a_classifier_on_the_int8_trunk_leaves_the_float_trunk_it_drops_unfolded() -> None:
    """The float trunk's batch norms were folded into new convolutions (each drawn with random weights first), then
    the trunk was dropped for the int8 one: work thrown away at each classifier start. Folded now only where the
    float trunk is the one used."""
    for int8 in (True, False):
        loaded = load_model_file(SHIPPED_MODEL)
        float_trunk = loaded.model.trunk
        classifier = Classifier(loaded, int8=int8)
        norms = [type(getattr(block, name)) for block in (float_trunk.conv_block1, float_trunk.conv_block4)
                 for name in ("bn1", "bn2")]
        if classifier.int8:
            assert int8 and norms == [torch.nn.BatchNorm2d] * 4
        else:
            assert norms == [torch.nn.Identity] * 4
    assert classifier.int8 is False
