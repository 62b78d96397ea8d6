import math

import numpy as np

from slant.data.records import Span
from slant.data.targets import token_targets
from slant.inference.evidence import decode_evidence, widen_to_words

NAMES = ("attribution", "hedging", "loaded")
TEXT = 'He said they were "terrorists".'
PREFIX = "query: "


def shifted(start: int, end: int) -> tuple[int, int]:
    return start + len(PREFIX), end + len(PREFIX)


def offsets() -> list[tuple[int, int]]:
    """Offsets of: [CLS] query : He said they were " terrorists ". [SEP]"""
    words = [(0, 0), (0, 5), (5, 6)]
    for start, end in [(0, 2), (3, 7), (8, 12), (13, 17), (18, 19), (19, 29), (29, 31)]:
        words.append(shifted(start, end))
    return words + [(0, 0)]


def test_token_targets_mark_spans_and_mask_unknowns():
    spans = [Span("attribution", 3, 7), Span("loaded", 19, 29, "quoted")]
    rows = token_targets(offsets(), spans, [1.0, 0.0, 1.0], NAMES, shift=len(PREFIX))
    said, terrorists = 4, 8
    assert rows[said][0] == 1 and rows[terrorists][2] == 1 and rows[terrorists][3] == 1
    assert rows[said][2] == 0 and all(row[1] == 0 for row in rows[3:-1])        # hedging known negative
    assert all(math.isnan(v) for v in rows[0]) and all(math.isnan(v) for v in rows[1])  # special + prefix
    assert math.isnan(rows[said][3])                                            # voice only on loaded spans
    unknown = token_targets(offsets(), [], [float("nan"), 1.0, 0.0], NAMES, shift=len(PREFIX))
    assert all(math.isnan(row[0]) and math.isnan(row[1]) for row in unknown)    # unknown / positive without spans


def test_decode_evidence_returns_word_spans_with_voice_and_article_offsets():
    probs = np.zeros((len(offsets()), 4))
    probs[4, 0] = 0.9                   # "said"
    probs[8, 2], probs[8, 3] = 0.8, 0.7  # "terrorists", quoted
    probs[9, 2] = 0.2
    spans = decode_evidence(probs, offsets(), TEXT, NAMES, ["attribution", "loaded"], shift=len(PREFIX), base=100)
    assert [(s.label, s.text, s.start, s.end, s.voice) for s in spans] == [
        ("attribution", "said", 103, 107, None), ("loaded", "terrorists", 119, 129, "quoted")]


def test_every_flagged_label_gets_its_most_likely_token():
    probs = np.full((len(offsets()), 4), 0.1)
    probs[6, 1] = 0.3  # below 0.5 but the best hedging token
    spans = decode_evidence(probs, offsets(), TEXT, NAMES, ["hedging"], shift=len(PREFIX))
    assert [s.text for s in spans] == ["were"]


def test_an_unsure_cue_of_several_words_grows_from_its_best_word_into_neighbours():
    probs = np.full((len(offsets()), 4), 0.1)
    probs[5, 2], probs[6, 2] = 0.35, 0.3  # "they were": none at 0.5, both near the best
    probs[8, 2] = 0.34                     # "terrorists": as likely, but not next to them
    spans = decode_evidence(probs, offsets(), TEXT, NAMES, ["loaded"], shift=len(PREFIX))
    assert [s.text for s in spans] == ["they were"]
    probs[8, 2] = 0.6                      # a token at the threshold: the threshold decides alone
    spans = decode_evidence(probs, offsets(), TEXT, NAMES, ["loaded"], shift=len(PREFIX))
    assert [s.text for s in spans] == ["terrorists"]


def test_widen_to_words_trims_punctuation_and_completes_words():
    assert widen_to_words("a «terror»ist b", 2, 6) == (3, 9)
    assert widen_to_words('x "fascists" y', 2, 12) == (3, 11)


def test_widen_does_not_swallow_the_previous_word_through_a_leading_space():
    text = "local officials said."
    assert widen_to_words(text, 15, 20) == (16, 20)   # token "▁said" with its space -> "said"
    assert widen_to_words(text, 17, 19) == (16, 20)   # a piece inside the word grows to the word


def test_spans_on_a_negative_sentence_never_become_positive_evidence():
    """BABE lists biased words on rows labelled non-biased: those tokens must be 0, not 1."""
    rows = token_targets(offsets(), [Span("loaded", 19, 29)], [0.0, 0.0, 0.0], NAMES, shift=len(PREFIX))
    terrorists = 8
    assert rows[terrorists][2] == 0.0


def test_a_flagged_sentence_without_letters_has_no_evidence_and_no_crash():
    """"😡" flagged as loaded: only special, prefix and symbol tokens, whose (0, 0) offsets minus the
    prefix length used to reach widen_to_words as a negative end (IndexError)."""
    emoji_offsets = [(0, 0), (0, 5), (5, 6), shifted(0, 1), (0, 0)]
    probs = np.full((len(emoji_offsets), 4), 0.1)
    probs[0, 2] = 0.9  # the special token is the most likely one
    assert decode_evidence(probs, emoji_offsets, "😡", NAMES, list(NAMES), shift=len(PREFIX)) == []


def test_voice_follows_quotations_scare_quotes_and_a_high_bar_outside_marks():
    def voice(text: str, term: str, quoted_prob: float) -> str:
        start = text.index(term)
        offs = [(0, 0), (start + len(PREFIX), start + len(term) + len(PREFIX)), (0, 0)]
        probs = np.zeros((3, 4))
        probs[1, 2], probs[1, 3] = 0.9, quoted_prob
        (span,) = decode_evidence(probs, offs, text, NAMES, ["loaded"], shift=len(PREFIX))
        assert span.text == term
        return span.voice

    assert voice('He said: "They are terrorists and thugs".', "terrorists", 0.1) == "quoted"  # a source's quotation
    assert voice("Es sei ein «Regime der Angst», so der Minister.", "Regime", 0.0) == "quoted"
    assert voice('They were "terrorists".', "terrorists", 0.3) == "authorial"  # scare quotes: the channel decides
    assert voice("les « élites » ont encore gagné", "élites", 0.6) == "quoted"
    assert voice("The regime fell.", "regime", 0.7) == "authorial"          # unmarked: 0.7 is not enough
    assert voice("He said the regime fell.", "regime", 0.9) == "quoted"     # indirect speech, confident channel
    assert decode_evidence(np.zeros((3, 4)), [(0, 0)] * 3, "x", NAMES, ["loaded"]) == []

