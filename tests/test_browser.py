"""The report in a real browser: headless Chromium from the OS packages renders the first page and a
per-consumer page without script errors (and the filter works); a screenshot is kept."""
import os
import shutil
import subprocess
import tempfile

import pytest

from reports import build
from tests.test_report import small_world

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
         "--enable-logging=stderr", "--v=0"]
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium here (apt-get install chromium); "
                                                        "the report was not opened in a browser")


def open_page(page, *extra):
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        done = subprocess.run([BROWSER] + FLAGS + ["--user-data-dir=" + profile] + list(extra) + ["file://" + page],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return done


def test_the_report_renders_without_script_errors_and_its_screenshot_is_kept(tmp_path):
    folder = build.build(results=small_world(tmp_path / "results"), out_root=str(tmp_path / "history"))
    shot = os.path.join(folder, "screenshot.png")
    done = open_page(os.path.join(folder, "index.html"), "--screenshot=" + shot)
    assert os.path.getsize(shot) > 10000
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    page = open_page(os.path.join(folder, "cells", "keras3_load.html"), "--dump-dom")
    assert "Uncaught" not in page.stderr, page.stderr[-2000:]
    assert "rows</span>" in page.stdout  # the filter script ran and counted the rows
