import json

from slant.cli import main


def test_score_prints_one_json_line_per_article(trained_model_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The minister said so. Prices may rise.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Die Brücke wurde geöffnet.", encoding="utf-8")
    assert main(["score", str(tmp_path), "--model", str(trained_model_dir), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["source"].rsplit("/", 1)[-1] for r in records] == ["a.txt", "b.txt"]
    assert len(records[0]["sentences"]) == 2


def test_undecodable_file_is_reported_with_its_name(trained_model_dir, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    try:
        main(["score", str(bad), "--model", str(trained_model_dir)])
    except SystemExit as exit_:
        assert "bad.txt" in str(exit_) and "UTF-8" in str(exit_)
    else:
        raise AssertionError("expected SystemExit")


def test_text_format_lists_every_sentence(trained_model_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The minister said so. Prices may rise.", encoding="utf-8")
    main(["score", str(tmp_path / "a.txt"), "--model", str(trained_model_dir), "--format", "text"])
    out = capsys.readouterr().out
    assert "The minister said so." in out and "Prices may rise." in out and "2 sentences" in out
