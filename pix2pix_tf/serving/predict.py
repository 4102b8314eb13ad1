"""Running an exported generator on image files of any size."""

from pathlib import Path

import cv2
import numpy as np

from pix2pix_tf import atomic
from pix2pix_tf.data.image_checks import check_image_file
from pix2pix_tf.serving.export import load_exported, read_metadata


def read_image(path, channels):
    """uint8 (H, W, channels) RGB or gray array of an image file; clear error if unreadable.

    16-bit images become 8-bit and EXIF-rotated photos are turned upright.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image at {path}.")
    # Any size that exists is fine here (the export pads), but not a decompression bomb.
    problem = check_image_file(path, min_side=1)
    if problem is not None:
        raise ValueError(f"{path}: {problem}. Nothing was written.")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR if channels == 3 else cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{path} is not an image OpenCV can read (empty, broken or unknown).")
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


def predict_files(saved_model, images, out_dir, endpoint="serve_uint8"):
    """Translates each image file with an exported generator; returns the written paths.

    Everything is checked before the first output is written: the SavedModel,
    every image and the output folder. ``endpoint`` names the uint8 signature
    (``b_to_a_uint8`` for the other direction of an exported CycleGAN).
    """
    atomic.check_output_folder(out_dir, "the predictions")
    served = load_exported(saved_model)
    if not hasattr(served, endpoint):
        raise ValueError(
            f"{saved_model} has no {endpoint!r} signature; was it exported by CycleGAN?"
        )
    channels = read_metadata(saved_model).get("generator", {}).get("input_channels", 3)
    arrays = [read_image(p, channels) for p in images]  # read all first: fail before writing
    written = []
    for path, image in zip(images, arrays):
        output = getattr(served, endpoint)(image[None]).numpy()[0]
        target = Path(out_dir) / f"{Path(path).stem}.png"
        write_image(target, np.ascontiguousarray(output))
        written.append(target)
    return written
