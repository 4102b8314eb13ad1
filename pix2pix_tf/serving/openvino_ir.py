"""OpenVINO IR of an exported generator, and its int8 post-training quantization.

The IR is converted from the SavedModel's ``serve`` signature as it is: the
mirror padding to a multiple of 2**depth and the crop back are in the graph, so
the IR takes float32 images in [-1, 1] of any batch, height and width, like the
SavedModel. The uint8 signature has no IR of its own: `runtimes` scales uint8
images exactly as ``serve_uint8`` does, before and after the IR.

int8: NNCF's post-training quantization of a float IR, calibrated on inputs
of the training split (Nagel et al., 2021, arXiv:2106.08295, for the method).
`export` quantizes an IR of the generator whose transposed convolutions are
written as convolutions (`subpixel`): NNCF leaves transposed ones in float.
"""

import importlib
import logging
from pathlib import Path

import numpy as np

IR_DIR = "openvino"
IR_FILES = {"fp32": "model.xml", "int8": "model_int8.xml"}
FLOAT_OPS = ("Multiply", "Add", "Subtract")  # OpenVINO op types int8 leaves in float


def require(module, what):
    """Imports an optional dependency, or says which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{what} needs the `{module}` package: pip install 'pix2pix_tf[serving]'."
        ) from None


def convert_saved_model(saved_model, out_dir, static_shape=None):
    """Writes ``out_dir/model.xml`` (and ``.bin``) converted from the SavedModel.

    Args:
        saved_model: directory written by `export_generator`.
        out_dir: folder of the IR (created).
        static_shape: None for any (batch, height, width), the default; or
            (batch, height, width) to fix the shape, which OpenVINO plans for
            once (other shapes are then refused).

    Returns:
        The path of ``model.xml``.
    """
    ov = require("openvino", "OpenVINO export")
    model = ov.convert_model(str(saved_model))  # the serving_default (``serve``) signature
    if static_shape is not None:
        batch, height, width = (int(s) for s in static_shape)
        channels = model.inputs[0].get_partial_shape()[3].get_length()
        model.reshape([batch, height, width, channels])
    out = Path(out_dir) / IR_FILES["fp32"]
    ov.save_model(model, str(out), compress_to_fp16=False)
    return out


def quantize_int8(ir_path, calibration, out_path, preset="performance"):
    """Writes an int8 copy of a float IR, calibrated on ``calibration`` images.

    Args:
        ir_path: the float ``model.xml``.
        calibration: uint8 (H, W, C) images like the model's inputs (e.g. of the
            training split); a few dozen are enough.
        out_path: the int8 ``.xml`` to write.
        preset: NNCF's "performance" (symmetric) or "mixed" (asymmetric activations).

    Returns:
        ``out_path``.
    """
    ov = require("openvino", "int8 quantization")
    nncf = require("nncf", "int8 quantization")
    images = [np.asarray(image) for image in calibration]
    if not images:
        raise ValueError("int8 quantization needs calibration images; none were given.")
    model = ov.Core().read_model(str(ir_path))
    dataset = nncf.Dataset(images, lambda image: to_float(image[None]))
    # Its INFO lines list every node it leaves unquantized: noise to a user.
    logger = logging.getLogger("nncf")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        quantized = nncf.quantize(
            model,
            dataset,
            preset=getattr(nncf.QuantizationPreset, preset.upper()),
            subset_size=len(images),
            # Every elementwise op stays float: quantized, the composite output's
            # blend (photo * mask + fill * (1 - mask)) cost 0.9 dB PSNR on a trained
            # U-Net, kept float +0.04 dB, at no speed cost (docs/performance.md).
            ignored_scope=nncf.IgnoredScope(types=list(FLOAT_OPS), validate=False),
        )
    finally:
        logger.setLevel(level)
    ov.save_model(quantized, str(out_path), compress_to_fp16=False)
    return Path(out_path)


def to_float(images):
    """uint8 [0, 255] -> float32 [-1, 1], as the SavedModel's ``serve_uint8`` does."""
    return np.asarray(images, np.float32) / np.float32(127.5) - np.float32(1.0)


def to_uint8(images):
    """float [-1, 1] -> uint8, as the SavedModel's ``serve_uint8`` does (round half to even)."""
    scaled = (np.clip(images, -1.0, 1.0) + np.float32(1.0)) * np.float32(127.5)
    return np.round(scaled).astype(np.uint8)
