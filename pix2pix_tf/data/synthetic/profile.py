"""Drawing the right profile of a synthetic person."""

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
)
from pix2pix_tf.data.synthetic.geometry import _Frame
from pix2pix_tf.data.synthetic.params import FaceParams


def _draw_profile(img, p: FaceParams, f: _Frame, height, width) -> np.ndarray:
    """Draws the right profile onto ``img`` and returns its shading map."""
    d = p.head_depth * f.hw
    hh = f.hh
    # The nose sticks out to the right, so the skull sits a little left of centre.
    ox, oy = f.cx - 0.12 * d, f.cy

    def pt(x, y):
        return np.stack(
            [ox + d * np.asarray(x, np.float64), oy + hh * np.asarray(y, np.float64)], -1
        )

    line = 0.012 * min(height, width)
    ey, ny, my = p.eye_y, p.nose_y, p.mouth_y
    nl = p.nose_len

    _fill(img, pt([-0.55, 0.3, 0.5, -0.62], [0.45, 0.75, 1.6, 1.6]), p.skin, 0.88)
    _fill(img, _shoulders(*pt(-0.1, 2.05), 1.35 * d, 0.68 * hh), p.shirt)
    if p.hair_style == "long":
        t = np.linspace(-np.pi / 2, -np.pi * 1.05, 14)
        back = np.concatenate(
            [
                pt(1.08 * np.cos(t) - 0.05, 1.08 * np.sin(t)),
                pt([-1.15, -0.45, -0.3], [1.45, 1.5, 0.0]),
            ]
        )
        _fill(img, back, p.hair_colour, 0.8)

    # Skull arc from the forehead over the crown to the nape, then jaw and face line.
    t = np.linspace(-np.pi / 6, -np.pi * 1.22, 28)
    face = pt(
        [
            -0.05,
            0.3,
            0.8,
            0.93,
            0.88,
            0.96,
            0.92,
            0.97,
            0.93,
            0.93 + 0.6 * nl,
            0.92 + nl,
            0.92,
            0.97,
            0.93,
        ],
        [
            0.6,
            0.93,
            1.0,
            0.9,
            0.5 * (my + 1) + 0.03,
            my + 0.07,
            my,
            my - 0.06,
            ny + 0.07,
            ny + 0.06,
            ny - 0.03,
            ey - 0.01,
            ey - 0.12,
            -0.3,
        ],
    )
    outline = np.concatenate([pt(np.cos(t), np.sin(t)), face])
    _fill(img, _smooth(outline, 1), p.skin)

    ear_x, ear_y = -0.02, 0.5 * (ey + ny)
    if p.hair_style != "long":
        _fill(
            img, _ellipse(*pt(ear_x, ear_y), 1.2 * p.ear_w * f.hw, p.ear_h * hh, 20), p.skin, 0.93
        )
        _line(
            img,
            _arc(
                *pt(ear_x + 0.02, ear_y),
                0.6 * p.ear_w * f.hw,
                0.6 * p.ear_h * hh,
                -np.pi * 0.6,
                np.pi * 0.6,
                10,
            ),
            p.skin,
            1.2 * line,
            0.65,
        )
    if p.beard != "none":
        _profile_beard(img, p, pt, ny, my)
    if p.hair_style != "bald":
        _profile_hair(img, p, pt, ey)

    # Eye: an almond opening towards the nose, iris near its front.
    ew = p.eye_w * f.hw
    x1 = ox + 0.88 * d
    xs, top, bottom = _eye_shape(
        x1 - 1.3 * ew, x1, oy + ey * hh, p.eye_h * ew * 1.1, p.eye_h * ew * 0.8
    )
    r = p.iris_r * ew
    _eye(img, p, xs, top, bottom, x1 - 0.3 * ew, oy + ey * hh, 0.45 * r, r, 0.9 * line)
    bx = np.linspace(x1 - 1.6 * ew, x1 + 0.05 * d, 8)
    s = np.linspace(0.0, 1.0, 8)  # from the outer end to the inner one
    arch = oy + (ey - p.brow_gap - 0.04 * np.sin(np.pi * s) - p.brow_tilt * (1 - s)) * hh
    _fill(img, _band(bx, arch, p.brow_thick * hh * (0.5 + 0.5 * s)), p.brow_colour)

    _fill(
        img, _ellipse(*pt(0.9 + 0.45 * nl, ny + 0.035), 0.15 * nl * d, 0.025 * hh, 12), p.skin, 0.4
    )
    _fill(img, pt([0.93, 0.97, 0.95, 0.86], [my - 0.005, my - 0.06, my + 0.005, my]), p.lip_colour)
    _fill(
        img, pt([0.93, 0.96, 0.92, 0.86], [my + 0.005, my + 0.06, my + 0.09, my]), p.lip_colour, 1.1
    )
    _line(img, pt([0.93, 0.84], [my, my - 0.005]), p.lip_colour, 0.8 * line, 0.35)

    if p.glasses != "none":
        lens_x = ox + 0.97 * d  # in front of the eye, well behind the nose tip
        rim = [(lens_x, oy + ey * hh - 1.05 * ew), (lens_x, oy + ey * hh + 0.9 * ew)]
        _line(img, rim, p.glasses_colour, 1.2 * line)
        _line(
            img,
            [(lens_x, oy + ey * hh - 0.5 * ew), tuple(pt(ear_x + 0.05, ey - 0.05))],
            p.glasses_colour,
            line,
        )

    blobs = [
        (x1 - 0.5 * ew, oy + (ey - 0.05) * hh, 1.2 * ew, 0.16 * hh, -0.22),  # eye socket
        (ox + 0.6 * d, oy + (ey + 0.28) * hh, 0.3 * d, 0.1 * hh, 0.08),  # cheekbone
        (ox + 0.9 * d, oy + (ny + 0.1) * hh, 0.15 * d, 0.05 * hh, -0.15),  # under the nose
        (ox + 0.4 * d, oy + 1.08 * hh, 0.5 * d, 0.12 * hh, -0.35),  # under the jaw
        (ox + (ear_x - 0.15) * d, oy + ear_y * hh, 0.12 * d, 0.3 * hh, -0.1),  # behind the ear
    ]
    return _shade(height, width, p.light, ox + 0.3 * d, oy - 0.03 * hh, 1.25 * d, 1.08 * hh, blobs)


def _profile_hair(img, p: FaceParams, pt, ey) -> None:
    rgb = p.hair_colour
    vol = 0.35 * p.hair_volume if p.hair_style == "buzz" else p.hair_volume
    if p.hair_style == "buzz":
        rgb = 0.55 * np.asarray(p.hair_colour) + 0.45 * np.asarray(p.skin)
    t = np.linspace(-np.pi * 0.3, -np.pi * 1.2, 24)
    outer = pt((1 + 0.8 * vol) * np.cos(t) - 0.02, (1 + vol) * np.sin(t))
    # Hairline from the nape, round the back of the ear, down a sideburn, to the forehead.
    inner = pt(
        [-0.45, -0.25, -0.18, -0.05, 0.1, 0.14, 0.12, 0.4, 0.62, 0.6],
        [
            0.55,
            0.25,
            ey - 0.05,
            ey - 0.15,
            ey - 0.12,
            ey + 0.12,
            ey - 0.25,
            -0.45,
            -p.hairline,
            -0.7,
        ],
    )
    _fill(img, _smooth(np.concatenate([outer, inner]), 1), rgb)
    if p.fringe > 0:
        brow = ey - p.brow_gap
        low = -p.hairline + p.fringe * (brow + p.hairline)
        _fill(
            img,
            pt(
                [0.45, 0.78, 0.96, 0.88, 0.7, 0.5],
                [-0.85, -0.7, low, low - 0.06, low - 0.02, -0.45],
            ),
            rgb,
            0.95,
        )


def _profile_beard(img, p: FaceParams, pt, ny, my) -> None:
    rgb = p.beard_colour
    if p.beard == "stubble":
        rgb = 0.6 * np.asarray(p.skin) + 0.4 * np.asarray(p.beard_colour)
    if p.beard == "goatee":
        xs = [0.6, 0.94, 0.99, 0.95, 0.97, 0.86, 0.6]
        ys = [my - 0.08, ny + 0.1, my - 0.07, my + 0.1, 0.92, 1.04, 0.9]
    else:
        xs = [0.05, 0.25, 0.94, 0.99, 0.95, 0.97, 0.84, 0.3, -0.08]
        ys = [ny - 0.08, ny + 0.05, ny + 0.1, my - 0.07, my + 0.1, 0.92, 1.05, 0.98, 0.6]
    _fill(img, pt(xs, ys), rgb)
