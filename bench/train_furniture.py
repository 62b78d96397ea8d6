"""Train the furniture line model on the *train* part of the real pages and write its weights.

    python bench/train_furniture.py --pages ../shared/corpora/pages

Lines come from each train page as naive-scraper text and as trafilatura's text, labelled by
``page_corpus.line_labels`` and, with ``--team-lines data/pages/lines.jsonl``, by the team's line
labels where the corpus is silent (the shipped weights use the corpus alone: the team labels lowered
held-out recall, ``docs/results.md``). Stage 1 (n-grams + layout) is fitted with grouped out-of-fold
predictions feeding stage 2 (context, a small network); the threshold is the one that keeps 99% of
content characters out of fold. Only documents shaped like a scrape are used, as only those reach
the model. Held-out pages are never read. Writes ``src/slant/resources/furniture.safetensors``.
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
from sklearn.neural_network import MLPClassifier

from slant.inference.furniture import WEIGHTS_FILE, context_features, hasher, layout_features, looks_scraped

sys.path.insert(0, str(Path(__file__).parent))
from page_corpus import (  # noqa: E402
    FURNITURE, TEAM_LINES, line_labels, load_pages, page_texts, team_labels, with_team_labels,
)

CONTENT_CHAR_RECALL = 0.99  # threshold: keep this share of content characters (out of fold)
HIDDEN = 64
STAGE1_C = 4.0  # weak regularisation: 2^18 hashed n-grams, ~30k lines
OUT = Path(__file__).resolve().parents[1] / "src" / "slant" / "resources" / WEIGHTS_FILE


def documents(pages_root: Path, cache: Path, team: dict[str, dict], source: str = "") -> list[dict]:
    """Each train document: its lines, labels (1 furniture, 0 content, -1 unknown) and page index."""
    every = load_pages(pages_root)
    leaked = sorted(set(team) & {p.id for p in every if p.held_out})
    if leaked:
        raise ValueError(f"{source}: team labels of held-out pages must not exist: {leaked[:3]}")
    pages = [p for p in every if not p.held_out]
    texts = page_texts(pages, cache)
    docs = []
    for k, page in enumerate(pages):
        for kind, text in texts[page.id].items():
            labelled = line_labels(text, page)
            if kind == "naive" and page.id in team:
                labelled = with_team_labels(text, labelled, team[page.id], source)
            if labelled and looks_scraped([text[s:e] for s, e, _ in labelled]):  # what the model will read
                docs.append({"lines": [text[s:e].strip() for s, e, _ in labelled], "group": k, "kind": kind,
                             "y": np.array([-1 if lab is None else int(lab == FURNITURE) for *_, lab in labelled])})
    return docs


def fit(x, y: np.ndarray, network: bool = False) -> LogisticRegression | MLPClassifier:
    """Stage 1: a balanced logistic regression; stage 2 (``network``): one hidden ReLU layer,
    rows weighted so content and furniture weigh the same in total."""
    if not network:
        return LogisticRegression(C=STAGE1_C, solver="liblinear", class_weight="balanced", max_iter=500).fit(x, y)
    weights = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    return MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=1e-3, max_iter=300, random_state=0).fit(x, y, weights)


def out_of_fold(make_x, y: np.ndarray, groups: np.ndarray, labelled: np.ndarray, network: bool = False) -> np.ndarray:
    """Probabilities for every row from models that never saw the row's page."""
    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=4).split(y, groups=groups):
        train = train[labelled[train]]
        out[test] = fit(make_x(train), y[train], network).predict_proba(make_x(test))[:, 1]
    return out


def content_threshold(scores: np.ndarray, lengths: np.ndarray) -> float:
    """The lowest threshold that keeps ``CONTENT_CHAR_RECALL`` of content *characters* (a lost table
    cell costs less than a lost paragraph)."""
    order = np.argsort(-scores)
    lost = np.cumsum(lengths[order]) / lengths.sum()
    cut = np.searchsorted(lost, 1 - CONTENT_CHAR_RECALL)
    return float(scores[order[cut]]) + 1e-6


def main() -> None:
    """Train both stages, pick the threshold out of fold, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=Path("../shared/corpora/pages"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "slant-bench" / "page_texts.json")
    parser.add_argument("--team-lines", default="none", help=f"team line labels ({TEAM_LINES}) or 'none'")
    args = parser.parse_args()
    team = {} if args.team_lines == "none" else team_labels(Path(args.team_lines))
    docs = documents(args.pages, args.cache, team, args.team_lines)
    lines = [line for d in docs for line in d["lines"]]
    layout = np.vstack([layout_features(d["lines"]) for d in docs])
    ngrams = hasher().transform(lines)
    x1 = sp.hstack([ngrams, sp.csr_matrix(layout)]).tocsr()
    y = np.concatenate([d["y"] for d in docs])
    groups = np.concatenate([[d["group"]] * len(d["lines"]) for d in docs])
    labelled = y >= 0
    print(f"{len(docs)} documents, {labelled.sum()} labelled lines, {(y == 1).sum()} furniture", file=sys.stderr)
    lengths = np.array([len(line) for line in lines], dtype=np.float64)
    first = out_of_fold(lambda rows: x1[rows], y, groups, labelled)
    bounds = np.cumsum([0] + [len(d["lines"]) for d in docs])
    x2 = np.vstack([context_features(first[a:b], layout[a:b]) for a, b in zip(bounds, bounds[1:])])
    second = out_of_fold(lambda rows: x2[rows], y, groups, labelled, network=True)
    threshold = content_threshold(second[labelled & (y == 0)], lengths[labelled & (y == 0)])
    furniture = second[y == 1]
    predicted = second[labelled] >= threshold
    precision = (y[labelled][predicted] == 1).mean()
    print(f"out of fold: threshold {threshold:.3f}, furniture recall {(furniture >= threshold).mean():.3f}, "
          f"precision {precision:.3f}", file=sys.stderr)
    stage1, stage2 = fit(x1[labelled], y[labelled]), fit(x2[labelled], y[labelled], network=True)
    weights = stage1.coef_[0].astype(np.float32)
    save_file({"ngram_weights": weights[: ngrams.shape[1]], "layout_weights": weights[ngrams.shape[1]:],
               "hidden_weights": stage2.coefs_[0].astype(np.float32), "hidden_bias": stage2.intercepts_[0].astype(np.float32),
               "output_weights": stage2.coefs_[1][:, 0].astype(np.float32),
               "biases": np.array([stage1.intercept_[0], stage2.intercepts_[1][0]], dtype=np.float32)},
              str(OUT), metadata={"config": json.dumps({"threshold": threshold, "train_pages": int(groups.max() + 1),
                                                        "labelled_lines": int(labelled.sum())})})
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
