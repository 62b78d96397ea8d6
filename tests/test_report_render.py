"""Render the HTML report in headless Chromium and check the screenshot shows highlighted text."""

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from slant.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")
def test_report_renders_in_headless_chromium(trained_model_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text('Border town shelled\n\nThe governor said: "They are terrorists."\n'
                       "A video purportedly showed the strike.\nRead More\nAccept all cookies\n", encoding="utf-8")
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    assert main(["report", str(article), "-o", str(page), "--model", str(trained_model_dir), "--lang", "en"]) == 0
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", "--window-size=1100,900", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    assert pixels.shape[:2] == (900, 1100)
    dark = (pixels.sum(axis=2) < 200).mean()                           # text was drawn
    coloured = (np.ptp(pixels, axis=2) > 60).mean()                    # legend chips / highlights in colour
    assert dark > 0.002 and coloured > 0.001
