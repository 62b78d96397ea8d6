import json

import numpy as np
import pytest

from slant.inference.predictor import Predictor
from slant.inference.results import ArticleScore


@pytest.fixture
def predictor(trained_model_dir):
    return Predictor.from_pretrained(trained_model_dir, device="cpu", batch_size=4)


def test_predict_proba_shape_order_and_batch_invariance(predictor):
    texts = ["The minister said the plan would cut costs.", "Prices may rise.", "The bridge reopened after repairs on Monday today."]
    probs = predictor.predict_proba(texts)
    assert probs.shape == (3, 3) and ((probs >= 0) & (probs <= 1)).all()
    one_by_one = np.vstack([predictor.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(probs, one_by_one, atol=1e-5)


def test_thresholds_decide_labels(predictor):
    text = "The army called the rebels terrorists."
    scores = predictor.predict_proba([text])[0]
    predictor.thresholds = scores - 1e-6  # every label just reaches its threshold
    assert predictor([text])[0].labels == ("attribution", "hedging", "loaded")
    predictor.thresholds = scores + 1e-3
    assert predictor([text])[0].labels == ()


def test_save_load_round_trip_keeps_scores_and_settings(predictor, tmp_path):
    texts = ["Police reportedly arrested two men on Friday."]
    predictor.save_pretrained(tmp_path / "copy")
    again = Predictor.from_pretrained(tmp_path / "copy", device="cpu")
    np.testing.assert_allclose(predictor.predict_proba(texts), again.predict_proba(texts), atol=1e-6)
    mine, theirs = again.config.to_dict(), predictor.config.to_dict()
    assert {k: v for k, v in mine.items() if k != "_name_or_path"} == {k: v for k, v in theirs.items() if k != "_name_or_path"}


def test_article_offsets_round_trip_and_rates(predictor):
    text = "The minister said so.  Prices may rise!\n\nThe bridge reopened."
    article = predictor.score_article(text)
    assert isinstance(article, ArticleScore) and len(article.sentences) == 3
    for s in article.sentences:
        assert text[s.start : s.end] == s.text
    assert all(0 <= article.rates[n] <= 1 for n in predictor.labels)
    json.dumps(article.to_dict())


def test_empty_article_scores_to_nothing(predictor):
    article = predictor.score_article("   \n ")
    assert article.sentences == () and article.counts == {"attribution": 0, "hedging": 0, "loaded": 0}


def test_flagged_labels_come_with_evidence_that_indexes_the_text(predictor):
    text = "The army called the rebels terrorists. Police reportedly arrested two men on Friday."
    predictor.thresholds = np.zeros(3)  # flag everything so every label must explain itself
    for s in predictor.score_article(text).sentences:
        assert {e.label for e in s.evidence} == set(s.labels)
        for e in s.evidence:
            assert text[e.start : e.end] == e.text and s.start <= e.start < e.end <= s.end
            assert (e.voice in ("quoted", "authorial")) == (e.label == "loaded")


def test_long_sentence_is_read_in_windows_not_truncated(predictor):
    # max_length is 32 tokens; the hedge sits far beyond the first window.
    filler = " ".join(["the bridge reopened after repairs on monday"] * 12)
    text = f"{filler} and police reportedly arrested two men."
    probs, tokens = predictor._run([text], evidence=True)
    token_probs, offsets = tokens[0]
    assert max(end for _, end in offsets) > len("query: ") + len(filler)  # later windows were read
    assert token_probs.shape[1] == len(predictor.labels) + 1
    # The sentence's probability is the maximum over its windows, so never below the first window's.
    room = 32 - len(predictor._prefix_ids)  # every window keeps space for the prefix
    first = predictor.tokenizer("query: " + text, truncation=True, max_length=room, return_offsets_mapping=True)
    first_window = text[: max(end for _, end in first["offset_mapping"]) - len("query: ")]
    assert (probs[0] >= predictor.predict_proba([first_window])[0] - 1e-5).all()


def test_every_window_of_a_long_sentence_starts_with_the_text_prefix(predictor):
    filler = " ".join(["the bridge reopened after repairs on monday"] * 12)
    windows = predictor._preprocess([f"query: {filler} and police reportedly arrested two men."])
    prefix = predictor.tokenizer("query:", add_special_tokens=False)["input_ids"]
    assert len(windows.owner) > 2 and prefix
    for ids, offsets in zip(windows.inputs["input_ids"], windows.offsets):
        assert ids[1 : 1 + len(prefix)] == prefix and len(ids) <= 32
        assert ids[0] == predictor.tokenizer.cls_token_id and len(offsets) == len(ids)
    later_prefix_offsets = windows.offsets[1][1 : 1 + len(prefix)]
    assert later_prefix_offsets == [(0, 0)] * len(prefix)  # never evidence


def test_boilerplate_is_kept_but_not_scored_and_profile_counts_content(predictor):
    text = "The minister said so.\nRead more\nSubscribe to our newsletter"
    article = predictor.score_article(text, lang="en")
    kinds = [s.kind for s in article.sentences]
    assert kinds == ["content", "non_content", "non_content"]
    assert article.sentences[1].scores == {} and article.sentences[1].labels == ()
    assert article.n_content == 1 and set(article.top) == set(predictor.labels)


def test_language_is_detected_when_not_given(predictor):
    assert predictor.score_article("Der Minister sagte, der Plan sei gescheitert.").lang == "de"


def test_bad_inputs_fail_clearly(predictor):
    with pytest.raises(TypeError, match="decode bytes first"):
        predictor.score_article(b"The minister said so.")
    with pytest.raises(ValueError, match="binary"):
        predictor.score_article("abc\x00\x01def")


def test_score_articles_streams(predictor):
    results = predictor.score_articles(iter(["One sentence.", "", "Two. Sentences."]), lang="en")
    assert [len(a.sentences) for a in results] == [1, 0, 2]


@pytest.mark.slow
def test_five_megabyte_article_scores_in_bounded_memory(predictor):
    import resource
    from pathlib import Path

    example = (Path(__file__).resolve().parents[1] / "examples" / "article.txt").read_text(encoding="utf-8")
    text = (example + "\n\n") * (5_000_000 // len(example))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
    article = predictor.score_article(text, lang="en")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert article.n_content > 40_000 and len(article.sentences) > 60_000
    assert grown < 1500, f"peak memory grew by {grown:.0f} MiB"


def test_a_flagged_sentence_without_letters_scores_without_crashing(predictor):
    predictor.thresholds = np.zeros(len(predictor.labels))  # every label flagged, as "😡" was
    article = predictor.score_article("😡\n\nThe minister said so.", lang="en")
    emoji = article.sentences[0]
    assert emoji.text == "😡" and set(emoji.labels) == set(predictor.labels) and emoji.evidence == ()
    assert article.sentences[1].evidence


def test_language_lists_must_match_the_texts_and_codes_are_normalised(predictor):
    with pytest.raises(ValueError, match="3 texts"):
        predictor.score_batch(["a.", "b.", "c."], lang=["en"])
    german = "Die Sitzung endete im Okt. mit einem Beschluss. Die Brücke wurde geöffnet."  # en rules end at "Okt."
    expected = [s.text for s in predictor.score_article(german, lang="de").sentences]
    assert len(expected) == 2
    for code in ("de-DE", "DE", "deu", "de_AT"):
        assert [s.text for s in predictor.score_article(german, lang=code).sentences] == expected


def test_short_texts_are_not_guessed_into_a_language(predictor):
    assert predictor.score_article("OK.").lang == "und"


def test_language_is_read_across_the_article_not_from_its_first_characters(predictor):
    header = "Home | World | Politics | Business | Sign in | Subscribe to our newsletter today\n" * 80
    body = "Der Minister sagte am Dienstag, der Plan der Regierung sei falsch und werde scheitern. " * 250
    assert len(header) > 5000 and predictor.score_article(header + body).lang == "de"


def test_empty_and_string_inputs_are_handled(predictor):
    assert predictor([]) == [] and predictor.predict_proba([]).shape == (0, 3)
    with pytest.raises(TypeError, match="one string"):
        predictor("The minister said so.")
    with pytest.raises(TypeError, match="one string"):
        predictor.predict_proba("The minister said so.")
