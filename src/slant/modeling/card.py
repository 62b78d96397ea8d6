"""The model card (``README.md`` with Hugging Face Hub metadata) written next to every saved model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slant.atomic import write_text
from slant.modeling.configuration import SlantConfig

# Licence of what each data format reads (docs/corpora.md has the details).
DATA_LICENCES = {
    "slant": "as the corpus states (the starter corpus ships under Apache-2.0)",
    "realnews": "standoff annotations Apache-2.0; sentence text from corpora under CC BY 4.0, MIT, AFL-3.0, "
                "CC BY-NC-SA 4.0 and research-only terms (data/realnews/README.md)",
    "babe": "AGPL-3.0", "checkthat": "CC BY-NC-SA 4.0", "conll2010": "research and personal use",
    "polnear": "none stated (research use)",
}
PERMISSIVE = {"slant"}
INTENDED_USE = (
    "Sentence-level analysis of how news text frames what it reports: which sentences attribute claims "
    "to sources, which hedge, which use loaded terms, and whether a loaded term is the outlet's own "
    "(authorial) or a quoted source's. Use it to audit, compare and study coverage, with a person "
    "reading the flagged sentences."
)
LIMITATIONS = (
    "Scores are per sentence, not verdicts on an article or an outlet. `loaded` depends on culture and "
    "context; the model has seen few real articles per language and over-flags charged topics more "
    "than charged words. Evidence spans are token-level guesses widened to words. Performance outside "
    "the training languages, on non-news text and on very informal text is unmeasured. Do not use the "
    "scores alone to rank, moderate or sanction people or media."
)


def front_matter(config: SlantConfig, languages: list[str]) -> str:
    """Hub metadata: licence, languages, base model, pipeline tag."""
    formats = [source.get("format", "") for source in config.training.get("sources", {}).values()]
    licence = "apache-2.0" if formats and all(f in PERMISSIVE for f in formats) else "other"
    lines = ["---", "library_name: slant", f"license: {licence}", "pipeline_tag: text-classification",
             "tags: [slant, news, framing, attribution, hedging, loaded-language]"]
    if languages:
        lines += ["language:"] + [f"- {lang}" for lang in languages]
    if config.base_model:
        lines.append(f"base_model: {config.base_model}")
    return "\n".join(lines + ["---", ""])


def metrics_table(metrics: dict[str, Any], labels: list[str]) -> list[str]:
    """Per split: macro-F1 with its bootstrap interval, then per-label P/R/F1."""
    rows = []
    for split in ("test", "validation"):
        values = (metrics or {}).get(split)
        if not values:
            continue
        ci = values.get("f1_macro_ci")
        interval = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci and ci[0] == ci[0] else ""
        rows.append(f"**{split}** ({values.get('n_sentences', '?')} sentences): macro-F1 "
                    f"{values['f1_macro']:.3f}{interval}\n")
        rows += ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        rows += [f"| {n} | {values[f'precision/{n}']:.3f} | {values[f'recall/{n}']:.3f} | {values[f'f1/{n}']:.3f} "
                 f"| {int(values[f'support/{n}'])} |" for n in labels if f"f1/{n}" in values]
        rows.append("")
    return rows or ["No metrics were recorded with this model.", ""]


def model_card(config: SlantConfig, metrics: dict[str, Any] | None = None) -> str:
    """The card's Markdown: metadata, provenance, data and licences, labels, metrics, use and limits."""
    training = config.training
    languages = sorted(training.get("languages", []))
    sources = training.get("sources", {})
    lines = [front_matter(config, languages), "# slant model", "",
             "Scores news sentences for **" + "**, **".join(config.labels) + "**, with evidence spans "
             "and the voice (quoted or authorial) of loaded terms. Made with "
             f"slant {config.slant_version}.", "",
             "## Base model", "", f"- encoder: `{config.base_model or 'unknown'}`",
             f"- weights: {config.provenance or 'not recorded'}", "",
             "## Training data", ""]
    if sources:
        lines += ["| source | format | path | licence |", "|---|---|---|---|"]
        lines += [f"| {name} | {s.get('format', '')} | `{s.get('path', '')}` | "
                  f"{DATA_LICENCES.get(s.get('format', ''), 'see the corpus')} |" for name, s in sources.items()]
        lines.append("")
    if training.get("data_fingerprint"):
        lines += [f"Data fingerprint `{training['data_fingerprint']}`, seed {training.get('seed', '?')}.", ""]
    lines += ["## Labels and decisions", "",
              "| label | kind | threshold | temperature |", "|---|---|---|---|"]
    lines += [f"| {n} | {config.label_kinds[n]} | {config.thresholds[n]:.3f} | {config.temperatures[n]:.3f} |"
              for n in config.labels]
    lines += ["", "Thresholds apply to calibrated probabilities (`sigmoid(logit / temperature)`), both fitted on "
              "the validation split. A `term` label's evidence also says whether the words are quoted.", "",
              "## Metrics", "", *metrics_table(metrics or {}, config.labels),
              "## Use", "", "```python", "from slant import Predictor", "",
              'predictor = Predictor.from_pretrained("path/to/this/model")',
              'article = predictor.score_article("The army called them \'terrorists\', officials said.")',
              "```", "",
              "`import slant` registers the model with `transformers`, so `AutoModel.from_pretrained` and "
              "`pipeline(\"text-classification\", ...)` load it too; the pipeline gives calibrated sentence "
              f"scores without evidence, and does not add the text prefix `{config.text_prefix!r}` the model "
              "was trained with (prepend it yourself).", "",
              "## Intended use", "", INTENDED_USE, "", "## Limitations", "", LIMITATIONS, ""]
    return "\n".join(lines)


def write_model_card(model_dir: Path, config: SlantConfig, metrics: dict[str, Any] | None = None) -> Path:
    """Write ``README.md`` into ``model_dir``."""
    path = Path(model_dir) / "README.md"
    write_text(path, model_card(config, metrics))
    return path
