"""The shipped example article: boilerplate handling (always) and the trained default model (slow)."""

from pathlib import Path

import pytest

from slant.inference.segmentation import NON_CONTENT, split_sentences

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
MODEL = ROOT / "outputs" / "quickstart" / "model"


def test_example_boilerplate_is_non_content_and_reporting_is_content():
    kinds = {s.text: s.kind for s in split_sentences(ARTICLE, "en")}
    for line in ("Related Topics", "Subscribe to our newsletter for the latest updates", "Read More",
                 "We use cookies to improve your experience.", "Accept all cookies",
                 "By Anna Keller, Eastern Europe correspondent",
                 "Image caption: Rescue workers search the rubble of a school in Veldin"):
        assert kinds[line] == NON_CONTENT, line
    assert sum(kind != NON_CONTENT for kind in kinds.values()) == 9  # headline + 8 story sentences


@pytest.mark.slow
@pytest.mark.skipif(not MODEL.is_dir(), reason="run `make quickstart` first to train the default model")
def test_default_model_reads_the_example_article():
    from slant import Predictor

    article = Predictor.from_pretrained(MODEL, device="cpu").score_article(ARTICLE)
    by_text = {s.text: s for s in article.sentences}

    def sentence(start: str):
        return next(s for text, s in by_text.items() if text.startswith(start))

    assert "attribution" in sentence("The regional governor told reporters").labels
    assert "attribution" in sentence("According to the United Nations").labels
    for start, quote in (('"Those who fired', '"Those who fired on sleeping families are terrorists, nothing less,"'),
                         ("The defence ministry", '"a gang of fascists"')):
        s = sentence(start)
        assert "loaded" in s.labels
        loaded = [e for e in s.evidence if e.label == "loaded"]
        begin = ARTICLE.index(quote)
        assert loaded and all(e.voice == "quoted" for e in loaded)
        assert all(begin <= e.start and e.end <= begin + len(quote) for e in loaded)  # inside the quotation
    assert sentence("Read More").kind == NON_CONTENT and sentence("Read More").labels == ()
    assert article.lang == "en"


@pytest.mark.slow
@pytest.mark.skipif(not MODEL.is_dir(), reason="run `make quickstart` first to train the default model")
def test_default_model_hedges_the_unverified_video():
    from slant import Predictor

    article = Predictor.from_pretrained(MODEL, device="cpu").score_article(ARTICLE)
    video = next(s for s in article.sentences if s.text.startswith("A video purportedly showing"))
    assert "hedging" in video.labels
