"""`pix2pix-tf serve`: a local web page and HTTP endpoint for an exported generator.

Endpoints (loopback by default; the standard library's threading HTTP server):

- ``GET /``: the page (``static/index.html``): drop or pick a photo, see the
  output beside it; for a model that takes a mask, paint it with the mouse (a
  find-fill model finds the occlusion itself, or fills the mask painted over it).
- ``GET /info``: JSON: runtime, channels, whether a mask is taken (``mask_input``)
  or may be (``mask_optional``), the limits.
- ``POST /predict`` with the image file as the body (``Content-Type: image/*``
  or ``application/octet-stream``): the output as ``image/png``.
- ``POST /predict`` with ``Content-Type: application/json``, ``{"image": BASE64,
  "mask": BASE64}`` (data URLs too; ``mask`` for mask-input models, and for
  find-fill ones where painted: an empty mask runs them blind):
  ``{"image": "data:image/png;base64,...", "width", "height", "milliseconds",
  "runtime", "mask_pixels"}``.

Errors are JSON ``{"error": "..."}`` with 400 (not an image, bad JSON, bad
mask), 411 (no length), 413 (request or image too large), 415 (other types).
Each upload is written to a private temporary folder (to check its header
before decoding it) and removed after the request; nothing else is written.
"""

import base64
import binascii
import functools
import ipaddress
import json
import socket
import tempfile
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

import cv2
import numpy as np

from pix2pix_tf.data.image_headers import BadImageError, image_info
from pix2pix_tf.serving.predict import check_mask_size, read_image, read_mask

MAX_REQUEST_BYTES = 16 * 2**20
MAX_SIDE = 1024  # pixels of height and width: a 1024x1024 photo takes seconds on 2 cores
MIN_SIDE = 16


class RequestError(Exception):
    """What was wrong with a request, and the HTTP status to answer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _decode_base64(text, what):
    if not isinstance(text, str) or not text:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'"{what}" must be a base64 string.')
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(HTTPStatus.BAD_REQUEST, f'"{what}" is not valid base64.') from None


def encode_png(image):
    """PNG bytes of a uint8 RGB or gray array."""
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image))
    if not ok:
        raise ValueError(f"Could not encode an image of shape {image.shape} as PNG.")
    return encoded.tobytes()


class PredictionServer(ThreadingHTTPServer):
    """Serves one `runtimes.Runner`; inference runs one request at a time.

    Args:
        runner: from `runtimes.open_exported`.
        host, port: where to listen; port 0 picks a free one (see ``url``).
        max_request_bytes: largest request body accepted.
        max_side: largest image height and width accepted, in pixels.
    """

    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        runner,
        host="127.0.0.1",
        port=8000,
        max_request_bytes=MAX_REQUEST_BYTES,
        max_side=MAX_SIDE,
    ):
        self.runner = runner
        self.max_request_bytes = max_request_bytes
        self.max_side = max_side
        self.lock = threading.Lock()  # runtimes share one model; the CPU is the limit anyway
        self.uploads = tempfile.TemporaryDirectory(prefix="pix2pix-tf-serve-")
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    @property
    def loopback(self):
        try:
            return ipaddress.ip_address(self.server_address[0]).is_loopback
        except ValueError:
            return False

    def server_close(self):
        super().server_close()
        self.uploads.cleanup()

    def info(self):
        return {
            "runtime": self.runner.runtime,
            "precision": self.runner.precision,
            "input_channels": self.runner.input_channels,
            "output_channels": self.runner.output_channels,
            "mask_input": self.runner.mask_input,
            "mask_optional": self.mask_optional,
            "max_request_bytes": self.max_request_bytes,
            "max_side": self.max_side,
        }

    @property
    def mask_optional(self):
        """A find-fill model: blind, or filling a painted mask (its SavedModel runner)."""
        return self.runner.mask_optional and self.runner.fills_given_masks

    def _read_upload(self, data, read, what):
        """``read(file, max_pixels=, name=)`` of the uploaded bytes, after a header check."""
        with tempfile.NamedTemporaryFile(dir=self.uploads.name, suffix=".upload") as file:
            file.write(data)
            file.flush()
            try:  # the header first: a too-large image is refused before it is decoded
                header = image_info(file.name, min_side=MIN_SIDE, max_pixels=2**62)
            except BadImageError as error:
                raise RequestError(HTTPStatus.BAD_REQUEST, f"{what}: {error}.") from None
            if max(header.height, header.width) > self.max_side:
                raise RequestError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{what} is {header.width}x{header.height} pixels; this server takes at "
                    f"most {self.max_side} on each side (--max-side). Resize it first.",
                )
            try:
                return read(file.name, max_pixels=self.max_side**2, name=what)
            except (ValueError, FileNotFoundError) as error:
                raise RequestError(HTTPStatus.BAD_REQUEST, str(error)) from None

    def predict(self, image_bytes, mask_bytes=None):
        """uint8 output and the count of painted mask pixels, for one uploaded photo."""
        runner = self.runner
        photo_channels = runner.input_channels - (1 if runner.mask_input else 0)
        image = self._read_upload(
            image_bytes, functools.partial(read_image, channels=photo_channels), "the image"
        )
        masks = None
        if runner.mask_input or (self.mask_optional and mask_bytes is not None):
            mask = np.zeros(image.shape[:2] + (1,), np.uint8)  # no mask: nothing to fill
            if mask_bytes is not None:
                mask = self._read_upload(mask_bytes, read_mask, "the mask")
                try:
                    check_mask_size(mask, image)
                except ValueError as error:
                    raise RequestError(HTTPStatus.BAD_REQUEST, str(error)) from None
            masks = mask[None]
            if self.mask_optional and not masks.any():
                masks = None  # nothing painted: the model finds the occlusion itself
        elif mask_bytes is not None:
            why = (
                f"this export's masked path is its SavedModel's; serve it with --runtime "
                f"tensorflow (now {runner.runtime})"
                if runner.mask_optional
                else "this model takes no mask"
            )
            raise RequestError(HTTPStatus.BAD_REQUEST, f"{why}; send the image alone.")
        with self.lock:
            output = runner.serve_uint8(image[None], masks)[0]
        return output, 0 if masks is None else int(np.count_nonzero(masks))


class Handler(BaseHTTPRequestHandler):
    server_version = "pix2pix-tf"
    timeout = 60  # seconds a client may take to send its request

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass  # no line per request on the console

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj):
        self._send(status, json.dumps(obj).encode(), "application/json")

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/", "/index.html"):
            page = resources.files("pix2pix_tf.serving").joinpath("static/index.html")
            self._send(HTTPStatus.OK, page.read_bytes(), "text/html; charset=utf-8")
        elif path == "/info":
            self._json(HTTPStatus.OK, self.server.info())
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {path}; try / or /info"})

    def do_POST(self):
        try:
            if self.path.split("?")[0] != "/predict":
                raise RequestError(HTTPStatus.NOT_FOUND, "POST to /predict.")
            self._predict()
        except RequestError as error:
            self.close_connection = True  # the body may be left unread
            self._json(error.status, {"error": str(error)})
        except Exception as error:  # a runtime failing: say so rather than drop the line
            self.close_connection = True
            message = f"the model failed: {type(error).__name__}: {error}"
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})

    def _body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header.")
        try:
            length = int(length)
        except ValueError:
            raise RequestError(HTTPStatus.BAD_REQUEST, "Content-Length is no number.") from None
        if length > self.server.max_request_bytes:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {length:,} bytes; at most {self.server.max_request_bytes:,} "
                "are accepted.",
            )
        if length <= 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the request is empty; send an image.")
        return self.rfile.read(length)

    def _predict(self):
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        as_json = kind == "application/json"
        if not (as_json or kind.startswith("image/") or kind == "application/octet-stream"):
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"Content-Type {kind or '(none)'} is not accepted: send the image file "
                '(image/*, application/octet-stream) or JSON {"image": base64}.',
            )
        body = self._body()
        mask = None
        if as_json:
            try:
                request = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise RequestError(HTTPStatus.BAD_REQUEST, f"bad JSON: {error}.") from None
            if not isinstance(request, dict) or "image" not in request:
                raise RequestError(HTTPStatus.BAD_REQUEST, 'JSON needs an "image" field.')
            body = _decode_base64(request["image"], "image")
            if request.get("mask") is not None:
                mask = _decode_base64(request["mask"], "mask")
        started = time.perf_counter()
        output, painted = self.server.predict(body, mask)
        png = encode_png(output)
        if not as_json:
            self._send(HTTPStatus.OK, png, "image/png")
            return
        self._json(
            HTTPStatus.OK,
            {
                "image": "data:image/png;base64," + base64.b64encode(png).decode(),
                "height": int(output.shape[0]),
                "width": int(output.shape[1]),
                "milliseconds": round(1000 * (time.perf_counter() - started), 1),
                "runtime": self.server.runner.name,
                "mask_pixels": painted,
            },
        )


def serve(runner, host="127.0.0.1", port=8000, **limits):
    """Serves ``runner`` until interrupted (Ctrl+C); see `PredictionServer`."""
    server = PredictionServer(runner, host, port, **limits)
    if not server.loopback:
        print(f"Warning: listening on {host}, not loopback: other machines can reach it.")
    if runner.mask_optional and not server.mask_optional:
        print(
            f"This export finds occlusions itself; {runner.runtime} runs it blind only. "
            "To also fill masks painted on the page, add --runtime tensorflow."
        )
    print(f"Serving {runner.path} with {runner.name} at {server.url} (Ctrl+C stops).", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
