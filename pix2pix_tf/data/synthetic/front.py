"""Drawing the front view of a synthetic person."""

from __future__ import annotations

import numpy as np

from pix2pix_tf.data.synthetic.drawing import (
    _arc,
    _band,
    _ellipse,
    _eye,
    _eye_shape,
    _fill,
    _line,
    _shade,
    _shoulders,
    _smooth,
    _unit_circle,
)
from pix2pix_tf.data.synthetic.geometry import _Frame
from pix2pix_tf.data.synthetic.params import _SEAM, FaceParams


def _draw_front(img, p: FaceParams, f: _Frame, height, width) -> np.ndarray:
    """Draws the front view onto ``img`` and returns its shading map."""
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    line = 0.012 * min(height, width)
    eye_y = cy + p.eye_y * hh
    nose_y = cy + p.nose_y * hh
    mouth_y = cy + p.mouth_y * hh
    ex, ew = p.eye_dx * hw, p.eye_w * hw
    neck_w = 0.52 * hw

    if p.hair_style == "long":
        back = np.concatenate(
            [
                _arc(cx, cy - 0.05 * hh, 1.18 * hw, 1.1 * hh, np.pi, 2 * np.pi),
                [(cx + 1.25 * hw, cy + 1.5 * hh), (cx - 1.25 * hw, cy + 1.5 * hh)],
            ]
        )
        _fill(img, back, p.hair_colour, 0.8)
    _fill(img, _shoulders(cx, cy + 2.05 * hh, 2.3 * hw, 0.75 * hh), p.shirt)
    _fill(
        img,
        [
            (cx - neck_w, cy + 0.4 * hh),
            (cx + neck_w, cy + 0.4 * hh),
            (cx + 1.1 * neck_w, cy + 1.45 * hh),
            (cx - 1.1 * neck_w, cy + 1.45 * hh),
        ],
        p.skin,
        0.88,
    )
    _fill(img, _arc(cx, cy + 1.36 * hh, 1.15 * neck_w, 0.16 * hh, 0, np.pi), p.shirt, 0.8)
    if p.hair_style != "long":
        ear_y = 0.5 * (eye_y + nose_y)
        for side in (-1, 1):
            ex0 = cx + side * 0.96 * hw
            _fill(img, _ellipse(ex0, ear_y, p.ear_w * hw, p.ear_h * hh, 20), p.skin, 0.95)
            _fill(
                img,
                _ellipse(
                    ex0 + side * 0.25 * p.ear_w * hw,
                    ear_y,
                    0.45 * p.ear_w * hw,
                    0.6 * p.ear_h * hh,
                    16,
                ),
                p.skin,
                0.7,
            )

    # Head: an ellipse whose lower half narrows towards the chin.
    t = _unit_circle(48)
    narrow = 1.0 - p.jaw * np.maximum(t[:, 1], 0.0) ** 2
    head = np.stack([cx + hw * t[:, 0] * narrow, cy + hh * t[:, 1]], 1)
    _fill(img, head, p.skin)

    if p.beard != "none":
        _front_beard(img, p, f, head, nose_y, mouth_y)
    if p.hair_style != "bald":
        _front_hair(img, p, f, eye_y)
    else:
        for side in (-1, 1):  # fringe of hair above the ears
            xo = cx + side * 1.0 * hw
            patch = [
                (xo, eye_y - 0.05 * hh),
                (xo - side * 0.12 * hw, eye_y - 0.05 * hh),
                (xo - side * 0.05 * hw, eye_y - 0.45 * hh),
                (xo + side * 0.03 * hw, eye_y - 0.4 * hh),
            ]
            _fill(img, patch, p.hair_colour)

    # Eyes, brows.
    for side in (-1, 1):
        xc = cx + side * ex
        xs, top, bottom = _eye_shape(
            xc - ew, xc + ew, eye_y, p.eye_h * ew * 1.1, p.eye_h * ew * 0.9
        )
        r = p.iris_r * ew
        _eye(img, p, xs, top, bottom, xc, eye_y, r, r, 0.9 * line)
        # Brows arch up and thin out from the inner end to the outer one.
        bx = np.linspace(xc - side * 1.1 * ew, xc + side * 1.2 * ew, 10)
        s = np.linspace(0.0, 1.0, 10)
        arch = eye_y - (p.brow_gap + 0.05 * np.sin(np.pi * s) + p.brow_tilt * s) * hh
        _fill(img, _band(bx, arch, p.brow_thick * hh * (1.0 - 0.5 * s)), p.brow_colour)

    # Nose: nostrils and the wings either side.
    nw = p.nose_w * hw
    for side in (-1, 1):
        _fill(
            img,
            _ellipse(cx + side * 0.45 * nw, nose_y + 0.03 * hh, 0.28 * nw, 0.13 * nw, 12),
            p.skin,
            0.4,
        )
        _line(
            img,
            _arc(
                cx + side * 0.8 * nw,
                nose_y - 0.01 * hh,
                0.35 * nw,
                0.45 * nw,
                np.pi / 2 - side * 1.6,
                np.pi / 2 + side * 0.2,
                8,
            ),
            p.skin,
            0.8 * line,
            0.65,
        )

    _front_mouth(img, p, f, mouth_y, line)
    if p.glasses != "none":
        _front_glasses(img, p, f, eye_y, ex, ew, line)

    blobs = []
    for side in (-1, 1):
        xc = cx + side * ex
        blobs.append((xc, eye_y - 0.05 * hh, 1.25 * ew, 0.16 * hh, -0.3))  # eye socket
        blobs.append(
            (xc + side * 0.1 * hw, eye_y + 0.28 * hh, 1.3 * ew, 0.1 * hh, 0.07)
        )  # cheekbone
    blobs += [
        (cx, 0.5 * (eye_y + nose_y), 0.09 * hw, 0.3 * hh, 0.2),  # nose bridge
        # The side of the nose turned away from the light.
        (
            cx - 0.2 * hw * np.sign(p.light[0] or 1.0),
            0.5 * (eye_y + nose_y) + 0.05 * hh,
            0.06 * hw,
            0.25 * hh,
            -0.12,
        ),
        (cx, nose_y + 0.09 * hh, 0.22 * hw, 0.05 * hh, -0.22),  # under the nose
        (cx, mouth_y + 0.13 * hh, 0.3 * hw, 0.05 * hh, -0.15),  # under the lower lip
        (cx, cy + 1.12 * hh, 0.6 * hw, 0.12 * hh, -0.35),  # under the chin
        (cx, cy - 0.55 * hh, 0.5 * hw, 0.2 * hh, 0.06),  # forehead
    ]
    return _shade(height, width, p.light, cx, cy - 0.03 * hh, 1.08 * hw, 1.08 * hh, blobs)


def _front_hair(img, p: FaceParams, f: _Frame, eye_y) -> None:
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    temple_y = eye_y - 0.22 * hh
    top_y = cy - p.hairline * hh
    rgb = p.hair_colour
    vol = 0.35 * p.hair_volume if p.hair_style == "buzz" else p.hair_volume
    if p.hair_style == "buzz":
        rgb = 0.55 * np.asarray(p.hair_colour) + 0.45 * np.asarray(p.skin)
    # Outer edge: the head outline puffed out by the hair volume, temple to temple.
    a0 = np.arcsin(np.clip((temple_y - cy) / hh, -1, 1))
    outer = _arc(cx, cy, hw * (1.0 + vol), hh * (1.0 + vol), np.pi - a0, 2 * np.pi + a0, 24)
    # Inner edge: the hairline, an arch from the right temple over the forehead.
    s = np.linspace(0.0, np.pi, 16)
    inner = np.stack(
        [cx + 0.99 * hw * np.cos(s), temple_y - (temple_y - top_y) * np.sin(s) ** 0.5], 1
    )
    _fill(img, np.concatenate([outer, inner]), rgb)
    if p.fringe > 0:
        brow_y = eye_y - p.brow_gap * hh
        xs = np.linspace(cx - 0.95 * hw, cx + 0.95 * hw, 9)
        low = top_y + p.fringe * (brow_y - top_y)
        tilt = np.linspace(-0.08, 0.12, 9) * hh
        zig = np.where(np.arange(9) % 2 == 0, 0.0, -0.12 * hh)
        bottom = np.stack([xs, low + tilt + zig], 1)
        bottom[[0, -1], 1] = temple_y - 0.05 * hh
        top = np.stack([xs[::-1], np.full(9, top_y - 0.1 * hh)], 1)
        _fill(img, np.concatenate([bottom, top]), rgb, 0.95)


def _front_beard(img, p: FaceParams, f: _Frame, head, nose_y, mouth_y) -> None:
    cx, cy, hw, hh = f.cx, f.cy, f.hw, f.hh
    mw = p.mouth_w * hw
    rgb = p.beard_colour
    if p.beard == "stubble":
        rgb = 0.6 * np.asarray(p.skin) + 0.4 * np.asarray(p.beard_colour)
    below = head[head[:, 1] > nose_y - 0.05 * hh]
    below = below[np.argsort(np.arctan2(below[:, 1] - cy, below[:, 0] - cx))]  # right to left
    chin = (below - (cx, cy)) * 1.03 + (cx, cy)
    moustache = [
        (cx - 0.9 * hw, nose_y - 0.05 * hh),
        (cx - 1.1 * mw, mouth_y - 0.1 * hh),
        (cx, nose_y + 0.06 * hh),
        (cx + 1.1 * mw, mouth_y - 0.1 * hh),
        (cx + 0.9 * hw, nose_y - 0.05 * hh),
    ]
    if p.beard == "goatee":
        chin = chin[np.abs(chin[:, 0] - cx) < 1.2 * mw]
        moustache = [
            (cx - 1.2 * mw, mouth_y + 0.05 * hh),
            (cx - 1.1 * mw, mouth_y - 0.1 * hh),
            (cx, nose_y + 0.06 * hh),
            (cx + 1.1 * mw, mouth_y - 0.1 * hh),
            (cx + 1.2 * mw, mouth_y + 0.05 * hh),
        ]
    _fill(img, np.concatenate([chin, moustache]), rgb)


def _front_mouth(img, p: FaceParams, f: _Frame, mouth_y, line) -> None:
    cx, hw, hh = f.cx, f.hw, f.hh
    mw, lh = p.mouth_w * hw, p.lip_h * hh
    xs = np.linspace(-1.0, 1.0, 13)
    seam = mouth_y + (_SEAM - p.smile * xs**2) * hh
    bow = mouth_y - lh * (1.0 - xs**2) * (1.0 - 0.3 * np.exp(-((xs / 0.2) ** 2)))
    lower = mouth_y + 1.3 * lh * (1.0 - xs**2) ** 0.8
    x = cx + mw * xs
    upper = np.concatenate([np.stack([x, np.minimum(bow, seam)], 1), np.stack([x, seam], 1)[::-1]])
    _fill(
        img,
        np.concatenate([np.stack([x, seam], 1), np.stack([x, lower], 1)[::-1]]),
        p.lip_colour,
        1.1,
    )
    _fill(img, upper, p.lip_colour)
    _line(img, np.stack([x, seam], 1), p.lip_colour, line, 0.35)


def _front_glasses(img, p: FaceParams, f: _Frame, eye_y, ex, ew, line) -> None:
    cx, hw = f.cx, f.hw
    rx, ry = 1.45 * ew, 1.05 * ew
    for side in (-1, 1):
        xc = cx + side * ex
        if p.glasses == "round":
            rim = _ellipse(xc, eye_y, rx, ry, 28)
        else:
            rim = _smooth(
                np.array(
                    [
                        (xc - rx, eye_y - ry),
                        (xc + rx, eye_y - ry),
                        (xc + rx, eye_y + 0.8 * ry),
                        (xc - rx, eye_y + 0.8 * ry),
                    ]
                ),
                3,
            )
        _line(img, rim, p.glasses_colour, line, closed=True)
        _line(
            img,
            [(xc + side * rx, eye_y - 0.4 * ry), (cx + side * 0.98 * hw, eye_y - 0.3 * ry)],
            p.glasses_colour,
            line,
        )
    _line(
        img,
        _arc(cx, eye_y - 0.2 * ry, ex - rx, 0.35 * ry, np.pi, 2 * np.pi, 8),
        p.glasses_colour,
        line,
    )
