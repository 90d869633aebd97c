"""How fast a report's first screen renders: headless Chromium (from the OS packages) on each page given.

    python bench/report_render.py OLD/index.html NEW/index.html [--screenshot-dir DIR]

For each page: its size, and the wall time of `chromium --headless --screenshot` (the whole page
loaded and laid out for the first screen), the median of 3; the screenshots are kept.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1400,1000"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("no Chromium here: apt-get install chromium")


def render(page, out):
    profile = tempfile.mkdtemp(prefix="chromium-")
    started = time.time()
    subprocess.run([chromium()] + FLAGS + ["--user-data-dir=" + profile, "--screenshot=" + out,
                                           "file://" + os.path.abspath(page)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    seconds = time.time() - started
    shutil.rmtree(profile, ignore_errors=True)
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pages", nargs="+")
    p.add_argument("--screenshot-dir", default=tempfile.mkdtemp(prefix="render-"))
    args = p.parse_args()
    os.makedirs(args.screenshot_dir, exist_ok=True)
    for n, page in enumerate(args.pages):
        out = os.path.join(args.screenshot_dir, "page%d.png" % n)
        times = [render(page, out) for _ in range(3)]
        print("%-70s %8.1f MB  first screen %.2f s (median of 3)  screenshot %s" % (
            page, os.path.getsize(page) / 1e6, statistics.median(times), out))


if __name__ == "__main__":
    main()
