"""Sentence offsets always index the original text, whatever the language, script or whitespace."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from slant.inference.segmentation import CONTENT, NON_CONTENT, blocks, is_boilerplate, line_spans, split_sentences

FRAGMENTS = {
    "en": ["The minister said the plan would fail.", "“They are terrorists,” he said.", "Prices may rise."],
    "de": ["Der Minister sagte, der Plan scheitere.", "„Das sind Terroristen“, sagte er.", "Dr. Müller widersprach."],
    "fr": ["Le ministre a déclaré que le plan échouerait.", "« Ce sont des terroristes », a-t-il dit."],
    "es": ["El ministro dijo que el plan fracasaría.", "«Son terroristas», afirmó."],
    "it": ["Il ministro ha detto che il piano fallirà.", "«Sono terroristi», ha detto."],
    "pl": ["Minister powiedział, że plan się nie uda.", "„To terroryści” – stwierdził."],
    "ru": ["Министр заявил, что план провалится.", "«Это террористы», — сказал он."],
    "uk": ["Міністр заявив, що план провалиться.", "«Це терористи», — сказав він."],
}
EXTRAS = ["مرحبا بالعالم، قال الوزير.", "שלום עולם.", "😀🇺🇦 👩‍👩‍👧", "Read more", "• bullet item", "-5 °C"]
SEPARATORS = [" ", "  ", "\n", "\r\n", "\n\n", "\u00a0", "\t", "\u2028"]


def assert_offsets(text: str, lang: str) -> None:
    sentences = split_sentences(text, lang)
    previous_end = 0
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start >= previous_end
        previous_end = s.end
        assert s.kind in (CONTENT, NON_CONTENT)
    covered = {i for s in sentences for i in range(s.start, s.end)}
    assert all(i in covered for i, ch in enumerate(text) if ch.isalnum())


@settings(max_examples=150, deadline=None)
@given(lang=st.sampled_from(sorted(FRAGMENTS)), data=st.data())
def test_offsets_round_trip_on_mixed_news_text(lang, data):
    pool = FRAGMENTS[lang] + EXTRAS
    parts = data.draw(st.lists(st.tuples(st.sampled_from(pool), st.sampled_from(SEPARATORS)), max_size=12))
    assert_offsets("".join(p + sep for p, sep in parts), lang)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), lang=st.sampled_from(sorted(FRAGMENTS)))
def test_offsets_round_trip_on_arbitrary_unicode(text, lang):
    assert_offsets(text, lang)


def test_headlines_bylines_captions_and_boilerplate():
    text = ("Border town shelled\nBy Anna Keller, correspondent\n\nOfficials said six died. "
            "Rescuers\nkept searching.\nImage source, Getty Images\nSubscribe to our newsletter\n"
            "We use cookies to improve your experience.")
    got = [(s.text, s.kind) for s in split_sentences(text)]
    assert got == [
        ("Border town shelled", CONTENT), ("By Anna Keller, correspondent", NON_CONTENT),
        ("Officials said six died.", CONTENT), ("Rescuers\nkept searching.", CONTENT),
        ("Image source, Getty Images", NON_CONTENT), ("Subscribe to our newsletter", NON_CONTENT),
        ("We use cookies to improve your experience.", NON_CONTENT),
    ]


def test_news_sentences_about_cookies_or_bylines_are_content():
    assert not is_boilerplate("By Tuesday, most shops had closed.")
    assert not is_boilerplate("The bakery sold 4,000 cookies and a newsletter praised it.")
    assert is_boilerplate("Lesen Sie auch: Die Lage in Kiew")


def test_quotes_spanning_sentences_stay_together():
    text = '"We will not give up. We will rebuild," the mayor said. Rain fell.'
    assert [s.text for s in split_sentences(text)][-1] == "Rain fell."


def test_enormous_run_on_text_is_cut_into_bounded_pieces():
    text = "word " * 3000
    sentences = split_sentences(text)
    assert len(sentences) > 1 and max(len(s.text) for s in sentences) <= 2000
    assert_offsets(text, "en")


def test_joining_many_lowercase_continued_lines_is_linear():
    # 2 MB of soft-wrapped lines: the old join copied the rest of the text per line (about 40 s here).
    text = "and the rain kept falling on the old town\n" * 50_000
    lines = line_spans(text)
    started = time.perf_counter()
    joined = list(blocks(text, lines, [""] * len(lines)))
    assert time.perf_counter() - started < 3.0
    assert joined == [(0, len(text) - 1, "")]


def test_sentences_carry_the_furniture_reason():
    sentences = split_sentences("Storm closes schools.\nPhoto: Jane Doe/AFP\nSchools shut on Monday.", "en")
    assert [(s.kind, s.reason) for s in sentences] == [(CONTENT, ""), (NON_CONTENT, "credit"), (CONTENT, "")]
