"""The HTML report greys page furniture with its reason and counts only content in the profile."""

from slant.inference.article_page import render_report
from slant.inference.results import SentencePrediction, profile


def test_furniture_is_greyed_with_its_reason_and_not_counted():
    text = "The minister said so.\nAccept all cookies"
    sentences = [SentencePrediction("The minister said so.", 0, 21, {"attribution": 0.9}, ("attribution",)),
                 SentencePrediction("Accept all cookies", 22, 40, {}, (), (), "non_content", "cookie")]
    article = profile(sentences, ["attribution"], "en")
    page = render_report([("a.txt", text, article)])
    assert article.n_content == 1 and article.rates == {"attribution": 1.0}
    assert '<span class="s non_content " title="furniture: cookie">Accept all cookies</span>' in page
    assert '<span class="why">cookie</span>' in page and "1 page furniture (not counted)" in page
