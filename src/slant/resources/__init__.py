"""Data files shipped with slant (the lexicon baseline's cue lists)."""
