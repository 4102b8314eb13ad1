"""Running an exported generator with whichever installed runtime is fastest.

An export folder (`export_generator`) holds the SavedModel and, as asked, an
OpenVINO IR (fp32, int8), an ONNX model and a TFLite model. `open_exported`
picks one: the runtime named, or the first of `PREFERENCE` that is installed
and has its file in the folder. Every runner has the SavedModel's two calls,
``serve`` (float32 in [-1, 1]) and ``serve_uint8``, for any batch, height and
width; formats that hold only the float graph get the uint8 scaling in NumPy,
the same arithmetic as the SavedModel's. A mask-input export (whose every
format takes the mask as the last input channel) is called with the photos and
their masks apart, ``serve_uint8(photos, masks)``, or with the concatenation.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np

from pix2pix_tf.serving.export import load_exported, read_metadata
from pix2pix_tf.serving.onnx_model import ONNX_FILE
from pix2pix_tf.serving.openvino_ir import IR_DIR, IR_FILES, require, to_float, to_uint8

TFLITE_FILE = "model.tflite"
# Fastest first at batch 8, as measured by `python -m bench.serving` (docs/performance.md):
# OpenVINO, then TensorFlow (always there), so ONNX Runtime and TFLite run only when named.
PREFERENCE = ("openvino", "tensorflow", "onnxruntime", "tflite")
RUNTIMES = ("auto", *PREFERENCE)
PRECISIONS = ("fp32", "int8")
# Compiled static-shape OpenVINO models kept per runner (one per input shape).
STATIC_SHAPES_KEPT = 4


class Runner:
    """An exported generator behind one runtime; subclasses implement ``_serve``."""

    runtime = "?"
    # Whether this runtime fills a given mask for a find-fill export (its SavedModel's
    # masked signatures; the other formats hold the blind model only).
    fills_given_masks = False

    def __init__(self, path, precision="fp32"):
        self.path = Path(path)
        self.precision = precision
        self.metadata = read_metadata(path)
        generator = self.metadata.get("generator", {})
        self.input_channels = generator.get("input_channels", 3)
        self.output_channels = generator.get("output_channels", 3)
        self.mask_input = bool(self.metadata.get("mask_input"))
        # A find-fill export: blind, or given a mask by its SavedModel's masked signature.
        self.mask_optional = bool(self.metadata.get("mask_optional"))

    @property
    def name(self):
        return f"{self.runtime} {self.precision}"

    def serve(self, images, masks=None):
        """float32 (batch, h, w, in_channels) in [-1, 1] -> float32 in [-1, 1].

        A mask-input model takes the photos (batch, h, w, in_channels - 1) and
        ``masks`` (batch, h, w, 1) in [0, 1], 1 (> 0.5, or True) where to
        fill; or the photos with the mask as their last channel (1 fill, -1 keep).
        """
        return self._serve(self.model_input(images, masks, np.float32))

    def serve_uint8(self, images, masks=None):
        """uint8 (batch, h, w, in_channels) -> uint8 (batch, h, w, out_channels).

        A mask-input model takes the photos and uint8 ``masks`` (batch, h, w, 1),
        255 (> 127, or True) where to fill; or the photos with the mask as their
        last channel (255 fill, 0 keep).
        """
        return self._serve_uint8(self.model_input(images, masks, np.uint8))

    def _serve(self, images):
        """The model on its whole float32 input (photo and mask channels)."""
        raise NotImplementedError

    def _serve_uint8(self, images):
        return to_uint8(self._serve(to_float(images)))

    def model_input(self, images, masks, dtype, mask_allowed=False):
        """The model's input array: ``images``, with ``masks`` as the last channel if given
        (to a find-fill export only with ``mask_allowed``: its SavedModel's runner).

        Raises:
            ValueError: a mask for a model that takes none, no mask for one that
                needs it, or shapes and channels that do not fit (the message
                says what was given and what the model takes).
        """
        images = np.asarray(images, dtype)
        if images.ndim != 4:
            raise ValueError(
                f"images must be (batch, height, width, channels), got shape {images.shape}."
            )
        photo_channels = self.input_channels - int(self.mask_input)
        if masks is None:
            if self.mask_input and images.shape[-1] == photo_channels:
                raise ValueError(
                    f"{self.path} fills in a mask: pass masks (batch, height, width, 1) "
                    "beside the photos, or the mask as their last channel."
                )
            if "generator" in self.metadata and images.shape[-1] != self.input_channels:
                raise ValueError(
                    f"{self.path} takes {self.input_channels} channels, got images of shape "
                    f"{images.shape}."
                )
            return images
        if self.mask_optional and not mask_allowed:
            raise ValueError(
                f"{self.path} finds the occlusion itself; it fills a given mask in its "
                "SavedModel only: open it with runtime='tensorflow' (--runtime tensorflow)."
            )
        if not (self.mask_input or self.mask_optional):
            raise ValueError(f"{self.path} takes no mask (it was not exported with mask_input).")
        masks = np.asarray(masks)
        if masks.ndim == 3:
            masks = masks[..., None]
        if images.shape[-1] != photo_channels:
            raise ValueError(
                f"with masks, the images are the photos alone: {photo_channels} channels, "
                f"got shape {images.shape}."
            )
        if masks.ndim != 4 or masks.shape[3] != 1 or masks.shape[:3] != images.shape[:3]:
            raise ValueError(
                f"masks must be (batch, height, width, 1) of the images' "
                f"{tuple(images.shape[:3])}, got shape {masks.shape}."
            )
        fill = masks if masks.dtype == bool else masks > (127 if dtype == np.uint8 else 0.5)
        channel = np.where(fill, 255, 0) if dtype == np.uint8 else np.where(fill, 1, -1)
        return np.concatenate([images, channel.astype(dtype)], axis=-1)


class TensorFlowRunner(Runner):
    runtime = "tensorflow"
    fills_given_masks = True

    def __init__(self, path, precision="fp32"):
        super().__init__(path, precision)
        self.saved = load_exported(path)

    def serve(self, images, masks=None):
        if masks is not None and self.mask_optional:
            return self._fill_given(images, masks, np.float32, self.saved.serve_masked)
        return super().serve(images, masks)

    def serve_uint8(self, images, masks=None):
        if masks is not None and self.mask_optional:
            return self._fill_given(images, masks, np.uint8, self.saved.serve_masked_uint8)
        return super().serve_uint8(images, masks)

    def _fill_given(self, images, masks, dtype, signature):
        """A find-fill export filling given masks by its masked ``signature``."""
        both = self.model_input(images, masks, dtype, mask_allowed=True)
        return signature(both[..., :-1], both[..., -1:]).numpy()

    def _serve(self, images):
        return self.saved.serve(images).numpy()

    def _serve_uint8(self, images):
        return self.saved.serve_uint8(images).numpy()


class OpenVINORunner(Runner):
    """OpenVINO on the CPU, in float32 arithmetic (its default here would be bfloat16).

    ``shapes="dynamic"`` (the default) compiles once for every shape;
    ``"static"`` compiles the IR once per input shape seen (the last
    `STATIC_SHAPES_KEPT`), planning memory and kernels for that shape: it
    measured within 0.1x of dynamic here (docs/performance.md), and a server
    that sees photos of many sizes would compile again and again.
    """

    runtime = "openvino"

    def __init__(self, path, precision="fp32", shapes="dynamic", threads=None):
        super().__init__(path, precision)
        ov = require("openvino", "The OpenVINO runtime")
        self.core = ov.Core()
        self.model = self.core.read_model(str(self.path / IR_DIR / IR_FILES[precision]))
        self.config = {
            "INFERENCE_PRECISION_HINT": "f32",
            "PERFORMANCE_HINT": "LATENCY",
            # Pinned threads cannot move off a core that other work is using: on this
            # shared 2-core machine pinning made a call 3-4x slower (docs/performance.md).
            "ENABLE_CPU_PINNING": False,
        }
        if threads:
            self.config["INFERENCE_NUM_THREADS"] = int(threads)
        self.static = shapes == "static" and self.model.inputs[0].get_partial_shape().is_dynamic
        self.compiled = {}
        if not self.static:
            self.compiled[None] = self.core.compile_model(self.model, "CPU", self.config)

    def _compiled_for(self, shape):
        if not self.static:
            return self.compiled[None]
        if shape not in self.compiled:
            if len(self.compiled) >= STATIC_SHAPES_KEPT:
                self.compiled.pop(next(iter(self.compiled)))  # the oldest
            model = self.model.clone()
            model.reshape(list(shape))
            self.compiled[shape] = self.core.compile_model(model, "CPU", self.config)
        return self.compiled[shape]

    def _serve(self, images):
        images = np.ascontiguousarray(images, np.float32)
        compiled = self._compiled_for(images.shape)
        return compiled.create_infer_request().infer([images])[0].copy()


class ONNXRunner(Runner):
    runtime = "onnxruntime"

    def __init__(self, path, precision="fp32"):
        super().__init__(path, precision)
        ort = require("onnxruntime", "The ONNX runtime")
        self.session = ort.InferenceSession(
            str(self.path / ONNX_FILE), providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def _serve(self, images):
        feed = {self.input_name: np.ascontiguousarray(images, np.float32)}
        return self.session.run(None, feed)[0]


class TFLiteRunner(Runner):
    """TFLite's interpreter, resized to each input shape.

    It runs with XNNPACK, TFLite's fast CPU delegate, unless XNNPACK fails on
    the graph (it does on a find-fill export's pyramid of any-size averages, when
    first run): then, with a warning, on TFLite's own kernels, the same outputs
    more slowly, and ``name`` says so.
    """

    runtime = "tflite"

    def __init__(self, path, precision="fp32"):
        super().__init__(path, precision)
        self.xnnpack = True
        self.interpreter = self._interpreter()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.shape = None

    def _interpreter(self):
        import tensorflow as tf

        resolver = tf.lite.experimental.OpResolverType
        kind = resolver.AUTO if self.xnnpack else resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        return tf.lite.Interpreter(str(self.path / TFLITE_FILE), experimental_op_resolver_type=kind)

    def _run(self, images):
        if images.shape != self.shape:
            self.interpreter.resize_tensor_input(self.input, images.shape, strict=False)
            self.interpreter.allocate_tensors()
            self.shape = images.shape
        self.interpreter.set_tensor(self.input, images)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output).copy()

    @property
    def name(self):
        return super().name + ("" if self.xnnpack else " (builtin kernels)")

    def _serve(self, images):
        images = np.ascontiguousarray(images, np.float32)
        try:
            return self._run(images)
        except RuntimeError as error:
            if not (self.xnnpack and "xnnpack" in str(error).lower()):
                raise
            failed = error
        warnings.warn(
            f"XNNPACK could not run {self.path / TFLITE_FILE} ({failed}); running it on "
            "TFLite's builtin kernels instead (same outputs, slower).",
            stacklevel=3,
        )
        self.xnnpack = False
        self.interpreter = self._interpreter()
        self.shape = None
        try:
            return self._run(images)
        except RuntimeError as error:
            raise error from failed


RUNNERS = {
    "tensorflow": TensorFlowRunner,
    "openvino": OpenVINORunner,
    "onnxruntime": ONNXRunner,
    "tflite": TFLiteRunner,
}
_PACKAGES = {"tensorflow": "tensorflow", "openvino": "openvino", "onnxruntime": "onnxruntime"}


def model_file(path, runtime, precision="fp32"):
    """The file that ``runtime`` runs in the export folder ``path``."""
    path = Path(path)
    if runtime == "openvino":
        return path / IR_DIR / IR_FILES[precision]
    return path / {"tensorflow": "saved_model.pb", "onnxruntime": ONNX_FILE}.get(
        runtime, TFLITE_FILE
    )


def installed(runtime):
    """Whether the Python package of ``runtime`` can be imported."""
    package = _PACKAGES.get(runtime, "tensorflow")
    return importlib.util.find_spec(package) is not None


def available(path, precision="fp32"):
    """The runtimes that can run the export at ``path`` here, fastest first."""
    return [
        runtime
        for runtime in PREFERENCE
        if (runtime == "openvino" or precision == "fp32")
        and model_file(path, runtime, precision).is_file()
        and installed(runtime)
    ]


def open_exported(path, runtime="auto", precision="fp32", **options):
    """A `Runner` for the export folder ``path``.

    Args:
        path: the folder written by `pix2pix-tf export` / `export_generator`.
        runtime: "auto" (the fastest of `PREFERENCE` that is installed and
            exported), "openvino", "onnxruntime", "tensorflow" or "tflite".
        precision: "fp32", or "int8" (OpenVINO only, exported with ``--int8``).
        **options: for the runner (OpenVINO: ``shapes``, ``threads``).

    Raises:
        FileNotFoundError: the folder lacks the runtime's file (the message says
            how to export it).
        ImportError: the runtime's package is missing (the message names the extra).

    Example:
        >>> runner = open_exported("exported/mugshot")  # OpenVINO if installed and exported
        >>> out = runner.serve_uint8(photos)  # uint8 (batch, h, w, 3), any h and w
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {RUNTIMES}, got {runtime!r}.")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    path = Path(path)
    if runtime == "auto":
        choices = available(path, precision)
        if not choices:
            if precision == "int8":
                raise FileNotFoundError(
                    f"{path} has no int8 model for an installed runtime: export it with "
                    "`pix2pix-tf export RUN --format openvino --int8` and install "
                    "'pix2pix_tf[serving]'."
                )
            load_exported(path)  # says what is wrong with the folder
            raise FileNotFoundError(f"{path} holds no model that an installed runtime runs.")
        runtime = choices[0]
    if precision == "int8" and runtime != "openvino":
        raise ValueError(f"int8 runs on OpenVINO only, not {runtime}.")
    file = model_file(path, runtime, precision)
    if runtime != "tensorflow" and not file.is_file():
        fmt = {"openvino": "openvino", "onnxruntime": "onnx", "tflite": "tflite"}[runtime]
        int8 = " --int8" if precision == "int8" else ""
        raise FileNotFoundError(
            f"{path} has no {file.relative_to(path)} for {runtime}: export it with "
            f"`pix2pix-tf export RUN --out {path} --format {fmt}{int8}`."
        )
    runner = RUNNERS[runtime]
    return runner(path, precision, **options) if options else runner(path, precision)


def precision_quality(path, pairs, batch=8):
    """PSNR and SSIM against the targets of the fp32 and int8 OpenVINO models.

    Args:
        path: an export folder with both IRs.
        pairs: (input, target) uint8 arrays, e.g. of the test split.
        batch: images per call.

    Returns:
        {"fp32": {"psnr", "ssim"}, "int8": {...}, "psnr_change", "ssim_change",
        "images"}: means over the pairs; changes are int8 minus fp32.
    """
    from pix2pix_tf.models import metrics

    pairs = list(pairs)
    if not pairs:
        raise ValueError("No pairs to measure the int8 model on.")
    result = {"images": len(pairs)}
    for precision in PRECISIONS:
        runner = open_exported(path, "openvino", precision)
        psnr, ssim = [], []
        for start in range(0, len(pairs), batch):
            inputs = np.stack([a for a, _ in pairs[start : start + batch]])
            targets = to_float(np.stack([b for _, b in pairs[start : start + batch]]))
            outputs = to_float(runner.serve_uint8(inputs))  # what a user gets: rounded to uint8
            psnr.extend(np.asarray(metrics.psnr(targets, outputs)).tolist())
            ssim.extend(np.asarray(metrics.ssim(targets, outputs)).tolist())
        result[precision] = {"psnr": float(np.mean(psnr)), "ssim": float(np.mean(ssim))}
    result["psnr_change"] = result["int8"]["psnr"] - result["fp32"]["psnr"]
    result["ssim_change"] = result["int8"]["ssim"] - result["fp32"]["ssim"]
    return result
