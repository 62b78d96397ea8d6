"""`import slant` is cheap and the inference path never imports Hydra."""

import subprocess
import sys

CHECK = """
import sys, time
t = time.perf_counter()
import slant
elapsed = time.perf_counter() - t
heavy = [m for m in ("torch", "transformers", "hydra", "omegaconf", "datasets") if m in sys.modules]
from slant import Predictor, ArticleScore, EvidenceSpan
print(elapsed, ",".join(heavy) or "-", "hydra" in sys.modules or "omegaconf" in sys.modules)
"""


def test_import_is_lazy_and_predictor_needs_no_hydra():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=120)
    elapsed, heavy, hydra_loaded = out.stdout.split()
    assert float(elapsed) < 1.0 and heavy == "-"
    assert hydra_loaded == "False"
