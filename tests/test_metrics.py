import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from slant.evaluation.metrics import binarize, multilabel_metrics, tune_thresholds

NAMES = ("a", "b", "c")


def random_case(seed: int, missing: float):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(200, 3)).astype(float)
    probs = np.clip(y * 0.3 + rng.random((200, 3)) * 0.7, 0, 1)
    y[rng.random((200, 3)) < missing] = np.nan
    return y, probs


@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_matches_sklearn_on_known_cells(missing):
    y, probs = random_case(1, missing)
    got = multilabel_metrics(y, probs, NAMES, 0.5)
    pred = binarize(probs, 0.5)
    for j, name in enumerate(NAMES):
        known = ~np.isnan(y[:, j])
        assert got[f"f1/{name}"] == pytest.approx(f1_score(y[known, j], pred[known, j]))
        assert got[f"precision/{name}"] == pytest.approx(precision_score(y[known, j], pred[known, j]))
        assert got[f"recall/{name}"] == pytest.approx(recall_score(y[known, j], pred[known, j]))
        assert got[f"support/{name}"] == known.sum()
    known = ~np.isnan(y)
    assert got["f1_micro"] == pytest.approx(f1_score(y[known], pred[known]))
    assert got["f1_macro"] == pytest.approx(np.mean([got[f"f1/{n}"] for n in NAMES]))


def test_without_missing_equals_sklearn_multilabel_averages():
    y, probs = random_case(2, 0.0)
    got = multilabel_metrics(y, probs, NAMES, 0.5)
    pred = binarize(probs, 0.5)
    assert got["f1_macro"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert got["f1_micro"] == pytest.approx(f1_score(y, pred, average="micro"))


def test_label_with_no_known_rows_is_left_out_of_macro():
    y, probs = random_case(3, 0.0)
    y[:, 2] = np.nan
    got = multilabel_metrics(y, probs, NAMES, 0.5)
    assert got["support/c"] == 0 and np.isnan(got["f1/c"])
    assert got["f1_macro"] == pytest.approx((got["f1/a"] + got["f1/b"]) / 2)


def test_per_label_thresholds_are_applied_per_column():
    y = np.array([[1.0, 1.0], [0.0, 0.0]])
    probs = np.array([[0.6, 0.3], [0.4, 0.1]])
    assert multilabel_metrics(y, probs, ("a", "b"), np.array([0.5, 0.2]))["f1_macro"] == 1.0
    assert multilabel_metrics(y, probs, ("a", "b"), np.array([0.5, 0.5]))["f1/b"] == 0.0


def test_tuned_thresholds_beat_or_match_half_and_fall_back_without_positives():
    y, probs = random_case(4, 0.2)
    y[:, 2] = np.where(np.isnan(y[:, 2]), np.nan, 0.0)
    tuned = tune_thresholds(y, probs)
    assert tuned[2] == 0.5
    for j, name in enumerate(NAMES[:2]):
        assert multilabel_metrics(y, probs, NAMES, tuned)[f"f1/{name}"] >= multilabel_metrics(y, probs, NAMES, 0.5)[f"f1/{name}"]


def test_pos_neg_macro_matches_sklearn_two_class_macro():
    y, probs = random_case(5, 0.25)
    got = multilabel_metrics(y, probs, NAMES, 0.5)
    pred = binarize(probs, 0.5)
    for j, name in enumerate(NAMES):
        known = ~np.isnan(y[:, j])
        assert got[f"f1_pos_neg/{name}"] == pytest.approx(f1_score(y[known, j], pred[known, j], average="macro"))


def test_pr_auc_matches_sklearn_and_is_nan_without_both_classes():
    from sklearn.metrics import average_precision_score

    from slant.evaluation.metrics import pr_auc

    y, probs = random_case(6, 0.2)
    y[:, 2] = np.where(np.isnan(y[:, 2]), np.nan, 1.0)
    got = pr_auc(y, probs, NAMES)
    known = ~np.isnan(y[:, 0])
    assert got["pr_auc/a"] == pytest.approx(average_precision_score(y[known, 0], probs[known, 0]))
    assert np.isnan(got["pr_auc/c"])


def test_evidence_scores_overlap_hits_and_voice():
    from slant.evaluation.metrics import evidence_scores

    gold = [[("loaded", 10, 20, "quoted"), ("attribution", 0, 4, None)], [("loaded", 0, 5, "authorial")], []]
    pred = [[("loaded", 15, 25, "quoted"), ("attribution", 30, 34, None)], [("loaded", 0, 5, "quoted")],
            [("loaded", 0, 3, "authorial")]]
    got = evidence_scores(pred, gold, ("attribution", "loaded"))
    assert got["evidence_precision/loaded"] == pytest.approx(10 / 15)   # 5 of 10 + 5 of 5 chars right
    assert got["evidence_recall/loaded"] == pytest.approx(10 / 15)
    assert got["evidence_hit/loaded"] == 1.0 and got["evidence_n/loaded"] == 2
    assert got["evidence_hit/attribution"] == 0.0 and got["evidence_f1/attribution"] == 0.0
    assert got["voice_accuracy"] == 0.5 and got["voice_n"] == 2


def test_precision_at_recall_reads_the_pr_curve():
    from slant.evaluation.metrics import pr_auc

    y = np.array([[1.0], [1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.9], [0.8], [0.7], [0.6], [0.1]])
    # recall >= 0.6 needs two of three positives: the top two are both positive -> precision 1.0
    assert pr_auc(y, p, ["x"], recall=0.6)["precision_at_recall0.6/x"] == 1.0
    assert pr_auc(y, p, ["x"], recall=1.0)["precision_at_recall1/x"] == 0.75
