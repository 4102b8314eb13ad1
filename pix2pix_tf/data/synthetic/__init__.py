"""The built-in synthetic faces: procedural people seen from the front and in profile.

`params` draws a person's identity from a seed, `geometry` places the face and
its exact landmarks, `drawing` holds the anti-aliased primitives, `front` and
`profile` draw the two views, `dataset` renders them (`render_face`) and serves
them as a dataset (`SyntheticFaces`).
"""

from pix2pix_tf.data.synthetic.dataset import SyntheticFaces, render_face
from pix2pix_tf.data.synthetic.geometry import face_box, face_landmarks
from pix2pix_tf.data.synthetic.params import (
    BEARD_STYLES,
    HAIR_STYLES,
    LANDMARK_NAMES,
    MIN_SIZE,
    VIEWS,
    FaceParams,
    sample_face_params,
)

__all__ = [
    "BEARD_STYLES",
    "HAIR_STYLES",
    "LANDMARK_NAMES",
    "MIN_SIZE",
    "VIEWS",
    "FaceParams",
    "SyntheticFaces",
    "face_box",
    "face_landmarks",
    "render_face",
    "sample_face_params",
]
