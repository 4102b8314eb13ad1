"""`pix2pix-tf serve` over loopback HTTP: the page, the endpoint, limits and errors."""

import base64
import http.client
import json
import threading

import cv2
import numpy as np
import pytest

from pix2pix_tf.models.find_fill import FindAndFillGenerator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving.export import export_generator
from pix2pix_tf.serving.runtimes import open_exported
from pix2pix_tf.serving.server import PredictionServer


def _export(path, input_channels=3, mask_input=False):
    g = UNetGenerator(
        image_size=(32, 32), input_channels=input_channels, depth=4, base_filters=4, seed=3
    )
    return export_generator(g, path, mask_input=mask_input)


def _serving(runner, **limits):
    server = PredictionServer(runner, "127.0.0.1", 0, **limits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = _export(tmp_path_factory.mktemp("serve") / "g")
    server = _serving(open_exported(path, "tensorflow"), max_side=128, max_request_bytes=50_000)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def mask_server(tmp_path_factory):
    path = _export(tmp_path_factory.mktemp("serve") / "m", input_channels=4, mask_input=True)
    server = _serving(open_exported(path, "tensorflow"))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def find_fill_server(tmp_path_factory):
    g = FindAndFillGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3)
    g.detector.get_layer("output_image").bias.assign([0.0])  # finds about half the pixels
    path = tmp_path_factory.mktemp("serve") / "f"
    export_generator(g, path)
    server = _serving(open_exported(path, "tensorflow"))
    yield server
    server.shutdown()
    server.server_close()


def request(server, method, path, body=None, content_type=None, headers=None):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    headers = dict(headers or {})
    if content_type:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type"), data


def png(image):
    return cv2.imencode(".png", image)[1].tobytes()


PHOTO = np.random.default_rng(0).integers(0, 256, (45, 70, 3), dtype=np.uint8)


def test_the_page_and_info(server):
    status, kind, body = request(server, "GET", "/")
    assert status == 200 and kind.startswith("text/html")
    assert b'id="file"' in body and b"predict" in body
    status, _, body = request(server, "GET", "/info")
    info = json.loads(body)
    assert status == 200 and info["runtime"] == "tensorflow" and info["mask_input"] is False
    assert info["max_side"] == 128


def test_bytes_in_png_out_at_the_upload_size(server):
    status, kind, body = request(server, "POST", "/predict", png(PHOTO), "image/png")
    assert status == 200 and kind == "image/png"
    out = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert out.shape == (45, 70, 3)
    expected = server.runner.serve_uint8(cv2.cvtColor(PHOTO, cv2.COLOR_BGR2RGB)[None])[0]
    np.testing.assert_array_equal(cv2.cvtColor(out, cv2.COLOR_BGR2RGB), expected)


def test_json_in_json_out(server):
    data_url = "data:image/png;base64," + base64.b64encode(png(PHOTO)).decode()
    status, kind, body = request(
        server, "POST", "/predict", json.dumps({"image": data_url}), "application/json"
    )
    answer = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert (answer["width"], answer["height"]) == (70, 45)
    assert answer["image"].startswith("data:image/png;base64,")
    assert answer["runtime"] == "tensorflow fp32" and answer["mask_pixels"] == 0


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        (b"<html>not found</html>", "image/jpeg", 400, "not an image"),
        (png(PHOTO)[:60], "image/png", 400, "truncated"),
        (b"x" * 60_000, "image/png", 413, "at most 50,000 are accepted"),
        (png(np.zeros((200, 100, 3), np.uint8)), "image/png", 413, "at most 128 on each side"),
        (png(np.zeros((8, 40, 3), np.uint8)), "image/png", 400, "at least 16 on each side"),
        (b"{not json", "application/json", 400, "bad JSON"),
        (b'{"picture": "x"}', "application/json", 400, '"image" field'),
        (b'{"image": "%%%"}', "application/json", 400, "not valid base64"),
        (png(PHOTO), "text/plain", 415, "not accepted"),
        (b"", "image/png", 400, "empty"),
    ],
)
def test_bad_uploads_get_a_clear_error(server, body, content_type, status, message):
    got, kind, answer = request(server, "POST", "/predict", body, content_type)
    assert (got, kind) == (status, "application/json")
    assert message in json.loads(answer)["error"]


def test_a_mask_for_a_model_without_one_is_refused(server):
    encoded = base64.b64encode(png(PHOTO)).decode()
    body = json.dumps({"image": encoded, "mask": encoded})
    status, _, answer = request(server, "POST", "/predict", body, "application/json")
    assert status == 400 and "takes no mask" in json.loads(answer)["error"]


def test_unknown_paths_are_404(server):
    assert request(server, "GET", "/etc/passwd")[0] == 404
    assert request(server, "POST", "/", png(PHOTO), "image/png")[0] == 404


def test_uploads_leave_no_file_behind(server):
    request(server, "POST", "/predict", png(PHOTO), "image/png")
    request(server, "POST", "/predict", b"junk", "image/png")
    import os

    assert os.listdir(server.uploads.name) == []


def test_the_mask_is_the_last_input_channel(mask_server):
    mask = np.zeros(PHOTO.shape[:2], np.uint8)
    mask[10:20, 30:50] = 255
    encoded = {k: base64.b64encode(png(v)).decode() for k, v in (("image", PHOTO), ("mask", mask))}
    status, _, body = request(
        mask_server, "POST", "/predict", json.dumps(encoded), "application/json"
    )
    answer = json.loads(body)
    assert status == 200 and answer["mask_pixels"] == 200
    out = cv2.imdecode(np.frombuffer(base64.b64decode(answer["image"].split(",")[1]), np.uint8), 1)
    rgb = cv2.cvtColor(PHOTO, cv2.COLOR_BGR2RGB)
    expected = mask_server.runner.serve_uint8(np.concatenate([rgb, mask[..., None]], -1)[None])
    np.testing.assert_array_equal(cv2.cvtColor(out, cv2.COLOR_BGR2RGB), expected[0])
    unmasked = mask_server.runner.serve_uint8(
        np.concatenate([rgb, np.zeros_like(mask)[..., None]], -1)[None]
    )
    assert not np.array_equal(expected, unmasked)  # the mask reached the model
    wrong = dict(encoded, mask=base64.b64encode(png(mask[:20])).decode())
    status, _, body = request(
        mask_server, "POST", "/predict", json.dumps(wrong), "application/json"
    )
    assert status == 400 and "same size" in json.loads(body)["error"]


def _predict_json(server, **images):
    encoded = {k: base64.b64encode(png(v)).decode() for k, v in images.items()}
    status, _, body = request(server, "POST", "/predict", json.dumps(encoded), "application/json")
    answer = json.loads(body)
    if status != 200:
        return status, answer, None
    out = cv2.imdecode(np.frombuffer(base64.b64decode(answer["image"].split(",")[1]), np.uint8), 1)
    return status, answer, cv2.cvtColor(out, cv2.COLOR_BGR2RGB)


def test_a_find_fill_model_runs_blind_or_fills_the_painted_mask(find_fill_server):
    info = json.loads(request(find_fill_server, "GET", "/info")[2])
    assert info["mask_optional"] and not info["mask_input"]
    runner = find_fill_server.runner
    rgb = cv2.cvtColor(PHOTO, cv2.COLOR_BGR2RGB)
    status, answer, blind = _predict_json(find_fill_server, image=PHOTO)
    assert status == 200 and answer["mask_pixels"] == 0
    np.testing.assert_array_equal(blind, runner.serve_uint8(rgb[None])[0])
    mask = np.zeros(PHOTO.shape[:2], np.uint8)
    mask[10:20, 30:50] = 255
    status, answer, filled = _predict_json(find_fill_server, image=PHOTO, mask=mask)
    assert status == 200 and answer["mask_pixels"] == 200
    np.testing.assert_array_equal(filled, runner.serve_uint8(rgb[None], mask[None, ..., None])[0])
    kept = mask == 0
    np.testing.assert_array_equal(filled[kept], rgb[kept])  # only the painted pixels change
    assert not np.array_equal(filled, blind)
    # An empty mask (nothing painted) runs it blind.
    _, answer, unpainted = _predict_json(find_fill_server, image=PHOTO, mask=np.zeros_like(mask))
    assert answer["mask_pixels"] == 0
    np.testing.assert_array_equal(unpainted, blind)


def test_a_find_fill_model_on_another_runtime_says_where_masks_go(find_fill_server, monkeypatch):
    monkeypatch.setattr(find_fill_server.runner, "fills_given_masks", False)
    monkeypatch.setattr(find_fill_server.runner, "runtime", "openvino")
    assert not json.loads(request(find_fill_server, "GET", "/info")[2])["mask_optional"]
    mask = np.full(PHOTO.shape[:2], 255, np.uint8)
    status, answer, _ = _predict_json(find_fill_server, image=PHOTO, mask=mask)
    assert status == 400 and "--runtime tensorflow" in answer["error"]


def test_concurrent_requests_all_succeed(server):
    statuses = []

    def client():
        for _ in range(3):
            statuses.append(request(server, "POST", "/predict", png(PHOTO), "image/png")[0])

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == [200] * 24
