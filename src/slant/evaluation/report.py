"""Render evaluation metrics as a Markdown report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slant.data.records import STANCES


def fmt(value: float) -> str:
    """Three decimals, or a dash for NaN."""
    return "–" if value != value else f"{value:.3f}"


def system_rows(systems: Mapping[str, Mapping[str, Any]], names: Sequence[str]) -> list[str]:
    """One table row per system: macro-F1 with its interval, then F1 and PR-AUC per label."""
    head = "| system | macro-F1 [95% CI] | " + " | ".join(f"F1 {n} | PR-AUC {n}" for n in names) + " |"
    lines = [head, "|---|---|" + "---|---|" * len(names)]
    for system, m in systems.items():
        low, high = m["f1_macro_ci"]
        cells = " | ".join(f"{fmt(m[f'f1/{n}'])} | {fmt(m[f'pr_auc/{n}'])}" for n in names)
        lines.append(f"| {system} | {fmt(m['f1_macro'])} [{fmt(low)}, {fmt(high)}] | {cells} |")
    return lines


def group_rows(groups: Mapping[str, Mapping[str, float]], names: Sequence[str], title: str) -> list[str]:
    """Per-group table of known rows and P/R/F1 per label."""
    lines = [f"| {title} | " + " | ".join(f"P / R / F1 {n} (n)" for n in names) + " | macro-F1 |",
             "|---|" + "---|" * (len(names) + 1)]
    for group, m in groups.items():
        cells = " | ".join(
            f"{fmt(m[f'precision/{n}'])} / {fmt(m[f'recall/{n}'])} / {fmt(m[f'f1/{n}'])} ({m[f'support/{n}']})"
            for n in names)
        lines.append(f"| {group} | {cells} | {fmt(m['f1_macro'])} |")
    return lines




def stance_rows_md(groups: Mapping[str, Mapping[str, Any]], title: str) -> list[str]:
    """Per-group stance table: macro-F1, accuracy, F1 per class and the number of pairs."""
    lines = [f"| {title} | macro-F1 | accuracy | " + " | ".join(f"F1 {c}" for c in STANCES) + " | pairs |",
             "|---|---|---|" + "---|" * len(STANCES) + "---|"]
    for group, m in groups.items():
        if not m.get("n"):
            continue
        cells = " | ".join(fmt(m[f"f1/{c}"]) for c in STANCES)
        lines.append(f"| {group} | {fmt(m['f1_macro'])} | {fmt(m['accuracy'])} | {cells} | {m['n']} |")
    return lines


def stance_section(stance: Mapping[str, Any]) -> list[str]:
    """Stance toward targets: the model, its baselines, and breakdowns by source and language."""
    overall = stance["overall"]
    low, high = overall["f1_macro_ci"]
    systems = {"slant": overall, **{name: b["overall"] for name, b in stance.get("baselines", {}).items()}}
    lines = ["## Stance toward targets", "",
             f"macro-F1 {fmt(overall['f1_macro'])} [{fmt(low)}, {fmt(high)}] over {overall['n']} (sentence, target) "
             f"pairs; top-class calibration error {fmt(overall['ece'])} at temperature {overall['temperature']:.2f}.", "",
             *stance_rows_md(systems, "system"), "",
             "`slant_sentence_level` gives every target of a sentence the same answer (the mean of the model's "
             "probabilities over its targets): what a target-blind reading could do at best. `majority` is the "
             "majority class of each source's training rows; `target_blind_tfidf_lr` a character TF-IDF logistic "
             "regression on the sentence alone.", "",
             "### By source", "", *stance_rows_md(stance["by_source"], "source"), ""]
    for name, baseline in stance.get("baselines", {}).items():
        lines += [f"#### {name} by source", "", *stance_rows_md(baseline["by_source"], "source"), ""]
    lines += ["### By language", "", *stance_rows_md(stance["by_language"], "language"), ""]
    if "voice" in stance:
        voice = stance["voice"]
        per = ", ".join(f"{lang} {fmt(v['accuracy'])} ({v['n']})" for lang, v in voice["by_language"].items())
        lines += ["### Voice of the stance", "",
                  f"Predicted voice (a quotation, or the sentence flagged `attribution`) matches the annotated voice "
                  f"of {fmt(voice['accuracy'])} of {voice['n']} non-neutral pairs: {per}.", ""]
    return lines


def markdown_report(metrics: Mapping[str, Any], names: Sequence[str]) -> str:
    """The evaluation report: provenance, systems with intervals, breakdowns, calibration, plots, stance."""
    model = metrics["model"]
    thresholds = ", ".join(f"{n} {model['thresholds'][n]:.3f}" for n in names)
    lines = [
        f"# slant evaluation: `{metrics['model_dir']}` on `{metrics['split']}`", "",
        f"- model: base `{model['base_model']}`, slant {model['slant_version']}, trained with seed "
        f"{model.get('seed', '?')} on data `{model['data_fingerprint'][:16]}`",
        f"- evaluated data fingerprint: `{metrics['data_fingerprint']}` ({metrics['n_sentences']} sentences)",
        f"- thresholds (tuned on validation): {thresholds}",
        f"- bootstrap and baseline seed: {metrics['seed']}", "",
    ]
    if "overall" in metrics:
        lines += sentence_sections(metrics, names)
    if "stance" in metrics:
        lines += stance_section(metrics["stance"])
    return "\n".join(lines)


def sentence_sections(metrics: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The sentence-label part of the report."""
    lines = [
        "## Model and baselines", "",
        *system_rows({"slant": metrics["overall"], **metrics.get("baselines", {})}, names), "",
        "Baselines are trained on the train split of the same data; TF-IDF+LR thresholds are tuned on "
        "validation like the model's. Intervals: percentile bootstrap over sentences.", "",
    ]
    if "comparison" in metrics:
        c = metrics["comparison"]
        lines += ["## Paired comparison", "",
                  f"macro-F1 of this model minus `{c['other_model_dir']}`: {c['delta_f1_macro']:+.3f} "
                  f"[{fmt(c['delta_ci'][0])}, {fmt(c['delta_ci'][1])}], paired bootstrap p = {c['p_value']:.3f}", ""]
    ev = metrics["evidence"]
    lines += ["## Evidence spans", "",
              "On sentences whose gold spans include a label and that the model flagged: character-overlap "
              "P/R/F1 of the predicted evidence, and the share with at least one overlapping span (hit).", "",
              "| label | sentences | precision | recall | F1 | hit |", "|---|---|---|---|---|---|",
              *(f"| {n} | {ev[f'evidence_n/{n}']} | {fmt(ev[f'evidence_precision/{n}'])} | "
                f"{fmt(ev[f'evidence_recall/{n}'])} | {fmt(ev[f'evidence_f1/{n}'])} | {fmt(ev[f'evidence_hit/{n}'])} |"
                for n in names), "",
              f"Voice (quoted vs authorial) of predicted loaded spans overlapping a gold span with a voice: "
              f"accuracy {fmt(ev['voice_accuracy'])} over {ev['voice_n']} spans.", ""]
    cal = metrics["calibration"]
    lines += ["## By language", "", *group_rows(metrics["by_language"], names, "language"), "",
              "## By source", "", *group_rows(metrics["by_source"], names, "source"), "",
              "## Calibration", "",
              f"Expected calibration error (15 bins, all known cells): {fmt(cal['ece_uncalibrated'])} before, "
              f"{fmt(cal['ece'])} after per-label temperature scaling (T = "
              + ", ".join(f"{n} {t:.2f}" for n, t in cal["temperatures"].items()) + ").", ""]
    for name, file in metrics.get("plots", {}).items():
        lines += [f"![{name}]({file})", ""]
    return lines
