import json
from pathlib import Path

import pytest

from slant.data.starter import assign_splits, validate_corpus, write_splits

ROOT = Path(__file__).resolve().parents[1]


def make_row(i: int, text: str, a: int, h: int, lo: int, spans: list) -> dict:
    return {"id": f"en-{i:04d}", "lang": "en", "text": text, "attribution": a, "hedging": h, "loaded": lo,
            "spans": spans, "topic": "politics", "outlet": "wire", "note": ""}


def span(text: str, cue: str, label: str, voice: str | None = None) -> dict:
    start = text.index(cue)
    out = {"label": label, "start": start, "end": start + len(cue), "text": cue}
    return out | ({"voice": voice} if voice else {})


def good_rows() -> list[dict]:
    rows = []
    for i in range(20):
        t1 = f"Officials said that bridge {i} was closed."
        t2 = f"Bridge {i} will probably reopen in spring."
        t3 = f"Those thugs wrecked kiosk {i} again."
        t4 = f"The council met on day {i}."
        rows += [make_row(4 * i, t1, 1, 0, 0, [span(t1, "said", "attribution")]),
                 make_row(4 * i + 1, t2, 0, 1, 0, [span(t2, "probably", "hedging")]),
                 make_row(4 * i + 2, t3, 0, 0, 1, [span(t3, "thugs", "loaded", "authorial")]),
                 make_row(4 * i + 3, t4, 0, 0, 0, [])]
    return rows


def write_corpus(root: Path, rows: list[dict]) -> Path:
    root.mkdir(exist_ok=True)
    (root / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    write_splits(root)
    return root


def test_valid_corpus_passes_with_counts(tmp_path):
    report = validate_corpus(write_corpus(tmp_path / "c", good_rows()), min_rows=10)
    assert report.errors == []
    assert report.rows["en"] == 80 and report.positives["en", "hedging"] == 20
    assert "| en | 80 | 20 (25%) | 20 (25%) | 20 (25%) | 0 / 20 | 64 | 8 | 8 |" in report.table()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r[0]["spans"][0].update(start=1), "spans[0]"),
        (lambda r: r[0].update(hedging=1), "hedging span"),
        (lambda r: r[2]["spans"][0].pop("voice"), "need a voice"),
        (lambda r: r[3].update(text=r[0]["text"][:-1] + "!", spans=r[0]["spans"], attribution=1), "repeats"),
        (lambda r: r[1].update(topic="gossip"), "unknown topic"),
        (lambda r: r[1].update(lang="de"), "does not belong"),
    ],
)
def test_problems_are_reported(tmp_path, mutate, message):
    rows = good_rows()
    mutate(rows)
    report = validate_corpus(write_corpus(tmp_path / "c", rows), min_rows=10)
    assert any(message in e for e in report.errors), report.errors


def test_edit_after_checksum_is_caught(tmp_path):
    root = write_corpus(tmp_path / "c", good_rows())
    with (root / "en.jsonl").open("a") as handle:
        handle.write("\n")
    assert any("checksum differs" in e for e in validate_corpus(root, min_rows=10).errors)


def test_balance_rules(tmp_path):
    rows = [r for r in good_rows() if r["hedging"] == 0]
    errors = validate_corpus(write_corpus(tmp_path / "c", rows), min_rows=100).errors
    assert any("need at least 100" in e for e in errors) and any("hedging positive" in e for e in errors)


def test_splits_are_exact_stratified_and_order_independent():
    rows = good_rows()
    splits = {r["id"]: r["split"] for r in assign_splits([dict(r) for r in rows])}
    again = {r["id"]: r["split"] for r in assign_splits([dict(r) for r in reversed(rows)])}
    assert splits == again
    assert list(splits.values()).count("test") == 8 and list(splits.values()).count("validation") == 8
    for label in ("attribution", "hedging", "loaded"):
        test_pos = sum(r[label] for r in rows if splits[r["id"]] == "test")
        assert 1 <= test_pos <= 3


def test_shipped_starter_corpus_is_valid_and_matches_its_data_card():
    report = validate_corpus(ROOT / "data" / "starter")
    assert report.errors == []
    assert len(report.rows) >= 8 and sum(report.rows.values()) >= 4000
    assert report.table() in (ROOT / "data" / "README.md").read_text(encoding="utf-8")
