"""Measuring a model: metrics (per label, language and source; evidence spans and voice), bootstrap
intervals and paired tests, calibration, baselines, plots, the Markdown report, and the evaluation
run itself (:func:`slant.evaluation.run.evaluate`, what ``evaluate.py`` calls)."""
