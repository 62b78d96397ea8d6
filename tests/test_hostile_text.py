"""Arbitrary Unicode through score_article with a real subword tokenizer: no exception, exact offsets,
evidence inside its sentence and on a word."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slant.inference.predictor import Predictor

PIECES = st.sampled_from([
    "The minister said so.", "Police reportedly arrested two men.", "😡", "👍🏽 ok", "e\u0301te\u0301", "שלום עולם.",
    "مرحبا بالعالم.", "\u202eevil\u202c", "\u200b\u200d", "\ufeff", "\r\n", "\n\n", "\r", " ", "\t",
    "Straße „Zitat“ «citation».", "東京で会議が開かれた。", "x" * 300, "unbelievably" * 20, "\ud800", "\udfff",
    "ഇന്ത്യ", "ⓐⓑⓒ",
])
TEXTS = st.one_of(st.lists(PIECES, max_size=12).map("".join), st.text(max_size=200))


@pytest.fixture(scope="module")
def predictor(subword_model_dir):
    return Predictor.from_pretrained(subword_model_dir, device="cpu", batch_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_any_unicode_scores_with_exact_offsets_and_evidence_on_words(predictor, text):
    text = text.replace("\x00", "")  # NUL is refused on purpose (binary data)
    article = predictor.score_article(text)
    for s in article.sentences:
        assert text[s.start : s.end] == s.text
        for e in s.evidence:
            assert s.start <= e.start < e.end <= s.end and text[e.start : e.end] == e.text
            assert e.text[0].isalnum() and e.text[-1].isalnum()
            assert (e.start == 0 or not text[e.start - 1].isalnum()) and (e.end == len(text) or not text[e.end].isalnum())


def test_lone_surrogates_and_long_tokens_score(predictor):
    text = "The army called them \ud800 terrorists. " + "supercalifragilistic" * 40 + " said."
    article = predictor.score_article(text, lang="en")
    assert [text[s.start : s.end] for s in article.sentences] == [s.text for s in article.sentences]
