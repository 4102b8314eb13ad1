"""Running an exported generator on image files of any size, with any installed runtime."""

from pathlib import Path

import cv2
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data.image_headers import MAX_PIXELS, BadImageError, image_info
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


def predict_files(exported, images, out_dir, runtime="auto", precision="fp32"):
    """Translates each image file with an exported generator; returns the written paths.

    Everything is checked before the first output is written: the export, the
    runtime, every image and the output folder.

    Args:
        exported: the folder written by `export_generator`.
        images: image files, any size.
        out_dir: folder of the PNG outputs.
        runtime, precision: as for `runtimes.open_exported` ("auto": the
            fastest runtime installed that the folder has a model for).
    """
    atomic.check_output_folder(out_dir, "the predictions")
    runner = open_exported(exported, runtime, precision)
    if runner.mask_input:
        raise ValueError(
            f"{exported} takes a mask beside each photo; paint it in `pix2pix-tf serve "
            f"{exported}` or call the runner with the mask as the last channel."
        )
    arrays = [read_image(p, runner.input_channels) for p in images]  # fail before writing
    written = []
    for path, image in zip(images, arrays):
        output = runner.serve_uint8(image[None])[0]
        target = Path(out_dir) / f"{Path(path).stem}.png"
        write_image(target, np.ascontiguousarray(output))
        written.append(target)
    return written
