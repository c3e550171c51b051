#!/usr/bin/env python3
"""Trains the small Llama-style decoder of examples/decoder/ and exports it to ONNX.

Developer machine only, never CI: needs torch (CPU is enough), transformers,
onnxscript, onnx, onnxruntime, numpy and tokenizers, e.g. in a separate
virtual environment:

    python3 -m venv /opt/decoder-venv
    /opt/decoder-venv/bin/pip install torch transformers onnxscript onnx==1.23.2 \\
        onnxruntime numpy tokenizers
    /opt/decoder-venv/bin/python scripts/train-decoder.py [--out examples/decoder]

(torch's CPU-only wheels are enough; the shipped model was made with torch
2.15.0 and transformers 5.25.0 from PyPI, run on the CPU.)

Nothing is downloaded. The text is English that ships with every Python:
the help topics of `pydoc_data.topics` (the Python documentation's
reference sections, 465 KB in Python 3.11) and the docstrings of the standard
library's modules, classes and functions (`inspect.getdoc`, modules in
sorted order). Every 20th document (in that fixed order) is held out for
validation. A byte-level BPE tokenizer (`tokenizers`, vocabulary 1024) is
trained on the training documents; the model is a transformers
`LlamaForCausalLM` (RoPE, grouped-query attention with 8 query and 2
key/value heads, SwiGLU MLP, RMSNorm, untied embeddings) of about 3 M
parameters, trained from seed 0 on 2 CPU threads for a fixed number of
steps (about 15 minutes), printing training and validation loss.

It writes to --out:

  decoder.onnx        float32, torch.onnx.export(dynamo=True) at the
                      exporter's default opset; input `input_ids` int64
                      [1, T], output `logits` float32 [1, T, vocab], T = 128;
                      checked with onnx.checker and against torch in ONNX
                      Runtime
  tokenizer.json      the BPE tokenizer
  eval_tokens.npy     int64 [32, T], held-out (validation) sequences
  calib_tokens.npy    int64 [64, T], training sequences for calibration
  training.json       configuration, parameter counts, losses, perplexity

The text (Python's documentation and docstrings) is under the Python
Software Foundation License; so are the model and tokens derived from it.
"""

import argparse
import importlib
import inspect
import json
import math
import pathlib
import pkgutil
import sys
import time
import warnings

import numpy as np

SEED = 0
SEQ_LEN = 128
VOCAB = 1024
EVAL_SEQUENCES = 32
CALIB_SEQUENCES = 64
HOLDOUT_EVERY = 20
EOS = "<|endoftext|>"
# Modules whose import has side effects (opens windows, starts things,
# prints) or is slow; their docstrings are not needed.
SKIP_MODULES = ("antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo",
                "test", "lib2to3", "ensurepip", "venv", "pydoc_data", "__main__",
                "xxlimited", "xxsubtype", "_xx")


def pydoc_documents() -> list[str]:
    from pydoc_data import topics

    return [topics.topics[key].strip() for key in sorted(topics.topics)]


def docstring_documents() -> list[str]:
    """Docstrings of the standard library: per module, the module's
    docstring and those of its public classes, functions and methods, in
    sorted order; duplicates (inherited or re-exported) once."""
    names = sorted(set(sys.stdlib_module_names))
    seen, docs = set(), []

    def add(obj):
        try:
            doc = inspect.getdoc(obj)
        except Exception:
            return
        if doc and len(doc) >= 80 and doc not in seen:
            seen.add(doc)
            docs.append(doc.strip())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            if name.startswith("_") or name.split(".")[0] in SKIP_MODULES:
                continue
            try:
                module = importlib.import_module(name)
            except Exception:
                continue
            add(module)
            for attr in sorted(vars(module)):
                if attr.startswith("_"):
                    continue
                obj = getattr(module, attr, None)
                if getattr(obj, "__module__", None) != name:
                    continue
                if inspect.isclass(obj):
                    add(obj)
                    for member in sorted(vars(obj)):
                        if not member.startswith("_"):
                            add(getattr(obj, member, None))
                elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
                    add(obj)
    return docs


def train_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return tok


def encode(tok, texts: list[str]) -> np.ndarray:
    """All texts as one token stream, each followed by the end-of-text token."""
    eos = tok.token_to_id(EOS)
    ids = []
    for enc in tok.encode_batch(texts):
        ids.extend(enc.ids)
        ids.append(eos)
    return np.array(ids, dtype=np.int64)


def windows(stream: np.ndarray, count: int, length: int) -> np.ndarray:
    """`count` non-overlapping windows of `length` tokens spread evenly
    over the stream."""
    stride = (len(stream) - length) // count
    if stride < length:
        raise SystemExit(f"error: {len(stream)} tokens are too few for {count} windows "
                         f"of {length}")
    return np.stack([stream[i * stride:i * stride + length] for i in range(count)])


def build_model(vocab: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab, hidden_size=256, intermediate_size=576, num_hidden_layers=4,
        num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=SEQ_LEN,
        rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
        attention_dropout=0.0, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    config._attn_implementation = "eager"
    return LlamaForCausalLM(config)


def loss_on(model, batch):
    import torch

    logits = model(input_ids=batch[:, :-1], use_cache=False).logits
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             batch[:, 1:].reshape(-1))


def evaluate(model, stream: np.ndarray, batch_size: int = 16) -> float:
    """Mean next-token loss (nats) over consecutive windows of the stream."""
    import torch

    n = (len(stream) - 1) // SEQ_LEN
    seqs = np.stack([stream[i * SEQ_LEN:i * SEQ_LEN + SEQ_LEN + 1] for i in range(n)])
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, n, batch_size):
            batch = torch.from_numpy(seqs[i:i + batch_size])
            total += float(loss_on(model, batch)) * len(batch)
    model.train()
    return total / n


class LogitsOnly:
    """`input_ids` -> `logits`, the module that is exported."""

    @staticmethod
    def wrap(model):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids):
                return self.inner(input_ids=input_ids, use_cache=False).logits

        return Wrapped(model).eval()


def export(model, out: pathlib.Path, sample: np.ndarray) -> float:
    import onnx
    import onnxruntime as ort
    import torch

    wrapped = LogitsOnly.wrap(model)
    example = torch.from_numpy(sample[:1])
    program = torch.onnx.export(wrapped, (example,), dynamo=True, input_names=["input_ids"],
                                output_names=["logits"])
    program.save(str(out), external_data=False)
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.no_grad():
        for row in sample[:4]:
            ids = row[None, :]
            expect = wrapped(torch.from_numpy(ids)).numpy()
            (got,) = session.run(["logits"], {"input_ids": ids})
            worst = max(worst, float(np.abs(got - expect).max()))
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent / "examples/decoder")
    parser.add_argument("--steps", type=int, default=560)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=17.0,
                        help="stop training early past this wall-clock time")
    args = parser.parse_args(argv)

    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(SEED)
    args.out.mkdir(parents=True, exist_ok=True)

    documents = pydoc_documents() + docstring_documents()
    train_docs = [d for i, d in enumerate(documents) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    valid_docs = [d for i, d in enumerate(documents) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    print(f"text: {len(documents)} documents, {sum(map(len, documents))} characters "
          f"({len(valid_docs)} documents held out)")
    tok = train_tokenizer(train_docs)
    tok.save(str(args.out / "tokenizer.json"))
    train_stream, valid_stream = encode(tok, train_docs), encode(tok, valid_docs)
    print(f"tokens: {len(train_stream)} training, {len(valid_stream)} validation, "
          f"vocabulary {tok.get_vocab_size()}")

    model = build_model(tok.get_vocab_size())
    params = sum(p.numel() for p in model.parameters())
    linear = sum(m.weight.numel() for name, m in model.named_modules()
                 if isinstance(m, torch.nn.Linear) and name != "lm_head")
    print(f"model: {params} parameters, {linear} in the decoder layers' linear layers, "
          f"{model.lm_head.weight.numel()} in lm_head")

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95),
                                  weight_decay=0.1)
    warmup = max(1, args.steps // 20)

    def lr_at(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, args.steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    history = []
    start = time.perf_counter()
    running = None
    step = 0
    for step in range(args.steps):
        starts = rng.integers(0, len(train_stream) - SEQ_LEN - 1, size=args.batch)
        batch = torch.from_numpy(np.stack([train_stream[s:s + SEQ_LEN + 1] for s in starts]))
        loss = loss_on(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        value = loss.item()
        running = value if running is None else 0.98 * running + 0.02 * value
        elapsed = time.perf_counter() - start
        last = step == args.steps - 1 or elapsed > args.max_minutes * 60
        if step % 100 == 0 or last:
            valid = evaluate(model, valid_stream[:40 * SEQ_LEN + 1])
            history.append({"step": step, "train_loss": running, "valid_loss": valid,
                            "seconds": round(elapsed, 1)})
            print(f"step {step:5d}  train loss {running:.3f}  validation loss {valid:.3f} "
                  f"(perplexity {math.exp(valid):.1f})  {elapsed:.0f} s", flush=True)
        if last:
            break
    train_s = time.perf_counter() - start
    valid_loss = evaluate(model, valid_stream)
    print(f"trained {step + 1} steps in {train_s:.0f} s; validation loss {valid_loss:.4f}, "
          f"perplexity {math.exp(valid_loss):.2f} (vocabulary {tok.get_vocab_size()})")

    eval_tokens = windows(valid_stream, EVAL_SEQUENCES, SEQ_LEN)
    calib_tokens = windows(train_stream, CALIB_SEQUENCES, SEQ_LEN)
    np.save(args.out / "eval_tokens.npy", eval_tokens)
    np.save(args.out / "calib_tokens.npy", calib_tokens)
    worst = export(model, args.out / "decoder.onnx", eval_tokens)
    print(f"{args.out / 'decoder.onnx'}: ONNX Runtime against torch: max abs logit "
          f"difference {worst:.3g}")
    if not worst < 1e-3:
        raise SystemExit(f"error: the exported model differs from torch by {worst:.3g}")
    (args.out / "training.json").write_text(json.dumps({
        "config": model.config.to_diff_dict(), "seed": SEED, "seq_len": SEQ_LEN,
        "steps": step + 1, "batch": args.batch, "lr": args.lr, "threads": args.threads,
        "train_seconds": round(train_s), "parameters": params, "linear_parameters": linear,
        "lm_head_parameters": model.lm_head.weight.numel(),
        "train_tokens": int(len(train_stream)), "valid_tokens": int(len(valid_stream)),
        "valid_loss": valid_loss, "valid_perplexity": math.exp(valid_loss),
        "onnx_max_abs_difference": worst, "history": history,
        "torch": torch.__version__}, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
