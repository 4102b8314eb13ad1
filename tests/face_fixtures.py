"""Fixture trees in the real layouts of NIST SD18, CelebA and pix2pix A|B datasets.

Built from tiny synthetic images, so that the tests need no real data. The
images encode what the tests check: who is in them, which sitting, which way a
profile faces.
"""

import os

import cv2
import numpy as np

from pix2pix_tf.data.synthetic import LANDMARK_NAMES, SyntheticFaces

NIST_SIZE = (20, 16)  # height, width
NOSE = 255  # the profile's nose side: a bright band of columns


def subject_code(subject):
    """The grey level a subject's images are filled with."""
    return 20 + (int(subject) * 7) % 200


def write_image(path, image):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = image if image.ndim == 2 or image.shape[2] == 1 else image[..., ::-1]
    assert cv2.imwrite(str(path), image), path


def nist_image(subject, seq, view):
    """Gray image: filled with the subject's code, bottom row = 40 * seq, and for a
    profile a bright band on the side the nose points to (L: left, R: right)."""
    image = np.full(NIST_SIZE, subject_code(subject), np.uint8)
    image[-1, :] = 40 * seq
    if view == "L":
        image[2:-2, :3] = NOSE
    if view == "R":
        image[2:-2, -3:] = NOSE
    return image


# Subjects 1-20: one front and one profile (even: R, odd: L). 21: two sittings,
# fronts 1 and 2, a left profile in sitting 1 and a right one in sitting 2.
# 22: front only. 23 and 24: a profile only.
NIST_VIEWS = {f"{s:05d}": [(1, "F"), (1, "R" if s % 2 == 0 else "L")] for s in range(1, 21)}
NIST_VIEWS.update(
    {
        "00021": [(1, "F"), (2, "F"), (1, "L"), (2, "R")],
        "00022": [(1, "F")],
        "00023": [(1, "L")],
        "00024": [(3, "R")],
    }
)


def write_nist_tree(root):
    """``root/sd18/single/f1_p1/<subdir>/<subject>_<seq>_<view>.png`` plus TXT files."""
    for subject, views in NIST_VIEWS.items():
        subdir = "s2" if subject >= "00021" else "s1"
        folder = os.path.join(root, "sd18", "single", "f1_p1", subdir)
        for seq, view in views:
            stem = os.path.join(folder, f"{subject}_{seq:02d}_{view}")
            write_image(stem + ".png", nist_image(subject, seq, view))
            with open(stem + ".txt", "w") as f:
                f.write(f"Gender: M\nAge: {20 + int(subject)}\n")
    write_image(
        os.path.join(root, "sd18", "single", "readme_figure.png"), np.zeros((4, 4), np.uint8)
    )
    return os.path.join(root, "sd18")


# Faces of the built-in generator that the Haar front detector finds (number 2 it misses).
NIST_FACES = (0, 1, 3, 4, 5, 6, 7, 8, 9, 10)
NIST_FACE_SIZE = (160, 128)  # height, width


def write_nist_faces_tree(root, hidden_profiles=()):
    """SD18 layout of gray synthetic front and right-profile mugshots of `NIST_FACES`.

    The profiles of the subjects in ``hidden_profiles`` (indices into `NIST_FACES`)
    are blurred until the Haar profile detector misses them, as it misses some
    real SD18 profiles. Returns (the ``sd18`` folder, the sharp profiles).
    """
    faces = SyntheticFaces(num_faces=max(NIST_FACES) + 1, image_size=NIST_FACE_SIZE, seed=0)
    folder = os.path.join(root, "sd18", "single", "f1_p1", "s1")
    sharp = []
    for n, i in enumerate(NIST_FACES):
        front, profile = (cv2.cvtColor(v, cv2.COLOR_RGB2GRAY) for v in faces.pair(i))
        sharp.append(profile)
        if n in hidden_profiles:
            profile = cv2.GaussianBlur(profile, (0, 0), 5)
        write_image(os.path.join(folder, f"{n + 1:05d}_01_F.png"), front)
        write_image(os.path.join(folder, f"{n + 1:05d}_01_R.png"), profile)
    return os.path.join(root, "sd18"), sharp


CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard "
    "Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair "
    "Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
CELEBA_SIZE = (56, 46)  # height, width: CelebA's 218 x 178, shrunk


def celeba_partition(i):
    """Official partition of image i: not the first-80% rule, so the test can tell."""
    return {3: 1, 4: 2}.get(i % 5, 0)


def write_celeba_tree(root, count=20, csv=False, partition=True):
    """``root/img_align_celeba/*.jpg`` and the three list files, from synthetic faces.

    Landmarks are the synthetic faces' exact ones rounded like CelebA's;
    Eyeglasses is true for faces drawn with glasses.
    """
    faces = SyntheticFaces(num_faces=count, image_size=CELEBA_SIZE, seed=5)
    names = [f"{i + 1:06d}.jpg" for i in range(count)]
    landmarks = {}
    for i, name in enumerate(names):
        write_image(os.path.join(root, "img_align_celeba", name), faces.front(i))
        marks = faces.landmarks(i)
        landmarks[name] = np.round([marks[n] for n in LANDMARK_NAMES]).astype(int)
    sep = "," if csv else " "
    ext = ".csv" if csv else ".txt"
    rows = lambda values: "\n".join(sep.join([n, *map(str, v)]) for n, v in values) + "\n"  # noqa: E731
    head = "image_id" + sep if csv else f"{count}\n"
    if partition:
        with open(os.path.join(root, "list_eval_partition" + ext), "w") as f:
            f.write(
                ("image_id,partition\n" if csv else "")
                + rows((n, [celeba_partition(i)]) for i, n in enumerate(names))
            )
    points = ("lefteye", "righteye", "nose", "leftmouth", "rightmouth")
    coords = [f"{p}_{axis}" for p in points for axis in "xy"]
    with open(os.path.join(root, "list_landmarks_align_celeba" + ext), "w") as f:
        f.write(head + sep.join(coords) + "\n" + rows((n, landmarks[n].ravel()) for n in names))
    rng = np.random.default_rng(0)
    attributes = {}
    for i, name in enumerate(names):
        values = rng.choice([-1, 1], len(CELEBA_ATTRIBUTES))
        values[CELEBA_ATTRIBUTES.index("Eyeglasses")] = (
            1 if faces.params(i).glasses != "none" else -1
        )
        attributes[name] = values
    with open(os.path.join(root, "list_attr_celeba" + ext), "w") as f:
        f.write(head + sep.join(CELEBA_ATTRIBUTES) + "\n" + rows((n, attributes[n]) for n in names))
    return {"names": names, "landmarks": landmarks, "attributes": attributes, "faces": faces}


def write_side_by_side_tree(root, counts=(6, 2, 2), size=(10, 10)):
    """pix2pix layout: ``root/{train,val,test}/<i>.png``, A (dark, value 10 + i) | B (bright)."""
    height, width = size
    for split, count in zip(("train", "val", "test"), counts):
        for i in range(count):
            a = np.full((height, width, 3), 10 + i, np.uint8)
            b = np.full((height, width, 3), 200, np.uint8)
            write_image(os.path.join(root, split, f"{i}.png"), np.concatenate([a, b], 1))
    return root
