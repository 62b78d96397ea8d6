"""Page furniture: every kind in at least five languages, with lines written for these tests (the
rules and the model were not built from them), each placed between two paragraphs of a story."""

from pathlib import Path

import pytest

from slant.inference.furniture import line_model
from slant.inference.furniture_rules import rule_reason
from slant.inference.segmentation import CONTENT, NON_CONTENT, split_sentences

STORY = ("The council voted on Tuesday to close two libraries, a decision that angered residents.\n\n{line}\n\n"
         "Officials said the savings would be used to repair roads before the winter.")

FURNITURE = {
    "cookie": ["Our website stores cookies on your device to personalise content.", "Diese Webseite nutzt Cookies.",
               "Este sitio web utiliza cookies propias y de terceros.", "Gérer mes cookies et mes préférences",
               "Utilizamos cookies para melhorar a navegação.", "Questo sito utilizza cookie tecnici.", "Reject all"],
    "newsletter": ["Get our free weekly newsletter", "Jetzt unseren Newsletter bestellen", "Recibe nuestro boletín cada mañana",
                   "Recevez notre newsletter gratuite", "Receba a nossa newsletter", "Subscribe now"],
    "form": ["Sorry, something went wrong. Please try again later.", "Bitte versuchen Sie es erneut.",
             "Inténtalo de nuevo más tarde.", "Veuillez réessayer plus tard.", "Por favor, tente novamente.", "Submit"],
    "share": ["Share on Facebook", "Teilen Sie diesen Artikel", "Compartir en WhatsApp", "Partager sur Twitter",
              "Compartilhe esta notícia", "Follow us on Instagram"],
    "navigation": ["Read more: Storm damage costs rise", "Mehr zum Thema: Bahnstreik", "Lee también: El precio del pan sube",
                   "À lire aussi : la grève continue", "Leia também: Inflação sobe", "Leggi anche: Il governo cade",
                   "Czytaj także: Nowy budżet"],
    "caption": ["Image caption, Firefighters at the scene", "Bildunterschrift: Die Feuerwehr vor Ort", "Leyenda: Los bomberos en el lugar",
                "Légende : les pompiers sur place", "Legenda: Os bombeiros no local", "Media caption, Watch: the rescue"],
    "credit": ["Photo: Jane Doe/AFP", "Foto: Max Mustermann/dpa", "Foto: Juan Pérez / EFE", "Crédit photo : Marie Dupont",
               "Foto: João Silva/Reuters", "Copyright 2024 Example Media. All rights reserved."],
    "advertisement": ["Advertisement", "Anzeige", "Publicidad", "Publicité", "Publicidade", "Sponsored"],
    "comment": ["12 Comments", "Kommentar schreiben", "Deja un comentario", "Laisser un commentaire", "Deixe seu comentário",
                "Be the first to comment"],
    "paywall": ["This article is for subscribers only.", "Sie sind bereits Abonnent? Hier anmelden",
                "Contenido exclusivo para suscriptores", "Cet article est réservé aux abonnés.",
                "Conteúdo exclusivo para assinantes", "Articolo riservato agli abbonati"],
    "app": ["Download the app for breaking news alerts", "Jetzt in der App lesen", "Descarga la app de noticias",
            "Téléchargez l'application gratuite", "Baixe o app e leia offline", "Scarica l'app gratuita"],
    "byline": ["By Maria Lopez and Tom Hart", "Von Klaus Becker, Berlin", "Por Ana García", "Par Claire Martin",
               "Di Marco Rossi"],
    "timestamp": ["Updated 5 hours ago", "Aktualisiert am 3. März 2024, 16:05 Uhr", "Actualizado el 4 de abril de 2024",
                  "Mis à jour le 12/05/2024 à 09h30", "Atualizado em 3 de junho de 2024", "Aggiornato il 7 luglio 2024"],
}

KEEP = [
    '"We will not give up this fight," the mayor told the crowd.',  # a quoted sentence
    "Nobody was hurt.",  # a one-line paragraph of the story
    "— Reuters",  # a short attributed line
    "- three schools will close next year",  # a list item of the story
    "Die Polizei nahm zwei Männer fest.",
    "Le gouvernement a démissionné mardi soir.",
]


def reasons_in(text: str) -> list[tuple[str, str, str]]:
    """``(sentence, kind, reason)`` for each sentence of ``text``."""
    return [(s.text, s.kind, s.reason) for s in split_sentences(text, "en")]


@pytest.mark.parametrize("kind,line", [(kind, line) for kind, lines in FURNITURE.items() for line in lines])
def test_each_furniture_kind_is_non_content_with_its_reason(kind, line):
    got = reasons_in(STORY.format(line=line))
    assert got[0][1] == CONTENT and got[-1][1] == CONTENT
    middle = [(k, r) for text, k, r in got[1:-1]]
    assert middle and all(k == NON_CONTENT for k, _ in middle), got
    assert middle[0][1] == kind, got


def test_at_least_five_languages_per_kind():
    assert all(len(lines) >= 5 for lines in FURNITURE.values())


@pytest.mark.parametrize("line", KEEP)
def test_story_lines_stay_content(line):
    got = reasons_in(STORY.format(line=line))
    assert all(kind == CONTENT for _, kind, _ in got), got


def test_a_headline_repeated_at_the_end_is_furniture_the_first_is_content():
    headline = "Council closes two libraries"
    text = f"{headline}\n\n" + STORY.format(line="Nobody was hurt.") + f"\n\n{headline}"
    got = reasons_in(text)
    assert got[0] == (headline, CONTENT, "") and got[-1] == (headline, NON_CONTENT, "repeated")


def test_a_sentence_never_spans_a_blank_line_or_furniture_but_a_soft_break_joins():
    joined = split_sentences("The minister said the plan\nwould fail.\n\nit rained.", "en")
    assert [s.text for s in joined] == ["The minister said the plan\nwould fail.", "it rained."]
    broken = split_sentences("The minister said the plan\nAdvertisement\nwould fail.", "en")
    assert [s.reason for s in broken] == ["", "advertisement", ""]


def test_news_sentences_about_cookies_or_newsletters_are_content():
    for sentence in ("The bakery sold 4,000 cookies and a newsletter praised it, officials said on Monday.",
                     "Regulators fined the company for setting cookies without consent."):
        assert rule_reason(sentence) == "", sentence


def test_model_ships_without_pickle_and_is_small():
    weights = Path(__import__("slant.resources", fromlist=["x"]).__file__).parent / "furniture.safetensors"
    assert weights.stat().st_size < 4_000_000
    assert 0 < line_model().threshold < 1


def test_the_model_scores_a_menu_above_the_story():
    menu = ["Politics", "Business", "Science", "Sport", "Culture", "Weather"]
    story = ["The council voted on Tuesday to close two libraries, a decision that angered many residents.",
             "Officials said the savings would be used to repair roads before the winter arrives."]
    scores = line_model().scores(menu + story)
    assert scores[: len(menu)].min() > scores[len(menu):].max(), scores


@pytest.mark.slow
@pytest.mark.skipif(not (Path(__file__).parents[2] / "shared" / "corpora" / "pages").is_dir(), reason="needs ../shared/corpora")
def test_real_pages_corpus_loads():
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from page_corpus import load_pages

    pages = load_pages(Path(__file__).parents[2] / "shared" / "corpora" / "pages")
    assert len(pages) == 386 and 0.2 < sum(p.held_out for p in pages) / len(pages) < 0.4


def _page_corpus():
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    import page_corpus

    return page_corpus


def test_team_line_labels_fill_only_unlabelled_lines_and_check_the_text():
    corpus = _page_corpus()
    text = "Home\nHeadline here\nStory line one.\nPhoto: dpa\nStory line two.\nShare"
    spans = corpus.line_spans(text)
    gold = [(s, e, None) for s, e in spans]
    gold[5] = (*spans[5], corpus.CONTENT)  # the corpus's own label wins over the team's
    row = {"page": "p", "sha1": corpus.text_sha1(text), "lines": 6, "content": [[2, 2], [4, 4]], "headline": [1]}
    labels = [label for *_, label in corpus.with_team_labels(text, gold, row, "lines.jsonl")]
    assert labels == [corpus.FURNITURE, None, corpus.CONTENT, corpus.FURNITURE, corpus.CONTENT, corpus.CONTENT]
    with pytest.raises(ValueError, match="lines.jsonl: page 'p'.*naive scrape changed"):
        corpus.with_team_labels(text + "\nmore", gold + [(0, 0, None)], row, "lines.jsonl")


@pytest.mark.skipif(not (Path(__file__).parents[2] / "shared" / "corpora" / "pages").is_dir(), reason="needs ../shared/corpora")
def test_shipped_team_line_labels_cover_only_train_pages():
    corpus = _page_corpus()
    team = corpus.team_labels()
    pages = {p.id: p for p in corpus.load_pages(Path(__file__).parents[2] / "shared" / "corpora" / "pages")}
    assert team and all(page in pages and not pages[page].held_out for page in team)
    assert all(a <= b < row["lines"] for row in team.values() for a, b in row["content"])
