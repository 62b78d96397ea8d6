"""Agreement of the team's stance annotations with a second annotator's blind labels.

    python data/realnews/stance_agreement.py
    python data/realnews/stance_agreement.py --annotations stance_enrichment --crosscheck stance_enrichment_crosscheck

``stance_crosscheck/<lang>.jsonl`` holds, for a random sample of 60 rows of ``stance/<lang>.jsonl``
per language, the stance and voice a second annotator gave the same (sentence, target) pair without
seeing the first labels. Prints per language and overall: raw agreement and Cohen's kappa on the
stance, and voice agreement on pairs both annotators found non-neutral.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).parent


def rows(path: Path) -> dict[str, dict]:
    """Rows of one JSONL file by id."""
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if row}


def main() -> None:
    """Print the agreement table of one annotation folder and its cross-check folder (names under data/realnews)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", default="stance")
    parser.add_argument("--crosscheck", default="stance_crosscheck")
    args = parser.parse_args()
    print("| lang | pairs | stance agreement | kappa | voice agreement (both non-neutral) |\n|---|---|---|---|---|")
    every_first, every_second = [], []
    for check in sorted((HERE / args.crosscheck).glob("*.jsonl")):
        first, second = rows(HERE / args.annotations / check.name), rows(check)
        ids = sorted(second)
        a, b = [first[i]["stance"] for i in ids], [second[i]["stance"] for i in ids]
        both = [i for i in ids if first[i]["voice"] and second[i]["voice"]]
        voice = sum(first[i]["voice"] == second[i]["voice"] for i in both) / len(both) if both else float("nan")
        agree = sum(x == y for x, y in zip(a, b)) / len(ids)
        print(f"| {check.stem} | {len(ids)} | {agree:.3f} | {cohen_kappa_score(a, b):.3f} | {voice:.3f} ({len(both)}) |")
        every_first += a
        every_second += b
    agree = sum(x == y for x, y in zip(every_first, every_second)) / len(every_first)
    print(f"| all | {len(every_first)} | {agree:.3f} | {cohen_kappa_score(every_first, every_second):.3f} | |")


if __name__ == "__main__":
    main()
