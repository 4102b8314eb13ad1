"""ONNX model of an exported generator, converted from the SavedModel by tf2onnx.

tf2onnx 1.17 converts the ``serve`` signature of TF 2.21 / Keras 3 SavedModels
with any batch, height and width, the mirror padding included (after
`export._mirror_indices` was made to avoid negative remainders, which it
converts to C's sign rule). It runs in a child process: its TensorFlow graph
rewriting then leaves the caller's TensorFlow state alone, and a failure is a
clear error rather than a half-converted session.
"""

import subprocess
import sys
from pathlib import Path

from pix2pix_tf.serving.openvino_ir import require

ONNX_FILE = "model.onnx"
OPSET = 17


def convert_saved_model(saved_model, out=None, timeout=1800):
    """Writes ``model.onnx`` (float32 in [-1, 1] -> float32, any size) beside the SavedModel.

    Returns:
        The path of the ONNX file.
    """
    require("tf2onnx", "ONNX export")
    saved_model = Path(saved_model)
    out = Path(out) if out else saved_model / ONNX_FILE
    command = [
        sys.executable, "-m", "tf2onnx.convert",
        "--saved-model", str(saved_model),
        "--tag", "serve",
        "--signature_def", "serve",
        "--opset", str(OPSET),
        "--output", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not out.is_file():
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ValueError(f"tf2onnx could not convert {saved_model}:\n{tail}")
    return out
