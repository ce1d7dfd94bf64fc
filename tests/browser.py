"""Opening a report in headless Chromium: how many images it has, how many failed to load, what the console
said, and a screenshot. Skips (saying why) where no Chromium is installed; .ci/run installs Debian's."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

# recorded into the DOM on load, then read back from --dump-dom (the report itself carries no script)
_PROBE = (
    "<script>window.addEventListener('load', () => { const images = [...document.images];"
    " document.body.setAttribute('data-images', images.length);"
    " document.body.setAttribute('data-broken', images.filter(i => !i.complete || i.naturalWidth === 0).length);"
    " });</script>"
)


def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.skip("no Chromium on this machine (Debian's chromium package: .ci/run installs it)")
    return found


def open_report(page: Path, workdir: Path) -> dict:
    """{'images': n, 'broken': n, 'console': [lines], 'screenshot': Path} for the HTML file `page`."""
    browser = chromium()
    probed = workdir / f"probed-{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    flags = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr"]
    flags += ["--v=0", f"--user-data-dir={workdir / 'chromium-profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run([*flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120)
    images = re.search(r'data-images="(\d+)"', dom.stdout)
    broken = re.search(r'data-broken="(\d+)"', dom.stdout)
    if images is None or broken is None:
        raise AssertionError(f"Chromium did not finish loading {page}: {dom.stderr[-2000:]}")
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    screenshot = workdir / f"{page.stem}.png"
    subprocess.run(
        [*flags, f"--screenshot={screenshot}", "--window-size=1280,1600", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {
        "images": int(images.group(1)),
        "broken": int(broken.group(1)),
        "console": console,
        "screenshot": screenshot,
    }


def assert_renders_cleanly(page: Path, workdir: Path, min_images: int = 1):
    result = open_report(page, workdir)
    assert result["images"] >= min_images, result
    assert result["broken"] == 0, result
    assert result["console"] == [], result
    assert result["screenshot"].exists() and result["screenshot"].stat().st_size > 10_000  # a page, not blank
    return result
