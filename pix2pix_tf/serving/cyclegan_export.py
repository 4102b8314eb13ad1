"""Export of a trained CycleGAN: both directions in one SavedModel, any image size.

Signatures (each float32 in [-1, 1] or uint8 in [0, 255], any height and width):
``a_to_b`` / ``a_to_b_uint8`` and ``b_to_a`` / ``b_to_a_uint8``; ``serve`` and
``serve_uint8`` are A -> B, so `load_exported` and ``pix2pix-tf predict`` take it
as any exported generator.

Example:
    >>> export_cyclegan(model, "export/age", domains=("young", "old"))
    >>> served = tf.saved_model.load("export/age")
    >>> older = served.a_to_b_uint8(tf.zeros((1, 200, 200, 3), tf.uint8))
"""

import json
from pathlib import Path

import keras
import tensorflow as tf

from pix2pix_tf import atomic
from pix2pix_tf.serving.export import (
    FLOAT_ENDPOINT,
    METADATA_FILE,
    UINT8_ENDPOINT,
    serving_functions,
)

DIRECTIONS = {"a_to_b": "generator_ab", "b_to_a": "generator_ba"}


def export_cyclegan(model, path, domains=("A", "B"), inference_mode="standard"):
    """Writes both generators of ``model`` as one SavedModel with a signature per direction.

    Args:
        model: a trained `CycleGAN`.
        path: output directory; replaced atomically if it exists.
        domains: names of A and B, kept in the metadata.
        inference_mode: "standard" or "paper" (see `set_inference_mode`).

    Returns:
        The path of the SavedModel directory.
    """
    path = Path(path)
    atomic.check_output_folder(path.parent, f"the SavedModel {path}")
    archive = keras.export.ExportArchive()
    signatures = {}
    for direction, attribute in DIRECTIONS.items():
        generator = getattr(model, attribute)
        flexible, serve, serve_uint8 = serving_functions(generator, inference_mode)
        archive.track(flexible)
        channels = flexible.input_channels
        float_spec = [tf.TensorSpec((None, None, None, channels), tf.float32)]
        uint8_spec = [tf.TensorSpec((None, None, None, channels), tf.uint8)]
        archive.add_endpoint(direction, serve, float_spec)
        archive.add_endpoint(f"{direction}_uint8", serve_uint8, uint8_spec)
        signatures[direction] = f"float32 in [-1, 1], {direction.replace('_', ' ')}"
        signatures[f"{direction}_uint8"] = f"uint8 in [0, 255], {direction.replace('_', ' ')}"
        if direction == "a_to_b":
            archive.add_endpoint(FLOAT_ENDPOINT, serve, float_spec)
            archive.add_endpoint(UINT8_ENDPOINT, serve_uint8, uint8_spec)
            signatures[FLOAT_ENDPOINT] = signatures[direction]
            signatures[UINT8_ENDPOINT] = signatures[f"{direction}_uint8"]
    metadata = {
        "format": "pix2pix_tf cyclegan",
        "domains": list(domains),
        "generator": model.generator_ab.get_config(),
        "generator_ba": model.generator_ba.get_config(),
        "inference_mode": inference_mode,
        "size_multiple": 2**model.generator_ab.depth,
        "signatures": signatures,
    }
    with atomic.directory(path) as tmp:
        archive.write_out(str(tmp), verbose=False)
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
    return path
