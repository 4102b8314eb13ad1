"""Running an exported generator on image files of any size, with any installed runtime."""

import os
from pathlib import Path

import cv2
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data.file_names import unique_names
from pix2pix_tf.data.image_headers import MAX_PIXELS, BadImageError, image_info
from pix2pix_tf.serving.export import UINT8_ENDPOINT, load_exported, read_metadata
from pix2pix_tf.serving.runtimes import open_exported


def read_image(path, channels, max_pixels=MAX_PIXELS, name=None):
    """uint8 (H, W, channels) RGB or gray array of an image file; clear error if unreadable.

    16-bit images become 8-bit and EXIF-rotated photos are turned upright.
    ``name`` stands for the path in error messages (e.g. "the upload").
    """
    path = Path(path)
    name = name or str(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image at {name}.")
    # Any size that exists is fine here (the export pads), but not a decompression bomb.
    try:
        image_info(path, min_side=1, max_pixels=max_pixels)
    except BadImageError as error:
        raise ValueError(f"{name}: {error}.") from None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR if channels == 3 else cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{name} is not an image OpenCV can read (empty, broken or unknown).")
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image[..., None]


def write_image(path, image):
    """Writes a uint8 RGB or gray array as PNG, atomically."""
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"Could not encode an image of shape {image.shape} as PNG.")
    atomic.write_bytes(path, encoded.tobytes())


def output_paths(images, out_dir):
    """Where the prediction of each image goes: ``out_dir/<name>.png``, never over a file.

    Inputs with the same name (``a/dup.jpg`` and ``b/dup.JPG``, or one image given
    twice) get ``dup.png`` and ``dup_2.png``: names are unique ignoring case, as
    macOS and Windows folders need.

    Raises:
        ValueError: an output would replace a file that exists (an input or an
            earlier prediction); nothing is written.
    """
    targets = [Path(out_dir) / f"{name}.png" for name in unique_names(Path(p).stem for p in images)]
    inputs = {os.path.realpath(p) for p in images}
    taken = [t for t in targets if os.path.lexists(t)]
    if taken:
        listed = ", ".join(
            f"{t} ({'an input image' if os.path.realpath(t) in inputs else 'exists'})"
            for t in taken[:5]
        ) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
        raise ValueError(
            f"predict never writes over a file, and {len(taken)} output(s) would: {listed}. "
            "Choose a new or empty --out folder; nothing was written."
        )
    return targets


def predict_files(
    exported, images, out_dir, runtime="auto", precision="fp32", endpoint=UINT8_ENDPOINT
):
    """Translates each image file with an exported generator; returns the written paths.

    Everything is checked before the first output is written: the output
    folder, that no output replaces a file (`output_paths`), the export, the
    runtime and every image.

    Args:
        exported: the folder written by `export_generator`.
        images: image files, any size.
        out_dir: folder of the PNG outputs.
        runtime, precision: as for `runtimes.open_exported` ("auto": the
            fastest runtime installed that the folder has a model for).
        endpoint: the uint8 signature; another than ``serve_uint8`` (``b_to_a_uint8``
            of an exported CycleGAN) runs the SavedModel with TensorFlow.
    """
    atomic.check_output_folder(out_dir, "the predictions")
    targets = output_paths(images, out_dir)
    if endpoint != UINT8_ENDPOINT:
        served = load_exported(exported)
        if not hasattr(served, endpoint):
            raise ValueError(
                f"{exported} has no {endpoint!r} signature; was it exported by CycleGAN?"
            )
        channels = read_metadata(exported).get("generator", {}).get("input_channels", 3)
        translate = lambda batch: getattr(served, endpoint)(batch).numpy()  # noqa: E731
    else:
        runner = open_exported(exported, runtime, precision)
        if runner.mask_input:
            raise ValueError(
                f"{exported} takes a mask beside each photo; paint it in `pix2pix-tf serve "
                f"{exported}` or call the runner with the mask as the last channel."
            )
        channels, translate = runner.input_channels, runner.serve_uint8
    arrays = [read_image(p, channels) for p in images]  # fail before writing
    for target, image in zip(targets, arrays):
        output = translate(image[None])[0]
        write_image(target, np.ascontiguousarray(output))
    return targets
