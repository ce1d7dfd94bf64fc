"""Checksummed downloads into a cache folder: resumable, atomic, and clear when offline.

A resource is a file name, the URLs it can come from (mirrors, tried in order) and its
checksum. A download goes to `<file>.part`, resumes from there with an HTTP Range request,
is verified, and only then renamed to its final name: a file under its real name is always
complete. Offline or corrupt, the error says which file, the expected and actual hash, and
where to put the file by hand.
"""

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lamina.errors import DataError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Resource:
    """A downloadable file. `sha256` (preferred) or `md5` (when only the publisher's MD5 is known)."""

    filename: str
    urls: tuple
    sha256: str = ""
    md5: str = ""

    @property
    def checksum(self):
        return ("sha256", self.sha256) if self.sha256 else ("md5", self.md5) if self.md5 else (None, None)


def cache_dir() -> Path:
    """Where datasets live: $LAMINA_DATA, else $XDG_CACHE_HOME/lamina, else ~/.cache/lamina."""
    if os.environ.get("LAMINA_DATA"):
        return Path(os.environ["LAMINA_DATA"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lamina"


def file_hash(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, resource: Resource) -> None:
    """DataError naming the file, the expected and the actual checksum (BAD_INPUTS row 29)."""
    algorithm, expected = resource.checksum
    if algorithm is None:
        return
    actual = file_hash(path, algorithm)
    if actual != expected:
        raise DataError(
            f"{path}: {algorithm} mismatch (expected {expected}, actual {actual}); the file is corrupt or not the "
            f"published one. Delete it and download again (download=True), or fetch it by hand from "
            f"{resource.urls[0] if resource.urls else 'its publisher'}."
        )


def ensure(resource: Resource, folder: Path, download: bool) -> Path:
    """The resource's path in folder, downloading it first if allowed and missing."""
    path = Path(folder) / resource.filename
    if path.exists():
        return path
    if not download:
        raise DataError(
            f"{path} is missing. Pass download=True to fetch it{' from ' + resource.urls[0] if resource.urls else ''}, "
            f"or put the file there by hand (expected {resource.checksum[0]} {resource.checksum[1]})."
        )
    return fetch(resource, Path(folder))


def fetch(resource: Resource, folder: Path, timeout: float = 30.0) -> Path:
    """Download from the first mirror that works, resuming a partial file; verify; rename into place."""
    algorithm, expected = resource.checksum
    path = folder / resource.filename
    if algorithm is None:
        raise DataError(
            f"{resource.filename}: lamina knows no verified checksum for this file, so it will not download it "
            f"unchecked. Download it by hand from {resource.urls[0] if resource.urls else 'its publisher'} and put "
            f"it at {path}."
        )
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (resource.filename + ".part")
    failures = []
    for url in resource.urls:
        try:
            _download_to(url, partial, timeout)
        except (urllib.error.URLError, OSError, ValueError) as error:
            failures.append(f"{url}: {error}")
            continue
        actual = file_hash(partial, algorithm)
        if actual != expected:
            partial.unlink(missing_ok=True)  # a corrupt download must not be resumed
            failures.append(f"{url}: {algorithm} mismatch (expected {expected}, actual {actual})")
            continue
        os.replace(partial, path)
        return path
    raise DataError(
        f"could not download {resource.filename}:\n  " + "\n  ".join(failures) + f"\nIf this machine is offline, "
        f"download the file elsewhere and put it at {path} ({algorithm} {expected})."
    )


def _download_to(url: str, partial: Path, timeout: float):
    """Append to `partial` from where it stopped (HTTP Range), or start over if the server ignores Range."""
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the partial file is already complete
            return
        raise
    with response:
        resumed = have and response.status == 206
        with open(partial, "ab" if resumed else "wb") as file:
            for block in iter(lambda: response.read(_CHUNK), b""):
                file.write(block)
            file.flush()
            os.fsync(file.fileno())
