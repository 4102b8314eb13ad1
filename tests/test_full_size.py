"""The paper's full-size networks (256x256, depth 8, 64 filters): slow, run by CI's own step."""

import numpy as np
import pytest
import tensorflow as tf

from pix2pix_tf.models.discriminators import PatchDiscriminator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.models.pix2pix import Pix2Pix
from pix2pix_tf.serving.export import export_generator, load_exported

pytestmark = pytest.mark.slow


def test_paper_model_trains_and_exports_at_256(tmp_path):
    model = Pix2Pix(UNetGenerator(), PatchDiscriminator())
    model.compile()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (1, 256, 256, 3)).astype("float32")
    history = model.fit(
        tf.data.Dataset.from_tensors((x, -x)).repeat(), steps_per_epoch=2, verbose=0
    )
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    export_generator(model.generator, tmp_path / "g")
    served = load_exported(tmp_path / "g")
    out = served.serve_uint8(tf.zeros((1, 300, 200, 3), tf.uint8))
    assert out.shape == (1, 300, 200, 3)
