"""Export of a trained generator as a self-contained SavedModel.

The SavedModel needs only TensorFlow to run: `tf.saved_model.load(path)` and call
one of its signatures. Inputs of any height and width are padded to a multiple of
2**depth (by reflection) and the output is cropped back to the input's size.
"""

import json
import shutil
from pathlib import Path

import keras
import tensorflow as tf

from pix2pix_tf import atomic
from pix2pix_tf.models.blocks import set_inference_mode
from pix2pix_tf.serving import subpixel

METADATA_FILE = "pix2pix_tf.json"
FLOAT_ENDPOINT = "serve"
UINT8_ENDPOINT = "serve_uint8"
# A mask-input generator's photo and mask as two arguments (`export_generator(mask_input=True)`).
MASKED_FLOAT_ENDPOINT = "serve_masked"
MASKED_UINT8_ENDPOINT = "serve_masked_uint8"
# What `--format` may name; the SavedModel is always written: the others are
# converted from it, and it stays the reference their outputs are checked against.
FORMATS = ("savedmodel", "openvino", "onnx", "tflite")
# Beside the export while it is written, removed before it lands (`write_int8_source`).
INT8_SOURCE = "int8_source"


def any_size_generator(generator):
    """A float32 copy of ``generator`` that accepts any multiple of 2**depth, same weights.

    Float32 whatever policy the generator trained under (mixed bfloat16 on CPUs
    that have it, float16 on GPUs): an export gives the same outputs on every
    machine, and TFLite converts it (it has no bfloat16 kernels).
    """
    config = {**generator.get_config(), "image_size": None}
    training_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        flexible = type(generator).from_config(config)
    finally:
        keras.config.set_dtype_policy(training_policy)
    flexible.set_weights(generator.get_weights())
    return flexible


def _mirror_indices(size, before, after):
    """Indices of a mirror (reflect) padding of any length, even longer than ``size``."""
    period = tf.maximum(2 * (size - 1), 1)
    # Shifted by whole periods to be non-negative: the same indices, and converters
    # that turn floormod into a C-style remainder (tf2onnx 1.17) get them right too.
    index = tf.range(-before, size + after) + period * (before // period + 1)
    index = tf.math.floormod(index, period)
    return tf.where(index >= size, period - index, index)


def pad_to_multiple(images, multiple):
    """Mirror-pads (batch, h, w, c) images to heights and widths that are multiples.

    The image stays centred, so a face keeps its place in the frame. Gathering
    mirrored indices (rather than `tf.pad(mode="REFLECT")`) works for pads longer
    than the image and converts to TFLite without TF ops.

    Returns:
        The padded images and the (top, left) offset of the original.
    """
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    pad_h = (multiple - height % multiple) % multiple
    pad_w = (multiple - width % multiple) % multiple
    top, left = pad_h // 2, pad_w // 2
    padded = tf.gather(images, _mirror_indices(height, top, pad_h - top), axis=1)
    padded = tf.gather(padded, _mirror_indices(width, left, pad_w - left), axis=2)
    return padded, (top, left)


def check_export_target(path):
    """Raises ValueError unless ``path`` is new, empty, or an earlier export (replaced whole).

    An export replaces its folder whole: any other folder's files would be lost.
    """
    atomic.check_replaceable(path, METADATA_FILE, "an export of pix2pix_tf", "the SavedModel")


def serving_functions(generator, inference_mode="standard", subpixel_decoder=False):
    """(any-size float32 copy, float function, uint8 function) of ``generator``.

    The functions take (batch, height, width, channels) images of any size,
    mirror-pad them to the network's multiple and crop the output back. With
    ``subpixel_decoder``, the copy computes its transposed convolutions as
    convolutions (`subpixel`), for the int8 IR; it is then a plain functional
    model, without the generator's attributes (``depth``, ``input_channels``).
    """
    flexible = any_size_generator(generator)
    set_inference_mode(flexible, inference_mode)
    multiple = 2**flexible.depth
    if subpixel_decoder and getattr(flexible, "finds_mask", False):
        # The copy is thrown away after the int8 IR: each of its U-Nets is rewritten.
        flexible.detector = subpixel.with_subpixel_decoder(flexible.detector)
        flexible.inpainter = subpixel.with_subpixel_decoder(flexible.inpainter)
    elif subpixel_decoder:
        flexible = subpixel.with_subpixel_decoder(flexible)

    def serve(images):
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        padded, (top, left) = pad_to_multiple(images, multiple)
        generated = flexible(padded, training=False)
        return generated[:, top : top + height, left : left + width, :]

    def serve_uint8(images):
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
        generated = serve(images)
        return tf.cast(tf.round((tf.clip_by_value(generated, -1.0, 1.0) + 1.0) * 127.5), tf.uint8)

    return flexible, serve, serve_uint8


def masked_functions(serve, serve_uint8):
    """(float function, uint8 function) taking a photo and its mask as two arguments.

    They concatenate the mask, as the generator's last input channel, to the
    photo and call ``serve`` / ``serve_uint8``: ``serve_masked(images, masks)``
    is ``serve`` of the concatenation with 1 where ``masks > 0.5`` and -1
    elsewhere; ``serve_masked_uint8(images, masks)`` is ``serve_uint8`` of it
    with 255 where ``masks > 127`` and 0 elsewhere. The masks' batch, height and
    width must be the images'.
    """

    def with_mask(images, masks, threshold, fill, keep):
        same_size = tf.debugging.assert_equal(
            tf.shape(masks)[:3],
            tf.shape(images)[:3],
            message="the masks must have the images' batch, height and width",
        )
        # Before the concatenation, which would otherwise fail first with its own message.
        with tf.control_dependencies([same_size]):
            channel = tf.where(masks > threshold, fill, keep)
            return tf.concat([images, tf.cast(channel, images.dtype)], axis=-1)

    def serve_masked(images, masks):
        # Thresholded: the generator learnt hard masks (1 fill, -1 keep), as uint8 gives.
        return serve(with_mask(images, masks, 0.5, 1.0, -1.0))

    def serve_masked_uint8(images, masks):
        return serve_uint8(with_mask(images, masks, 127, 255, 0))

    return serve_masked, serve_masked_uint8


def export_generator(
    generator,
    path,
    inference_mode="standard",
    tflite=False,
    formats=("savedmodel",),
    calibration=None,
    static_shape=None,
    mask_input=False,
):
    """Writes ``generator`` as a SavedModel with any-size signatures, and other formats.

    Signatures:
        ``serve``: float32 images in [-1, 1], (batch, height, width, in_channels)
            -> float32 in [-1, 1], (batch, height, width, out_channels). Also the
            ``serving_default``.
        ``serve_uint8``: uint8 images in [0, 255] -> uint8 images.
        With ``mask_input``, also (`masked_functions`):
        ``serve_masked(images, masks)``: float32 photos in [-1, 1], (batch,
            height, width, out_channels), and float32 masks (batch, height,
            width, 1) in [0, 1], 1 where to fill (> 0.5 counts as 1).
        ``serve_masked_uint8(images, masks)``: uint8 photos, and uint8 masks
            (batch, height, width, 1), 255 where to fill (> 127 counts as 255).
        A `FindAndFillGenerator` gets the two masked signatures too, while its
            ``serve`` and ``serve_uint8`` take the photo alone and find the
            occlusion (``"mask_optional": true`` in the metadata).

    Args:
        generator: a `UNetGenerator` or `ResnetGenerator` (or a `Pix2Pix`, whose
            generator is taken).
        path: output directory: new, empty, or an earlier export, which is
            replaced atomically (any other folder is refused, see `check_export_target`).
        inference_mode: "standard" (moving averages, no dropout) or "paper"
            (batch statistics and dropout, as in the paper).
        tflite: also write ``model.tflite`` beside the SavedModel (as
            ``"tflite"`` in ``formats``).
        formats: any of `FORMATS`: ``"openvino"`` writes ``openvino/model.xml``
            (`openvino_ir`), ``"onnx"`` ``model.onnx`` (`onnx_model`),
            ``"tflite"`` ``model.tflite``. Each takes float32 in [-1, 1] of any
            size, as the ``serve`` signature (`runtimes` adds the uint8 scaling).
        calibration: uint8 input images: with ``"openvino"``, also write the
            int8 IR ``openvino/model_int8.xml`` calibrated on them (converted
            from the generator with its transposed convolutions written as
            convolutions, so that the decoder is quantized too: `subpixel`).
        static_shape: (batch, height, width) to fix the OpenVINO IR's shape;
            None (default) keeps it dynamic.
        mask_input: the generator's last input channel is a mask (uint8: 255
            where to fill, 0 elsewhere; float: 1 and -1) after the photo's
            channels: ``serve`` and ``serve_uint8`` take the concatenation, and
            the two masked signatures the photo and the mask apart. Recorded in
            the metadata, so that `pix2pix-tf serve` lets the user paint it and
            `pix2pix-tf predict --mask` reads it from files. The other formats
            hold the ``serve`` graph: they take the concatenation
            (`runtimes` runners take the mask apart too).

    Returns:
        The path of the SavedModel directory.

    Example:
        >>> export_generator(model.generator, "export/")
        >>> served = tf.saved_model.load("export/")
        >>> out = served.serve_uint8(tf.zeros((1, 200, 180, 3), tf.uint8))
        >>> export_generator(inpainter, "inpaint/", mask_input=True)  # 4 input channels
        >>> filled = tf.saved_model.load("inpaint/").serve_masked_uint8(photos, masks)
    """
    path = Path(path)
    check_export_target(path)
    formats = set(formats) | ({"tflite"} if tflite else set())
    unknown = formats - set(FORMATS)
    if unknown:
        raise ValueError(f"Unknown export formats {sorted(unknown)}; choose from {FORMATS}.")
    if calibration is not None and "openvino" not in formats:
        raise ValueError("int8 quantization is of the OpenVINO IR: add the 'openvino' format.")
    atomic.check_output_folder(path.parent, f"the SavedModel {path}")
    generator = getattr(generator, "generator", generator)
    if mask_input and generator.input_channels != generator.output_channels + 1:
        raise ValueError(
            f"mask_input needs an input of the photo's channels plus one mask channel "
            f"({generator.output_channels + 1}), but the generator takes "
            f"{generator.input_channels}."
        )
    flexible, serve, serve_uint8 = serving_functions(generator, inference_mode)
    multiple = 2**flexible.depth
    channels = flexible.input_channels
    # A find-fill generator finds the mask itself, and fills one given as a last channel.
    mask_optional = bool(getattr(generator, "finds_mask", False))
    photo_channels = channels if mask_optional else channels - 1

    archive = float_archive(flexible, serve, channels)
    archive.add_endpoint(
        UINT8_ENDPOINT, serve_uint8, [tf.TensorSpec((None, None, None, channels), tf.uint8)]
    )
    signatures = {
        FLOAT_ENDPOINT: "float32 in [-1, 1] -> float32 in [-1, 1], any height and width",
        UINT8_ENDPOINT: "uint8 in [0, 255] -> uint8, any height and width",
    }
    if mask_input or mask_optional:
        serve_masked, serve_masked_uint8 = masked_functions(serve, serve_uint8)
        for name, function, dtype in (
            (MASKED_FLOAT_ENDPOINT, serve_masked, tf.float32),
            (MASKED_UINT8_ENDPOINT, serve_masked_uint8, tf.uint8),
        ):
            photos = tf.TensorSpec((None, None, None, photo_channels), dtype, name="images")
            masks = tf.TensorSpec((None, None, None, 1), dtype, name="masks")
            archive.add_endpoint(name, function, [photos, masks])
    if mask_input:
        signatures[FLOAT_ENDPOINT] += "; the last input channel is the mask: 1 fill, -1 keep"
        signatures[UINT8_ENDPOINT] += "; the last input channel is the mask: 255 fill, 0 keep"
    elif mask_optional:
        signatures[FLOAT_ENDPOINT] += "; finds the occlusion and fills it (blind)"
        signatures[UINT8_ENDPOINT] += "; finds the occlusion and fills it (blind)"
    if mask_input or mask_optional:
        signatures[MASKED_FLOAT_ENDPOINT] = (
            "(images float32 in [-1, 1], masks float32 (batch, h, w, 1) in [0, 1], "
            "> 0.5 fill) -> float32 in [-1, 1]"
        )
        signatures[MASKED_UINT8_ENDPOINT] = (
            "(images uint8, masks uint8 (batch, h, w, 1), > 127 fill) -> uint8"
        )
    metadata = {
        "format": "pix2pix_tf generator",
        "generator": generator.get_config(),
        "inference_mode": inference_mode,
        "size_multiple": multiple,
        "mask_input": bool(mask_input),
        "mask_optional": mask_optional,
        "signatures": signatures,
    }
    with atomic.directory(path) as tmp:
        archive.write_out(str(tmp), verbose=False)
        int8_source = None
        if calibration is not None and subpixel.has_rewritable(generator):
            int8_source = tmp / INT8_SOURCE
            write_int8_source(generator, inference_mode, channels, int8_source)
        written = write_formats(tmp, formats, calibration, static_shape, int8_source)
        if int8_source is not None:
            shutil.rmtree(int8_source)
        metadata["formats"] = written
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
    return path


def write_int8_source(generator, inference_mode, channels, folder):
    """Writes the SavedModel the int8 IR is converted from: ``serve`` of a copy
    whose decoder's transposed convolutions are convolutions (`subpixel`), which
    NNCF quantizes; the same outputs as ``serve`` up to float rounding.

    Args:
        generator: the generator being exported.
        inference_mode: as for `export_generator`.
        channels: its input channels.
        folder: where to write the SavedModel (created).
    """
    network, serve, _ = serving_functions(generator, inference_mode, subpixel_decoder=True)
    float_archive(network, serve, channels).write_out(str(folder), verbose=False)


def float_archive(network, serve, channels):
    """An `ExportArchive` tracking ``network`` with the ``serve`` endpoint (float32
    images of ``channels`` channels, any batch, height and width)."""
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint(
        FLOAT_ENDPOINT, serve, [tf.TensorSpec((None, None, None, channels), tf.float32)]
    )
    return archive


def write_formats(folder, formats, calibration=None, static_shape=None, int8_source=None):
    """Converts the SavedModel in ``folder`` to ``formats``; returns {format: file}.

    The int8 IR (with ``calibration``) is converted from ``int8_source``, a
    SavedModel of the same ``serve`` function (`write_int8_source`), or from
    ``folder`` when None.
    """
    written = {"savedmodel": "saved_model.pb"}
    if "tflite" in formats:
        converter = tf.lite.TFLiteConverter.from_saved_model(
            str(folder), signature_keys=[FLOAT_ENDPOINT]
        )
        (folder / "model.tflite").write_bytes(converter.convert())
        written["tflite"] = "model.tflite"
    if "openvino" in formats:
        from pix2pix_tf.serving import openvino_ir

        ir = openvino_ir.convert_saved_model(folder, folder / openvino_ir.IR_DIR, static_shape)
        written["openvino"] = str(ir.relative_to(folder))
        if calibration is not None:
            int8 = ir.with_name(openvino_ir.IR_FILES["int8"])
            source = ir
            if int8_source is not None:
                source = openvino_ir.convert_saved_model(
                    int8_source, int8_source / openvino_ir.IR_DIR, static_shape
                )
            openvino_ir.quantize_int8(source, calibration, int8)
            written["openvino int8"] = str(int8.relative_to(folder))
    if "onnx" in formats:
        from pix2pix_tf.serving import onnx_model

        written["onnx"] = str(onnx_model.convert_saved_model(folder).relative_to(folder))
    return written


def load_exported(path):
    """Loads an exported generator with plain TensorFlow; clear error if it is not one.

    Raises:
        FileNotFoundError: ``path`` is no SavedModel directory (the message
            says what it is instead: missing, a file, a checkpoint, a run).
        ValueError: a SavedModel that cannot be loaded or was not exported by
            `export_generator`.
    """
    path = Path(path)
    how = "Pass the folder written by `pix2pix-tf export` or `export_generator`."
    if not path.exists():
        raise FileNotFoundError(f"No SavedModel at {path}: it does not exist. {how}")
    if path.is_file():
        what = "a Keras file" if path.suffix == ".keras" else "a file"
        raise FileNotFoundError(
            f"{path} is {what}, not a SavedModel directory. Export a training run first with "
            "`pix2pix-tf export RUN_DIR --out DIR`, then pass DIR."
        )
    if not (path / "saved_model.pb").is_file():
        if (path / "saved_model" / "saved_model.pb").is_file():
            raise FileNotFoundError(
                f"{path} is a training run, not a SavedModel; pass {path / 'saved_model'}."
            )
        raise FileNotFoundError(f"{path} is not a SavedModel directory (no saved_model.pb). {how}")
    try:
        served = tf.saved_model.load(str(path))
    except Exception as error:  # TF raises many kinds for a damaged SavedModel
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ValueError(
            f"{path} holds a SavedModel that cannot be loaded ({type(error).__name__}: "
            f"{message}). Export it again."
        ) from None
    if not hasattr(served, UINT8_ENDPOINT) or not hasattr(served, FLOAT_ENDPOINT):
        raise ValueError(
            f"{path} is a SavedModel, but not a pix2pix_tf generator (no {FLOAT_ENDPOINT!r} "
            f"and {UINT8_ENDPOINT!r} signatures). {how}"
        )
    return served


def read_metadata(path):
    """The metadata that `export_generator` wrote beside the SavedModel, or {}."""
    file = Path(path) / METADATA_FILE
    return json.loads(file.read_text()) if file.is_file() else {}
