"""The `serve` page end to end in headless Chromium: load, pick a photo, see the output.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package.
Where they are missing, CI (``CI=true``, as root) installs them with apt-get;
elsewhere, or where that fails, the tests skip and say why. Set
``PIX2PIX_TF_SCREENSHOTS=DIR`` to keep the screenshots.
"""

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2pix_tf.data.synthetic.dataset import render_face
from pix2pix_tf.data.synthetic.params import sample_face_params
from pix2pix_tf.models.find_fill import FindAndFillGenerator
from pix2pix_tf.models.generators import UNetGenerator
from pix2pix_tf.serving.export import export_generator
from pix2pix_tf.serving.runtimes import open_exported
from pix2pix_tf.serving.server import PredictionServer

webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (test extra)")


def _browser_missing():
    return [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]


def _install_browser():
    """apt-get installs Chromium in CI (root); returns why not, or None when it is there."""
    if not _browser_missing():
        return None
    if os.environ.get("CI") != "true" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            f"no {' and '.join(_browser_missing())}: apt-get install chromium chromium-driver "
            "(CI=true as root installs them)"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium",
                                                  "chromium-driver"]):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}"
    return None if not _browser_missing() else "apt-get installed no chromium"


@pytest.fixture(scope="module")
def browser():
    reason = _install_browser()
    if reason:
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1100,800"):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as error:  # a browser that will not start here
        pytest.skip(f"Chromium does not start: {str(error).splitlines()[0]}")
    yield driver
    driver.quit()


def _serve(path):
    server = PredictionServer(open_exported(path, "tensorflow"), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    face = render_face(sample_face_params(0, 1), image_size=(96, 80))  # uint8 RGB
    path = tmp_path_factory.mktemp("photo") / "face.png"
    cv2.imwrite(str(path), cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    return path


def _wait(driver, condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = driver.execute_script(condition)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {condition}")


def _screenshot(driver, name, tmp_path):
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    keep = os.environ.get("PIX2PIX_TF_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return cv2.imread(str(path))


def _region(driver, shot, element_id):
    """The part of a screenshot that shows an element."""
    box = driver.execute_script(
        "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height, window.devicePixelRatio];",
        element_id,
    )
    left, top, width, height, scale = box
    assert width > 50 and height > 50, f"#{element_id} is not shown ({width}x{height})"
    y0, x0 = int(top * scale), int(left * scale)
    return shot[y0 : y0 + int(height * scale), x0 : x0 + int(width * scale)]


def test_pick_a_photo_and_see_the_output_beside_it(browser, photo, tmp_path):
    # Residual output: an untrained network returns a changed copy of its input.
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3, output_mode="residual")
    server = _serve(export_generator(g, tmp_path / "g"))
    try:
        browser.get(server.url)
        _wait(browser, "return document.getElementById('info').textContent.includes('Runtime')")
        browser.find_element("id", "file").send_keys(str(photo))
        _wait(browser, "return document.getElementById('output').naturalWidth")
        status = browser.find_element("id", "status").text
        assert status.startswith("Done in") and "80x96" in status
        shot = _screenshot(browser, "serve_page", tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    # What a person sees: the picked face on the left, a (random model's) output
    # beside it, both real pictures rather than the empty grey frames.
    shown_input, shown_output = (_region(browser, shot, i) for i in ("input", "output"))
    for region in (shown_input, shown_output):
        assert region.std() > 10, "an empty frame where a picture should be"
    assert shown_output.shape[1] > shown_input.shape[1] * 0.8  # side by side, same width
    assert not np.array_equal(shown_input, shown_output)


def test_a_bad_upload_shows_the_servers_error(browser, tmp_path):
    g = UNetGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3)
    server = _serve(export_generator(g, tmp_path / "g"))
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), np.zeros((8, 8, 3), np.uint8))
    try:
        browser.get(server.url)
        _wait(browser, "return document.getElementById('info').textContent.includes('Runtime')")
        browser.find_element("id", "file").send_keys(str(tiny))
        text = _wait(
            browser,
            "const s = document.getElementById('status');"
            "return s.className == 'error' ? s.textContent : ''",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert "at least 16 on each side" in text


def _paint_a_stroke_and_run(browser):
    """Drags the mouse across the mask canvas, then presses Run."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.find_element("id", "mask")
    stroke = ActionChains(browser).move_to_element_with_offset(canvas, -60, -20)
    stroke.click_and_hold().move_by_offset(120, 40).release().perform()
    browser.find_element("id", "run").click()


def test_paint_a_mask_with_the_mouse(browser, photo, tmp_path):
    g = UNetGenerator(image_size=(32, 32), input_channels=4, depth=4, base_filters=4, seed=3)
    server = _serve(export_generator(g, tmp_path / "m", mask_input=True))
    try:
        browser.get(server.url)
        _wait(browser, "return document.getElementById('info').textContent.includes('fills in')")
        browser.find_element("id", "file").send_keys(str(photo))
        _wait(browser, "return document.getElementById('status').textContent.includes('Paint')")
        _paint_a_stroke_and_run(browser)
        _wait(browser, "return document.getElementById('output').naturalWidth")
        status = browser.find_element("id", "status").text
        _screenshot(browser, "serve_mask_page", tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    painted = int(status.split("mask: ")[1].split(" ")[0])
    assert painted > 100, status


def test_a_find_fill_model_runs_blind_then_fills_the_painted_mask(browser, photo, tmp_path):
    g = FindAndFillGenerator(image_size=(32, 32), depth=4, base_filters=4, seed=3)
    g.detector.get_layer("output_image").bias.assign([0.0])  # finds about half the pixels
    server = _serve(export_generator(g, tmp_path / "f"))
    output = "return document.getElementById('output').getAttribute('src') || ''"
    try:
        browser.get(server.url)
        _wait(browser, "return document.getElementById('info').textContent.includes('finds')")
        browser.find_element("id", "file").send_keys(str(photo))
        _wait(browser, "return document.getElementById('status').textContent.includes('found')")
        blind = browser.execute_script(output)
        _paint_a_stroke_and_run(browser)
        _wait(browser, "return document.getElementById('status').textContent.includes('painted')")
        status = browser.find_element("id", "status").text
        filled = browser.execute_script(output)
        _screenshot(browser, "serve_find_fill_page", tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert blind.startswith("data:image/png") and filled.startswith("data:image/png")
    assert filled != blind  # the painted mask, not the found one, was filled
    assert int(status.split("mask: ")[1].split(" ")[0]) > 100, status
