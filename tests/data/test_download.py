"""Downloads: from a local HTTP server (with Range support), checksummed, resumed, atomic; offline answered."""

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

import lamina
from lamina.datasets import download as dl


class RangeHandler(SimpleHTTPRequestHandler):
    """Serves files, honouring 'Range: bytes=N-' as a real mirror does."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()
        except OSError:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_download_verifies_and_renames_atomically(server, tmp_path):
    served, url = server
    payload = b"lamina" * 1000
    (served / "file.bin").write_bytes(payload)
    resource = dl.Resource(
        "file.bin", (url + "missing.bin", url + "file.bin"), sha256=hashlib.sha256(payload).hexdigest()
    )
    target = tmp_path / "cache"
    path = dl.ensure(resource, target, download=True)  # the first mirror 404s, the second works
    assert path.read_bytes() == payload and not (target / "file.bin.part").exists()


def test_download_resumes_a_partial_file(server, tmp_path):
    served, url = server
    payload = bytes(range(256)) * 50
    (served / "big.bin").write_bytes(payload)
    target = tmp_path / "cache"
    target.mkdir()
    (target / "big.bin.part").write_bytes(payload[:5000])  # an interrupted earlier download
    resource = dl.Resource("big.bin", (url + "big.bin",), sha256=hashlib.sha256(payload).hexdigest())
    assert dl.fetch(resource, target).read_bytes() == payload


def test_download_checksum_mismatch_and_offline(server, tmp_path):
    served, url = server
    (served / "evil.bin").write_bytes(b"tampered")
    resource = dl.Resource("evil.bin", (url + "evil.bin",), sha256="0" * 64)
    with pytest.raises(lamina.DataError, match=r"sha256 mismatch \(expected 0{64}, actual [0-9a-f]{64}\)"):
        dl.fetch(resource, tmp_path / "cache")
    assert not (tmp_path / "cache" / "evil.bin").exists() and not (tmp_path / "cache" / "evil.bin.part").exists()
    offline = dl.Resource("x.bin", ("http://127.0.0.1:9/x.bin",), sha256="0" * 64)
    with pytest.raises(
        lamina.DataError,
        match=r"(?s)could not download x.bin.*offline, download the file elsewhere and put "
        r"it at .*x.bin \(sha256 0{64}\)",
    ):
        dl.fetch(offline, tmp_path / "cache", timeout=2)


def test_unknown_checksum_refuses_to_download(tmp_path):
    with pytest.raises(lamina.DataError, match="no verified checksum"):
        lamina.datasets.KMNIST(tmp_path, download=True)


def test_cache_dir_follows_lamina_data(monkeypatch, tmp_path):
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "data"))
    assert dl.cache_dir() == tmp_path / "data"
    monkeypatch.delenv("LAMINA_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert dl.cache_dir() == tmp_path / "xdg" / "lamina"
