"""The ``slant`` command line. No Hydra here: a model directory carries its own settings."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slant import __version__
from slant.data.records import DataError
from slant.inference.inputs import InputError, read_articles

if TYPE_CHECKING:
    from slant.inference.results import ArticleScore

DEFAULT_MODEL = os.environ.get("SLANT_MODEL", "outputs/quickstart/model")
EXIT_OK, EXIT_ERROR_RECORDS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CODES = ("exit codes: 0 every input scored; 1 some inputs or rows became error records (the others are "
              "scored); 2 usage, input, output or model error (one line on stderr naming the path; nothing or "
              "only finished parts written); 3 unexpected internal error (a bug: the traceback is printed; slant score "
              "still scores the other inputs and writes an error record for the one that failed)")


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
    for target in article.targets:
        counts = ", ".join(f"{k} {v}" for k, v in target.counts.items())
        voices = ", ".join(f"{k} {v}" for k, v in target.by_voice.items()) or "-"
        lines.append(f"   target {target.target}: {len(target.mentions)} mentions, overall {target.stance} "
                     f"({counts}; by voice: {voices})")
        lines += [f"     [{m.start:>5}-{m.end:<5}] {m.stance:<8} {m.scores[m.stance]:.2f} {m.voice:<9} {m.text}"
                  for m in target.mentions]
    return "\n".join(lines)


def parse_targets(value: str | None) -> dict[str, list[str]] | None:
    """``--targets "Vladimir Putin|Putin|Путин,NATO"`` (see :func:`slant.inference.stance.parse_targets`)."""
    from slant.inference.stance import parse_targets as parse

    if value is None:
        return None
    targets = parse(value)
    if not targets:
        raise UsageError(f"--targets {value!r} names no target")
    return targets


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
    the other inputs are still scored. An input whose scoring raises (a bug) gets an error record
    and its traceback on stderr, the others are still scored, and the exit code is 3.
    """
    from slant.inference.article_page import render_report

    if args.input != "-" and not Path(args.input).exists():
        raise UsageError(f"{args.input}: no such file or directory")
    predictor = load_predictor(args)
    targets = parse_targets(args.targets)
    if targets and not predictor.stance_labels:
        raise UsageError(f"{args.model}: this model has no stance head, so --targets cannot be scored "
                         "(train one with `python train.py experiment=stance`)")
    out: TextIO = sys.stdout
    writer = csv.DictWriter(out, fieldnames=csv_fields(predictor.labels)) if args.format == "csv" else None
    if writer:
        writer.writeheader()
    pages, failures, crashes = [], 0, 0
    for name, text in read_articles(args.input):
        if not isinstance(text, InputError):
            try:
                article = predictor.score_article(text, lang=args.lang, targets=targets)
            except Exception as error:  # a bug on one input must not stop the others: record it, go on
                traceback.print_exc(file=sys.stderr)
                crashes += 1
                text = InputError(f"{name}: internal error while scoring ({type(error).__name__}: {error})")
        if isinstance(text, InputError):
            failures += 1
            print(f"slant: {text}", file=sys.stderr)
            if args.format == "jsonl":
                print(json.dumps({"source": name, "error": str(text)}, ensure_ascii=False), file=out)
            elif writer:
                writer.writerow({"source": name, "kind": "error", "text": str(text)})
            continue
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
    return EXIT_INTERNAL if crashes else EXIT_ERROR_RECORDS if failures else EXIT_OK


def report(args: argparse.Namespace) -> int:
    """Write a self-contained HTML report of one article (a file, or ``-`` for stdin).

    ``-o`` may name the HTML file or an existing folder, which gets ``<article name>.html``.
    """
    from slant.inference.article_page import render_report

    if args.article != "-" and Path(args.article).is_dir():
        raise UsageError(f"{args.article}: is a directory; report takes one article (use slant score for a folder)")
    (name, text), = read_articles(args.article)
    if isinstance(text, InputError):
        raise text
    title = "stdin" if name == "-" else Path(name).name
    output = Path(args.output)
    if output.is_dir():
        output = output / f"{Path(title).stem}.html"
    predictor = load_predictor(args)
    targets = parse_targets(args.targets)
    if targets and not predictor.stance_labels:
        raise UsageError(f"{args.model}: this model has no stance head, so --targets cannot be scored")
    article = predictor.score_article(text, lang=args.lang, targets=targets)
    page = render_report([(title, text, article)], title=f"slant: {title}")
    output.write_text(page, encoding="utf-8")
    print(f"wrote {output}: {article.n_content} content sentences", file=sys.stderr)
    return EXIT_OK


def batch(args: argparse.Namespace) -> int:
    """Score every row of a JSONL/CSV/Parquet file into resumable parts; exit 1 if any row is an error row."""
    from slant.batch import InputFormatError, JobMismatchError, RowSpec, ScorerSpec, local_engine, run_batch
    from slant.modeling.checkpoint import model_labels

    with model_errors(str(args.model)):
        model_labels(args.model)  # checked before any work, so a bad model is exit code 2, not a crash

    parse_targets(args.targets)  # a --targets that names nothing is a usage error before any work
    spec = ScorerSpec(str(args.model), args.device, args.precision, args.batch_size, args.lang,
                      with_sentences=not args.no_sentences, threads=args.threads, compile=args.compile,
                      targets=args.targets)
    rows = RowSpec(args.text_column, args.id_column, args.lang_column, args.max_chars, args.targets_column)
    engine = local_engine
    if args.engine == "ray":
        from slant.batch.ray_engine import RayOptions, ray_engine

        engine = ray_engine(RayOptions(args.workers, args.cpus_per_worker, args.gpus_per_worker, args.ray_address))
    try:
        summary = run_batch(Path(args.input), Path(args.output), spec, rows, args.input_format, args.output_format,
                            args.rows_per_part, engine, progress=not args.quiet, retry_errors=args.retry_errors)
    except (InputFormatError, JobMismatchError) as err:
        raise UsageError(str(err)) from None
    for example in summary.error_examples:
        print(f"slant: error row: {example}", file=sys.stderr)
    print(f"slant batch: {summary.rows} rows ({summary.skipped} already done, {summary.scored_now} scored now), "
          f"{summary.errors} error rows, {summary.parts} parts in {args.output}, {summary.seconds:.1f} s", file=sys.stderr)
    return summary.exit_code


def annotation_format(root: Path) -> str:
    """``realnews_stance`` for stance standoff rows, ``realnews`` for other standoff annotations (rows
    point into a corpus), else ``slant``."""
    from slant.data.readers import files_under, read_lines

    for _, raw in read_lines(files_under(root, ".jsonl")[0]):
        if '"corpus"' in raw and '"sha1"' in raw:
            return "realnews_stance" if '"stance"' in raw and '"target"' in raw else "realnews"
        return "slant"
    return "slant"


def data_validate(args: argparse.Namespace) -> int:
    """Validate a corpus (the starter corpus, real-news or stance standoff annotations); print counts and problems."""
    return validate_folder(Path(args.dir))


def validate_folder(root: Path) -> int:
    """Validate the corpus in ``root`` by its format; print counts and problems; 1 if there are problems."""
    from slant.data.corpora.realnews import validate_realnews
    from slant.data.corpora.stance import validate_stance
    from slant.data.starter import validate_corpus

    result = {"realnews": validate_realnews, "realnews_stance": validate_stance}.get(annotation_format(root),
                                                                                  validate_corpus)(root)
    print(result.table())
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(result.errors)} problems in {sum(result.rows.values())} rows", file=sys.stderr)
    return 1 if result.errors else 0


def data_stats(args: argparse.Namespace) -> int:
    """Sentence counts per source, language, label and split of one or more corpus folders."""
    import json
    from collections import Counter

    from slant.config import DEFAULT_LABELS
    from slant.data.readers import get_reader
    from slant.labels import LabelSet

    stats: dict[str, dict] = {}
    for folder in args.dirs:
        root = Path(folder)
        counts: Counter = Counter()
        for ex in get_reader(annotation_format(root))(root, LabelSet.of(DEFAULT_LABELS)):
            for split in (ex.split or "none", "all"):
                for lang in (ex.lang, "all"):
                    counts["sentences", lang, split] += 1
                    for name, value in ex.labels.items():
                        counts[name, lang, split] += int(value or 0)
                    if ex.stance:
                        counts[f"stance_{ex.stance}", lang, split] += 1
        table: dict = {}
        for (what, lang, split), n in sorted(counts.items()):
            table.setdefault(lang, {}).setdefault(split, {})[what] = n
        stats[root.name if root.name not in ("annotations", "") else root.parent.name] = table
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    for source, table in stats.items():
        print(f"## {source}\n\n| lang | split | sentences | " + " | ".join(DEFAULT_LABELS) + " |")
        print("|---|---|---|" + "---|" * len(DEFAULT_LABELS))
        for lang, splits in table.items():
            for split, row in splits.items():
                print(f"| {lang} | {split} | {row['sentences']} | " + " | ".join(str(row.get(n, 0)) for n in DEFAULT_LABELS) + " |")
        print()
    return 0


def data_checksum(args: argparse.Namespace) -> int:
    """Record the annotation files' digests in ``SHA256SUMS`` after an intended edit."""
    from slant.data.starter import write_checksums

    write_checksums(Path(args.dir))
    return data_validate(args)


def data_adopt(args: argparse.Namespace) -> int:
    """Move candidate rows (and their cross-checks) into the shipped folders, then validate what grew."""
    from slant.data.adoption import IdRange, adopt

    try:
        ranges = [IdRange.parse(text) for text in args.ids]
    except ValueError as err:
        raise UsageError(str(err)) from None
    crosschecks = (Path(args.crosschecks[0]), Path(args.crosschecks[1])) if args.crosschecks else None
    rows, checks = adopt(Path(args.candidates), Path(args.shipped), ranges, crosschecks, args.dry_run)
    moves = [move for move in (rows, checks) if move is not None]
    for move in moves:
        files = ", ".join(f"{name} {n}" for name, n in sorted(move.per_file.items())) or "nothing"
        verb = "would adopt" if args.dry_run else "adopted"
        print(f"{verb} {len(move)} rows from {move.source} into {move.target}: {files}", file=sys.stderr)
    if args.dry_run:
        return 0
    return max((validate_folder(move.target) for move in moves if move.ids), default=0)


def data_split(args: argparse.Namespace) -> int:
    """Assign the fixed stratified splits in place and refresh the checksum file."""
    from slant.data.starter import write_splits

    write_splits(Path(args.dir))
    return data_validate(args)


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1 (a bad option is refused before any work)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


class UsageError(Exception):
    """A problem with the command itself (options, a missing input, an unloadable model): :data:`EXIT_USAGE`."""


@contextmanager
def model_errors(model: str) -> Iterator[None]:
    """Turn what loading ``model`` raises into a :class:`UsageError` that says what is wrong with it."""
    try:
        yield
    except (OSError, ValueError, KeyError) as error:
        raise UsageError(f"cannot load model {model!r}: {error}") from None


def load_predictor(args: argparse.Namespace):
    """The model named by ``--model``, or a :class:`UsageError` that says what is wrong with it."""
    from slant.inference.predictor import Predictor

    with model_errors(args.model):
        return Predictor.from_pretrained(args.model, device=args.device)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that load a model."""
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"model directory (default {DEFAULT_MODEL}; env SLANT_MODEL)")
    parser.add_argument("--lang", default=None, help="language code for sentence splitting (default: detect)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    parser.add_argument("--targets", default=None,
                        help='stance targets, comma-separated, variants after "|": "Vladimir Putin|Putin,NATO" '
                             "(needs a model with a stance head)")


def add_batch_parser(commands: argparse._SubParsersAction) -> None:
    """``slant batch INPUT OUTPUT`` and its options."""
    batcher = commands.add_parser(
        "batch", help="score a JSONL/CSV/Parquet file of articles into resumable output parts",
        description="Score one article per input row. Rerun the same command after a crash to resume: "
                    "finished parts are kept, only missing rows are scored.", epilog=EXIT_CODES)
    batcher.add_argument("input", help="a .jsonl, .csv or .parquet file")
    batcher.add_argument("output", help="output directory of part files (created)")
    batcher.add_argument("--text-column", default="text", help="field with the article text (default text)")
    batcher.add_argument("--id-column", default=None, help="field copied to the output as id")
    batcher.add_argument("--lang-column", default=None, help="field with an ISO language code per row")
    batcher.add_argument("--targets-column", default=None,
                         help='field with each row\'s stance targets ("A|variant,B", or a list of names); '
                              "overrides --targets for rows where it is set")
    batcher.add_argument("--input-format", choices=["jsonl", "csv", "parquet"], default=None, help="default: from suffix")
    batcher.add_argument("--output-format", choices=["parquet", "jsonl", "csv"], default="parquet")
    batcher.add_argument("--rows-per-part", type=positive_int, default=1000, help="rows per atomic output part")
    batcher.add_argument("--max-chars", type=positive_int, default=1_000_000, help="longer texts become error rows")
    batcher.add_argument("--no-sentences", action="store_true", help="write only the article profile columns")
    batcher.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16", "int8"], default="auto",
                         help="auto: bf16/fp16 on GPU, fp32 on CPU; int8 and bf16 are faster CPU modes")
    batcher.add_argument("--batch-size", type=positive_int, default=32, help="sentences per forward pass")
    batcher.add_argument("--threads", type=positive_int, default=None, help="torch threads per process (default: all cores)")
    batcher.add_argument("--compile", action="store_true",
                         help="torch.compile the model: about a minute of compilation, then faster batches")
    batcher.add_argument("--engine", choices=["local", "ray"], default="local", help="ray: Ray Data actor pool")
    batcher.add_argument("--workers", type=positive_int, default=None, help="ray: model replicas (default: one per GPU, else 1)")
    batcher.add_argument("--cpus-per-worker", type=float, default=1.0, help="ray: CPUs reserved per replica")
    batcher.add_argument("--gpus-per-worker", type=float, default=None, help="ray: default 1 when the cluster has GPUs")
    batcher.add_argument("--ray-address", default=None, help="ray: cluster address (default: RAY_ADDRESS or a local Ray)")
    batcher.add_argument("--retry-errors", action="store_true",
                         help="score the error rows of finished parts again (e.g. after running out of memory); "
                              "each part is rewritten in place, still one record per row")
    batcher.add_argument("--quiet", action="store_true", help="no progress bar")
    add_model_options(batcher)
    batcher.set_defaults(run=batch)


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="slant", description="Find how news articles frame what they report.", epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"slant {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    scorer = commands.add_parser("score", help="score articles sentence by sentence", epilog=EXIT_CODES)
    scorer.add_argument("input", help="a .txt/.md/.html file, a folder of them, or - for stdin")
    scorer.add_argument("--format", choices=["jsonl", "csv", "html", "text"], default="jsonl", help="output format")
    add_model_options(scorer)
    scorer.set_defaults(run=score)

    reporter = commands.add_parser("report", help="write a self-contained HTML report of one article", epilog=EXIT_CODES)
    reporter.add_argument("article", help="a .txt/.md/.html file, or - for stdin")
    reporter.add_argument("-o", "--output", default="report.html",
                          help="HTML file to write, or a folder (gets <article name>.html)")
    add_model_options(reporter)
    reporter.set_defaults(run=report)

    add_batch_parser(commands)

    data = commands.add_parser("data", help="corpus tools").add_subparsers(dest="data_command", required=True)
    for name, run, help_ in [("validate", data_validate, "check schema, spans, duplicates, leakage, checksum"),
                             ("split", data_split, "assign fixed stratified splits and write SHA256SUMS"),
                             ("checksum", data_checksum, "rewrite SHA256SUMS after an intended edit")]:
        sub = data.add_parser(name, help=help_)
        sub.add_argument("dir", nargs="?", default="data/starter",
                         help="corpus directory (data/starter, or data/realnews/annotations)")
        sub.set_defaults(run=run)
    adopter = data.add_parser("adopt", help="move candidate rows (by id range) and their cross-checks into shipped folders")
    adopter.add_argument("candidates", help="candidate folder, e.g. data/realnews/enrichment_candidates")
    adopter.add_argument("shipped", help="folder the rows join, e.g. data/realnews/enrichment")
    adopter.add_argument("--ids", nargs="+", default=[], metavar="FIRST..LAST",
                         help="id ranges to adopt (ends included), e.g. rn-es-e4650..rn-es-e5549; default: every row")
    adopter.add_argument("--crosschecks", nargs=2, metavar=("CANDIDATES", "SHIPPED"),
                         help="also move the cross-check rows of the adopted ids between these folders")
    adopter.add_argument("--dry-run", action="store_true", help="check and print what would move; write nothing")
    adopter.set_defaults(run=data_adopt)
    stats = data.add_parser("stats", help="sentence counts per source, language, label and split")
    stats.add_argument("dirs", nargs="*", default=["data/starter", "data/realnews/annotations"], help="corpus directories")
    stats.add_argument("--json", action="store_true", help="print JSON instead of Markdown tables")
    stats.set_defaults(run=data_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``slant`` console script; returns one of the documented exit codes.

    Problems with the command, its input, its output or the model end in one line naming the path
    and code 2; anything else is a bug, so it keeps its traceback and gets its own code, 3.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (InputError, UsageError, DataError) as err:  # a bad file is named with its line and field
        print(f"slant: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # an unreadable input, an unwritable output directory, a full disk
        print(f"slant: {err.filename}: {err.strerror}" if err.filename else f"slant: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - automation must tell a crash from error records
        traceback.print_exc()
        print(f"slant: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
