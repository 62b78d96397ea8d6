import json
from pathlib import Path

import numpy as np
import pytest

from slant.evaluation.baselines import fit_lexicon, fit_majority, fit_tfidf_lr
from slant.evaluation.bootstrap import macro_f1_counts, macro_f1_interval, paired_bootstrap
from slant.evaluation.calibration import expected_calibration_error, fit_temperatures, logit, sigmoid
from slant.config import DataConfig, EvalConfig, SourceConfig
from slant.evaluation.run import evaluate
from slant.evaluation.metrics import binarize, multilabel_metrics


def noisy_case(seed: int, n: int = 300, missing: float = 0.2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(n, 3)).astype(float)
    pred = np.where(rng.random((n, 3)) < 0.8, y, 1 - y)
    y[rng.random((n, 3)) < missing] = np.nan
    return y, pred


def test_vectorised_macro_f1_equals_reference_metrics():
    y, pred = noisy_case(0)
    reference = multilabel_metrics(y, pred, ("a", "b", "c"), 0.5)["f1_macro"]
    assert macro_f1_counts(y, pred) == pytest.approx(reference)


def test_interval_brackets_the_estimate_and_narrows_with_data():
    y, pred = noisy_case(1, n=200)
    small = macro_f1_interval(y, pred, resamples=500, seed=0)
    y_big, pred_big = noisy_case(1, n=3000)
    big = macro_f1_interval(y_big, pred_big, resamples=500, seed=0)
    assert small.low <= small.value <= small.high
    assert big.high - big.low < small.high - small.low


def test_paired_bootstrap_detects_a_better_system_and_not_an_identical_one():
    y, good = noisy_case(2, n=500, missing=0.0)
    rng = np.random.default_rng(3)
    worse = np.where(rng.random(good.shape) < 0.3, 1 - good, good)
    better = paired_bootstrap(y, good, worse, resamples=500)
    assert better.delta.value > 0 and better.p_value < 0.01 and better.delta.low > 0
    assert paired_bootstrap(y, good, good, resamples=200).p_value == 1.0


def test_temperature_scaling_recovers_a_known_temperature_and_lowers_ece():
    rng = np.random.default_rng(4)
    z = rng.normal(0, 3, size=(20000, 1))
    y = (rng.random((20000, 1)) < sigmoid(z / 2.5)).astype(float)   # true probabilities: logits / 2.5
    t = fit_temperatures(z, y)
    assert t[0] == pytest.approx(2.5, rel=0.08)
    assert expected_calibration_error(sigmoid(z / t), y) < expected_calibration_error(sigmoid(z), y) / 3
    np.testing.assert_allclose(logit(sigmoid(z[:5])), z[:5], rtol=1e-5)


def test_temperature_defaults_to_one_without_both_classes():
    assert fit_temperatures(np.ones((4, 1)), np.ones((4, 1)))[0] == 1.0


def test_lexicon_matches_whole_cues_in_the_sentence_language():
    score = fit_lexicon(("attribution", "hedging", "loaded", "stance"))
    out = score(["Police said it was probably arson.", "The crowd was sadly quiet.",
                 "Die Polizei sagte, es sei vermutlich Brandstiftung.", "Police said so."],
                ["en", "en", "de", "xx"])
    np.testing.assert_array_equal(out, [[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]])


def test_majority_and_tfidf_baselines_learn_from_known_rows():
    texts = ["officials said it", "we said so", "he said yes", "rain fell", "snow fell", "sun shone"] * 5
    y = np.array([[1, np.nan], [1, 0], [1, 1], [0, np.nan], [0, 1], [0, 0]] * 5, dtype=float)
    assert fit_majority(np.array([[1.0], [1.0], [0.0], [np.nan]]))(["x", "y"], ["en", "en"]).tolist() == [[1.0], [1.0]]
    probs = fit_tfidf_lr(texts, y)(["officials said", "snow fell"], ["en", "en"])
    assert probs.shape == (2, 2) and probs[0, 0] > 0.5 > probs[1, 0]


@pytest.fixture
def eval_cfg(trained_model_dir, corpus_dir, tmp_path):
    return EvalConfig(model_dir=str(trained_model_dir), split="test", bootstrap=200, output_dir=str(tmp_path / "eval"),
                      data=DataConfig(sources={"tiny": SourceConfig(path=str(corpus_dir))}))


def test_evaluate_writes_metrics_report_and_plots(eval_cfg, tmp_path):
    metrics = evaluate(eval_cfg)
    out = tmp_path / "eval"
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["overall"]["f1_macro"] == pytest.approx(metrics["overall"]["f1_macro"])
    low, high = saved["overall"]["f1_macro_ci"]
    assert low <= saved["overall"]["f1_macro"] <= high
    assert set(saved["by_language"]) == {"en", "de"} and set(saved["by_source"]) == {"tiny"}
    assert set(saved["baselines"]) == {"majority", "lexicon", "tfidf_lr"}
    assert 0 <= saved["calibration"]["ece"] <= 1 and "pr_auc/hedging" in saved["overall"]
    report = (out / "report.md").read_text()
    for needle in ("data fingerprint", saved["data_fingerprint"], "thresholds (tuned on validation)", "seed",
                   "| tfidf_lr |", "## By language", "expected calibration error".capitalize()):
        assert needle in report
    for name in ("pr_curves.png", "reliability.png", "f1_by_language.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_metrics_match_a_direct_computation(eval_cfg):
    from slant.data.loading import load_splits
    from slant.labels import LabelSet
    from slant.inference.predictor import Predictor

    eval_cfg.baselines = eval_cfg.plots = False
    metrics = evaluate(eval_cfg)
    predictor = Predictor.from_pretrained(eval_cfg.model_dir)
    test = load_splits(eval_cfg.data, LabelSet.of(predictor.labels)).splits["test"]
    y = np.asarray(test["labels"], dtype=float)
    direct = multilabel_metrics(y, predictor.predict_proba(test["text"]), predictor.labels, predictor.thresholds)
    assert metrics["overall"]["f1_macro"] == pytest.approx(direct["f1_macro"])
    assert metrics["overall"]["f1/loaded"] == pytest.approx(direct["f1/loaded"])


def test_comparison_with_a_model_that_flags_nothing_favours_the_trained_one(eval_cfg, tmp_path):
    from slant.inference.predictor import Predictor

    mute = Predictor.from_pretrained(eval_cfg.model_dir, device="cpu")
    mute.model.config.thresholds = {name: 1.01 for name in mute.labels}  # no probability reaches it
    mute.save_pretrained(tmp_path / "mute")
    eval_cfg.baselines = eval_cfg.plots = False
    eval_cfg.compare = str(tmp_path / "mute")
    metrics = evaluate(eval_cfg)
    comparison = metrics["comparison"]
    assert comparison["delta_f1_macro"] == pytest.approx(metrics["overall"]["f1_macro"])  # the mute model scores 0
    assert comparison["delta_f1_macro"] > 0 and comparison["delta_ci"][0] > 0


def test_binarize_uses_thresholds_per_label():
    assert binarize(np.array([[0.4, 0.4]]), np.array([0.3, 0.5])).tolist() == [[1, 0]]


def test_bootstrap_zero_skips_intervals(eval_cfg):
    eval_cfg.bootstrap, eval_cfg.baselines, eval_cfg.plots = 0, False, False
    low, high = evaluate(eval_cfg)["overall"]["f1_macro_ci"]
    assert np.isnan(low) and np.isnan(high)


def test_training_metrics_equal_what_evaluate_reports_on_the_same_split(eval_cfg, trained_model_dir):
    eval_cfg.baselines = eval_cfg.plots = False
    evaluated = evaluate(eval_cfg)["overall"]
    trained = json.loads((trained_model_dir / "metrics.json").read_text())["test"]
    for key in ("f1_macro", "f1_micro", "f1/attribution", "precision/hedging", "recall/loaded", "pr_auc/loaded"):
        assert trained[key] == evaluated[key], key


def test_evaluate_warns_that_validation_numbers_are_optimistic(eval_cfg, caplog):
    from dataclasses import replace

    with caplog.at_level("WARNING"):
        evaluate(replace(eval_cfg, bootstrap=0, baselines=False, plots=False, split="validation"))
    assert "optimistic" in caplog.text


def test_rows_added_to_validation_or_test_keep_the_split_check_passing(eval_cfg, corpus_dir, tmp_path):
    from dataclasses import replace

    grown = tmp_path / "grown"
    grown.mkdir()
    added = [{"id": "new-1", "lang": "en", "text": "Officials said the bridge would reopen.", "split": "validation",
              "attribution": 1, "hedging": 0, "loaded": 0},
             {"id": "new-2", "lang": "en", "text": "The regime's thugs beat protesters.", "split": "test",
              "attribution": 0, "hedging": 0, "loaded": 1}]
    text = (corpus_dir / "tiny.jsonl").read_text(encoding="utf-8") + "".join(json.dumps(r) + "\n" for r in added)
    (grown / "tiny.jsonl").write_text(text, encoding="utf-8")
    fast = replace(eval_cfg, bootstrap=0, baselines=False, plots=False,
                   data=replace(eval_cfg.data, sources={"tiny": SourceConfig(path=str(grown))}))
    assert evaluate(fast)["n_sentences"] == evaluate(replace(fast, data=eval_cfg.data))["n_sentences"] + 1
    moved = json.loads((corpus_dir / "tiny.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert moved["split"] != "train"
    (grown / "tiny.jsonl").write_text(text + json.dumps({**moved, "id": "x", "split": "train"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"source 'tiny': trained on [0-9a-f]{12}, now [0-9a-f]{12} "
                                         r"\(train_fingerprints\).*allow_split_mismatch=true"):
        evaluate(fast)  # a row the model never trained on now sits in train: refused
    assert evaluate(replace(fast, allow_split_mismatch=True))["n_sentences"] > 0


def test_refit_on_the_training_validation_rows_reproduces_the_trained_decisions(eval_cfg, trained_model_dir, tmp_path):
    from dataclasses import replace

    trained = json.loads((trained_model_dir / "config.json").read_text())
    fast = replace(eval_cfg, bootstrap=0, baselines=False, plots=False, refit_to=str(tmp_path / "refit"))
    metrics = evaluate(fast)
    refit = json.loads((tmp_path / "refit" / "config.json").read_text())
    assert metrics["model_dir"] == str(tmp_path / "refit")
    assert refit["training"]["refitted_on"]["model_dir"] == str(trained_model_dir)
    for key in ("thresholds", "temperatures"):
        assert refit[key] == pytest.approx(trained[key], rel=1e-4), key
    assert refit["evidence_thresholds"] == trained["evidence_thresholds"]
    assert (tmp_path / "refit" / "model.safetensors").is_file() and trained_model_dir.exists()


def test_evidence_thresholds_are_fitted_only_on_enough_sentences(trained_model_dir):
    from datasets import Dataset

    from slant.evaluation.fitting import EVIDENCE_GRID, tune_evidence_thresholds
    from slant.inference.predictor import Predictor

    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu")
    predictor.thresholds = [0.0] * len(predictor.labels)  # flag everything: every gold span is scored
    text = "The minister said the plan had failed."
    said = [{"label": "attribution", "start": text.index("said"), "end": text.index("said") + 4}]
    split = Dataset.from_dict({"text": [text] * 3, "spans": [json.dumps(said)] * 3})
    predictor.config.evidence_thresholds = {n: 0.999 for n in predictor.labels}  # off the grid
    before = dict(predictor.config.evidence_thresholds)
    assert tune_evidence_thresholds(predictor, split) == before          # 3 sentences: too few to fit
    fitted = tune_evidence_thresholds(predictor, split, min_sentences=3)
    assert fitted["attribution"] in EVIDENCE_GRID                        # fitted from the grid
    assert all(fitted[n] == 0.999 for n in predictor.labels if n != "attribution")  # no gold spans: kept
    # Thresholds above every token probability decode alike (the best token, grown): a tie goes to the highest.
    tied = (0.9990, 0.9995, 0.9999)
    assert tune_evidence_thresholds(predictor, split, grid=tied, min_sentences=3)["attribution"] == tied[-1]


def test_evidence_threshold_near_ties_go_to_the_highest(trained_model_dir, monkeypatch):
    from slant.evaluation import fitting
    from slant.inference.predictor import Predictor

    predictor = Predictor.from_pretrained(trained_model_dir, device="cpu")
    curve = {0.3: 0.636, 0.4: 0.629, 0.5: 0.607}  # the curve real-news validation gave `loaded`
    decoded_at: list[float] = []
    monkeypatch.setattr(predictor, "token_scores", lambda texts: (None, None))
    monkeypatch.setattr(predictor, "decode", lambda texts, probs, tokens, evidence_thresholds:
                        decoded_at.append(min(evidence_thresholds.values())) or [])
    monkeypatch.setattr(fitting, "gold_spans", lambda split: [])
    monkeypatch.setattr(fitting, "evidence_scores", lambda preds, gold, labels: {
        **{f"evidence_f1/{n}": curve[decoded_at[-1]] for n in labels}, **{f"evidence_n/{n}": 50 for n in labels}})
    fitted = fitting.tune_evidence_thresholds(predictor, {"text": []}, grid=tuple(curve))
    assert set(fitted.values()) == {0.4}  # 0.629 is within a point of the best 0.636; 0.607 is not


def test_paired_pr_auc_bootstrap_sees_a_better_ranking_and_no_difference_between_equals():
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from pr_auc_diff import paired_pr_auc

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.1).astype(float)
    noisy = rng.random(400)
    perfect = y + 0.01 * rng.random(400)
    groups = np.repeat(np.arange(100), 4)
    better = paired_pr_auc(y, noisy, perfect, groups, resamples=50, seed=0)
    assert len(better) == 50 and (better > 0).all()
    assert np.allclose(paired_pr_auc(y, noisy, noisy, groups, resamples=20, seed=0), 0)
