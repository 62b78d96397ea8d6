"""Train the furniture line model on the *train* part of the real pages and write its weights.

    python bench/train_furniture.py --pages ../shared/corpora/pages

Lines come from each train page as naive-scraper text and as trafilatura's text, labelled by
``page_corpus.line_labels``. Stage 1 (n-grams + layout) is fitted with grouped out-of-fold
predictions feeding stage 2 (context); the threshold is the one that keeps 99.5% of content lines
out of fold. Held-out pages are never read. Writes ``src/slant/resources/furniture.safetensors``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import save_file
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from slant.inference.furniture import WEIGHTS_FILE, context_features, hasher, layout_features

sys.path.insert(0, str(Path(__file__).parent))
from page_corpus import FURNITURE, line_labels, line_spans, load_pages, page_texts  # noqa: E402

CONTENT_LINE_RECALL = 0.99  # threshold: keep this share of content lines (out of fold)
OUT = Path(__file__).resolve().parents[1] / "src" / "slant" / "resources" / WEIGHTS_FILE


def documents(pages_root: Path, cache: Path) -> list[dict]:
    """Each train document: its lines, labels (1 furniture, 0 content, -1 unknown) and page index."""
    pages = [p for p in load_pages(pages_root) if not p.held_out]
    texts = page_texts(pages, cache)
    docs = []
    for k, page in enumerate(pages):
        for kind, text in texts[page.id].items():
            labelled = line_labels(text, page)
            if labelled:
                docs.append({"lines": [text[s:e].strip() for s, e, _ in labelled], "group": k, "kind": kind,
                             "y": np.array([-1 if lab is None else int(lab == FURNITURE) for *_, lab in labelled])})
    return docs


def fit(x, y: np.ndarray, c: float) -> LogisticRegression:
    """One balanced logistic regression (content and furniture weigh the same in total)."""
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=500).fit(x, y)


def out_of_fold(make_x, y: np.ndarray, groups: np.ndarray, labelled: np.ndarray, c: float) -> np.ndarray:
    """Probabilities for every row from models that never saw the row's page."""
    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=4).split(y, groups=groups):
        train = train[labelled[train]]
        out[test] = fit(make_x(train), y[train], c).predict_proba(make_x(test))[:, 1]
    return out


def main() -> None:
    """Train both stages, pick the threshold out of fold, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=Path("../shared/corpora/pages"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "slant-bench" / "page_texts.json")
    args = parser.parse_args()
    docs = documents(args.pages, args.cache)
    lines = [line for d in docs for line in d["lines"]]
    layout = np.vstack([layout_features(d["lines"]) for d in docs])
    ngrams = hasher().transform(lines)
    x1 = sp.hstack([ngrams, sp.csr_matrix(layout)]).tocsr()
    y = np.concatenate([d["y"] for d in docs])
    groups = np.concatenate([[d["group"]] * len(d["lines"]) for d in docs])
    labelled = y >= 0
    print(f"{len(docs)} documents, {labelled.sum()} labelled lines, {(y == 1).sum()} furniture", file=sys.stderr)
    first = out_of_fold(lambda rows: x1[rows], y, groups, labelled, c=1.0)
    bounds = np.cumsum([0] + [len(d["lines"]) for d in docs])
    x2 = np.vstack([context_features(first[a:b], layout[a:b]) for a, b in zip(bounds, bounds[1:])])
    second = out_of_fold(lambda rows: x2[rows], y, groups, labelled, c=1.0)
    content = second[labelled & (y == 0)]
    threshold = float(np.quantile(content, CONTENT_LINE_RECALL))
    furniture = second[y == 1]
    predicted = second[labelled] >= threshold
    precision = (y[labelled][predicted] == 1).mean()
    print(f"out of fold: threshold {threshold:.3f}, furniture recall {(furniture >= threshold).mean():.3f}, "
          f"precision {precision:.3f}", file=sys.stderr)
    stage1, stage2 = fit(x1[labelled], y[labelled], 1.0), fit(x2[labelled], y[labelled], 1.0)
    weights = stage1.coef_[0].astype(np.float32)
    save_file({"ngram_weights": weights[: ngrams.shape[1]], "layout_weights": weights[ngrams.shape[1]:],
               "context_weights": stage2.coef_[0].astype(np.float32),
               "biases": np.array([stage1.intercept_[0], stage2.intercept_[0]], dtype=np.float32)},
              str(OUT), metadata={"config": json.dumps({"threshold": threshold, "train_pages": int(groups.max() + 1),
                                                        "labelled_lines": int(labelled.sum())})})
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
