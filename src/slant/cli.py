"""The ``slant`` command line. No Hydra here: a model directory carries its own settings."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slant.inputs import InputError, read_article, read_articles

if TYPE_CHECKING:
    from slant.results import ArticleScore

DEFAULT_MODEL = os.environ.get("SLANT_MODEL", "outputs/quickstart/model")


def format_text(name: str, article: ArticleScore) -> str:
    """A human-readable view: one line per sentence with its labels and evidence, then the profile."""
    lines = [f"== {name} ({article.lang})"]
    for s in article.sentences:
        tags = "(boilerplate)" if s.kind != "content" else ",".join(s.labels) or "-"
        evidence = "; ".join(f"{e.label}: {e.text}" + (f" [{e.voice}]" if e.voice else "") for e in s.evidence)
        lines.append(f"[{s.start:>5}-{s.end:<5}] {tags:<28} {s.text}" + (f"\n{'':<43}^ {evidence}" if evidence else ""))
    rates = "  ".join(f"{label}={rate:.0%}" for label, rate in article.rates.items())
    voice = ", ".join(f"{k} {v}" for k, v in article.loaded_voice.items())
    lines.append(f"   {article.n_content} content sentences: {rates}; loaded terms: {voice}")
    return "\n".join(lines)


def csv_fields(labels: tuple[str, ...]) -> list[str]:
    """Columns of the CSV output: one row per sentence (or per unreadable input)."""
    return ["source", "sentence", "start", "end", "kind", "labels", *(f"score_{n}" for n in labels), "evidence", "text"]


def csv_rows(name: str, article: ArticleScore) -> list[dict[str, object]]:
    """One CSV row per sentence: offsets, kind, labels, a score per label, evidence as label:start-end:text[:voice]."""
    return [
        {"source": name, "sentence": i, "start": s.start, "end": s.end, "kind": s.kind, "labels": ";".join(s.labels),
         **{f"score_{n}": s.scores.get(n, "") for n in article.counts},
         "evidence": "; ".join(f"{e.label}:{e.start}-{e.end}:{e.text}" + (f":{e.voice}" if e.voice else "")
                               for e in s.evidence),
         "text": s.text}
        for i, s in enumerate(article.sentences)
    ]


def score(args: argparse.Namespace) -> int:
    """Score articles: JSONL (one object per article), CSV (one row per sentence), HTML or text.

    An unreadable input gets an error record (and a message on stderr) and the exit code is 1;
    the other inputs are still scored.
    """
    from slant.html_report import render_report
    from slant.predictor import Predictor

    predictor = Predictor.from_pretrained(args.model, device=args.device)
    out: TextIO = sys.stdout
    writer = csv.DictWriter(out, fieldnames=csv_fields(predictor.labels)) if args.format == "csv" else None
    if writer:
        writer.writeheader()
    pages, failures = [], 0
    for name, text in read_articles(args.input):
        if isinstance(text, InputError):
            failures += 1
            print(f"slant: {text}", file=sys.stderr)
            if args.format == "jsonl":
                print(json.dumps({"source": name, "error": str(text)}, ensure_ascii=False), file=out)
            elif writer:
                writer.writerow({"source": name, "kind": "error", "text": str(text)})
            continue
        article = predictor.score_article(text, lang=args.lang)
        if args.format == "jsonl":
            print(json.dumps({"source": name, **article.to_dict()}, ensure_ascii=False), file=out)
        elif writer:
            writer.writerows(csv_rows(name, article))
        elif args.format == "html":
            pages.append((name, text, article))
        else:
            print(format_text(name, article), file=out)
    if args.format == "html":
        print(render_report(pages), file=out)
    return 1 if failures else 0


def report(args: argparse.Namespace) -> int:
    """Write a self-contained HTML report of one article."""
    from slant.html_report import render_report
    from slant.predictor import Predictor

    try:
        text = read_article(Path(args.article))
    except InputError as err:
        raise SystemExit(f"slant: {err}") from None
    article = Predictor.from_pretrained(args.model, device=args.device).score_article(text, lang=args.lang)
    page = render_report([(Path(args.article).name, text, article)], title=f"slant: {Path(args.article).name}")
    Path(args.output).write_text(page, encoding="utf-8")
    print(f"wrote {args.output}: {article.n_content} content sentences", file=sys.stderr)
    return 0


def data_validate(args: argparse.Namespace) -> int:
    """Validate the starter corpus; print the counts table and every problem."""
    from slant.data.starter import validate_corpus

    result = validate_corpus(Path(args.dir))
    print(result.table())
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(result.errors)} problems in {sum(result.rows.values())} rows", file=sys.stderr)
    return 1 if result.errors else 0


def data_split(args: argparse.Namespace) -> int:
    """Assign the fixed stratified splits in place and refresh the checksum file."""
    from slant.data.starter import write_splits

    write_splits(Path(args.dir))
    return data_validate(args)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that load a model."""
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"model directory (default {DEFAULT_MODEL}; env SLANT_MODEL)")
    parser.add_argument("--lang", default=None, help="language code for sentence splitting (default: detect)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="slant", description="Find how news articles frame what they report.")
    commands = parser.add_subparsers(dest="command", required=True)

    scorer = commands.add_parser("score", help="score articles sentence by sentence")
    scorer.add_argument("input", help="a .txt/.md/.html file, a folder of them, or - for stdin")
    scorer.add_argument("--format", choices=["jsonl", "csv", "html", "text"], default="jsonl", help="output format")
    add_model_options(scorer)
    scorer.set_defaults(run=score)

    reporter = commands.add_parser("report", help="write a self-contained HTML report of one article")
    reporter.add_argument("article", help="a .txt/.md/.html file")
    reporter.add_argument("-o", "--output", default="report.html", help="HTML file to write")
    add_model_options(reporter)
    reporter.set_defaults(run=report)

    data = commands.add_parser("data", help="starter-corpus tools").add_subparsers(dest="data_command", required=True)
    for name, run, help_ in [("validate", data_validate, "check schema, spans, duplicates, leakage, checksum"),
                             ("split", data_split, "assign fixed stratified splits and write SHA256SUMS")]:
        sub = data.add_parser(name, help=help_)
        sub.add_argument("dir", nargs="?", default="data/starter", help="corpus directory")
        sub.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``slant`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as err:
        print(f"slant: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
