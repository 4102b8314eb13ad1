"""The mean face of aligned crops, without the black frame alignment leaves."""

import cv2
import numpy as np


def mean_face(images, share=0.98, size=None):
    """The pixel-wise mean of aligned faces, cut to the centred square they all fill.

    Alignment rotates and scales each photo, so a crop's edges can fall outside it
    and `warp` leaves them black; averaged, they would frame the mean face in black.
    The mean is cut to the largest centred square that at least ``share`` of the
    images fill, then resized back.

    Args:
        images: uint8 ``(N, H, W, 3)`` crops (e.g. `cut_face` images).
        share: fraction of the images that must fill each kept pixel.
        size: (height, width) of the result; default the crops' own.

    Returns:
        (float32 ``(height, width, 3)`` mean in [0, 255], (top, left, side) of the square).
    """
    images = np.asarray(images)
    height, width = images.shape[1:3]
    filled = (images.max(axis=-1) > 0).mean(axis=0) >= share
    margin = 0
    while (
        margin < min(height, width) // 2 - 1
        and not filled[margin : height - margin, margin : width - margin].all()
    ):
        margin += 1
    top = (height - min(height, width)) // 2 + margin
    left = (width - min(height, width)) // 2 + margin
    side = min(height, width) - 2 * margin
    mean = images[:, top : top + side, left : left + side].astype(np.float32).mean(axis=0)
    out_height, out_width = size or (height, width)
    mean = cv2.resize(mean, (out_width, out_height), interpolation=cv2.INTER_CUBIC)
    return mean.clip(0, 255), (top, left, side)
