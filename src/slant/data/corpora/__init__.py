"""Converters from public annotated corpora to slant examples (imported to register their readers).

Each maps what its corpus annotates to slant labels and leaves every other label unknown (None),
so the masked loss learns only from what was annotated. None of these corpora ship with slant:
point ``data.sources.<name>.path`` at your own copy (see ``docs/corpora.md`` for licences). The
``realnews`` reader joins the team's shipped standoff annotations with public news archives.
"""

from slant.data.corpora import babe, checkthat, conll2010, polnear, realnews, stance

__all__ = ["babe", "checkthat", "conll2010", "polnear", "realnews", "stance"]
