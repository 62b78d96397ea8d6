"""A self-contained HTML page that shows an article with its sentences and evidence highlighted."""

from __future__ import annotations

import html
from collections.abc import Sequence

from slant.inference.results import ArticleScore, SentencePrediction

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
STYLE = """
body{font:16px/1.6 Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font:600 1.4rem system-ui,sans-serif} h2{font:600 1.05rem system-ui,sans-serif;margin-top:2rem}
.legend span,.chip{display:inline-block;margin:0 .6rem .3rem 0;padding:0 .4rem;border-radius:3px;
 font:13px system-ui,sans-serif;color:#fff}
table{border-collapse:collapse;font:14px system-ui,sans-serif} td,th{padding:.2rem .7rem;border-bottom:1px solid #ddd}
.s{padding:.1rem 0;border-bottom:3px solid transparent} .s.flagged{background:#fafad2}
.s.non_content{color:#999;font-style:italic} mark{background:none;padding:0 1px;border-bottom:3px solid;font-weight:600}
mark.authorial{text-decoration:underline wavy} .tags{font:11px system-ui,sans-serif;color:#555;vertical-align:super}
.article p{margin:.2rem 0 .9rem} .why{font:11px system-ui,sans-serif;color:#999;border:1px solid #ccc;border-radius:3px;padding:0 .3rem}
"""


def colour_map(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour per label."""
    return {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(labels)}


def sentence_html(text: str, s: SentencePrediction, colours: dict[str, str]) -> str:
    """One sentence with its evidence spans marked; overlapping spans split at every boundary."""
    cuts = sorted({s.start, s.end, *(p for e in s.evidence for p in (e.start, e.end))})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        covering = [e for e in s.evidence if e.start <= a and b <= e.end]
        for e in covering:
            title = f"{e.label} {e.score:.2f}" + (f" ({e.voice})" if e.voice else "")
            piece = (f'<mark class="{e.voice or ""}" style="border-color:{colours[e.label]}" '
                     f'title="{html.escape(title)}">{piece}</mark>')
        parts.append(piece)
    tags = "".join(f'<span class="chip" style="background:{colours[n]}">{html.escape(n)} {s.scores[n]:.2f}</span>'
                   for n in s.labels)
    classes = " ".join(["s", s.kind, "flagged" if s.labels else ""])
    why = f' title="furniture: {html.escape(s.reason)}"' if s.reason else ""
    reason = f' <span class="why">{html.escape(s.reason)}</span>' if s.reason else ""
    return (f'<span class="{classes}"{why}>{"".join(parts)}</span>{reason}'
            + (f' <span class="tags">{tags}</span>' if tags else ""))


def article_html(text: str, article: ArticleScore) -> str:
    """The article body: original text between sentences kept, paragraphs from blank lines."""
    colours = colour_map(list(article.counts))
    out, position = [], 0
    for s in article.sentences:
        out.append(html.escape(text[position : s.start]))
        out.append(sentence_html(text, s, colours))
        position = s.end
    out.append(html.escape(text[position:]))
    body = "".join(out).replace("\r\n", "\n")
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())


def profile_html(article: ArticleScore) -> str:
    """Counts, rates, voice of loaded terms and the top sentences per label."""
    colours = colour_map(list(article.counts))
    rows = "".join(
        f'<tr><td><span class="chip" style="background:{colours[n]}">{html.escape(n)}</span></td><td>{article.counts[n]}</td>'
        f"<td>{article.rates[n]:.0%}</td><td>{' / '.join(html.escape(article.sentences[i].text[:90]) for i in article.top[n])}</td></tr>"
        for n in article.counts
    )
    voice = html.escape(", ".join(f"{k}: {v}" for k, v in article.loaded_voice.items()))
    return (f"<p>Language: <b>{html.escape(article.lang)}</b> · {article.n_content} content sentences, "
            f"{len(article.sentences) - article.n_content} page furniture (not counted) · loaded terms by voice: {voice}</p>"
            f"<table><tr><th>label</th><th>sentences</th><th>rate</th><th>top sentences</th></tr>{rows}</table>")


STANCE_COLOURS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}


def targets_html(article: ArticleScore) -> str:
    """Per stance target: overall stance, counts by stance and voice, and each mention in context."""
    if not article.targets:
        return ""
    rows = []
    for t in article.targets:
        counts = ", ".join(f"{k} {v}" for k, v in t.counts.items())
        voices = html.escape(", ".join(f"{k} {v}" for k, v in t.by_voice.items()) or "–")
        mentions = "<br>".join(
            f'<span class="chip" style="background:{STANCE_COLOURS.get(m.stance, "#555")}">{m.stance} '
            f"{m.scores[m.stance]:.2f}</span> {m.voice}: "
            f"{html.escape(article.sentences[m.sentence].text[:140]) if m.sentence >= 0 else html.escape(m.text)}"
            for m in t.mentions) or "no mention found"
        colour = STANCE_COLOURS.get(t.stance, "#555")
        rows.append(f'<tr><td><b>{html.escape(t.target)}</b></td><td><span class="chip" style="background:{colour}">'
                    f"{html.escape(t.stance)}</span></td><td>{counts}</td><td>{voices}</td><td>{mentions}</td></tr>")
    return ("<h3>Stance toward targets</h3><table><tr><th>target</th><th>overall</th><th>mentions by stance</th>"
            "<th>non-neutral by voice</th><th>mentions</th></tr>" + "".join(rows) + "</table>")


def render_report(articles: Sequence[tuple[str, str, ArticleScore]], title: str = "slant report") -> str:
    """A complete, self-contained HTML document (no scripts, no external resources).

    Args:
        articles: ``(name, text, score)`` per article; each gets a profile and a highlighted body.
    """
    labels = list(articles[0][2].counts) if articles else []
    legend = "".join(f'<span style="background:{c}">{html.escape(n)}</span>' for n, c in colour_map(labels).items())
    sections = "".join(
        f"<h2>{html.escape(name)}</h2>{profile_html(article)}{targets_html(article)}"
        f"<div class=\"article\">{article_html(text, article)}</div>"
        for name, text, article in articles
    )
    lang = html.escape(articles[0][2].lang) if len(articles) == 1 else "mul"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><div class=\"legend\">{legend} "
        "<small>underline = evidence (wavy: loaded in the outlet's own voice; straight: quoted) · "
        "grey italics = page furniture, with its reason (not counted in the profile)</small></div>"
        f"{sections}</body></html>"
    )
