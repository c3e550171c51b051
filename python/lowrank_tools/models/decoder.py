"""The small trained Llama-style decoder of examples/decoder/ (ONNX).

`scripts/train-decoder.py` trained it on Python's documentation and
standard-library docstrings and exported it; the repository ships the model,
its tokenizer and token sequences, so nothing here needs torch:

  decoder.onnx       input `input_ids` int64 [1, 128], output `logits`
                     float32 [1, 128, 1024]
  tokenizer.json     byte-level BPE, vocabulary 1024
  eval_tokens.npy    int64 [32, 128], held-out sequences (evaluation)
  calib_tokens.npy   int64 [64, 128], training sequences (calibration)

Commands:

  lowrank-decoder perplexity model.onnx [--tokens eval_tokens.npy]
      next-token NLL and perplexity of one model
  lowrank-decoder compare original.onnx compressed.onnx [--tokens ...] [--json r.json]
      KL(original || compressed) of the next-token distribution, both
      perplexities and the top-1 agreement (evaluate.compare_language_model)
  lowrank-decoder generate model.onnx "prompt" [--tokens-out 40]
      greedy continuation of a prompt (a look at what the model learned)

Calibration and sweeps take the same token files: `lowrank-calibrate
decoder.onnx --tokens calib_tokens.npy -o decoder.lrstats`, `lowrank-sweep
decoder.onnx --tokens eval_tokens.npy --stats decoder.lrstats ...`.
"""

import argparse
import json
import pathlib
import sys

import numpy as np

from .. import evaluate

EXAMPLE_DIR = pathlib.Path(__file__).resolve().parents[3] / "examples" / "decoder"


def load_tokens(path: pathlib.Path) -> list[np.ndarray]:
    """One [1, T] int64 array per sequence of a token file."""
    if not pathlib.Path(path).is_file():
        raise SystemExit(f"error: {path}: no such file")
    tokens = np.load(path)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise SystemExit(f"error: {path}: token ids must be an integer array [sequences, tokens]")
    return [row[None, :].astype(np.int64) for row in tokens]


def logits_of(model_path, tokens: list[np.ndarray]) -> list[np.ndarray]:
    feeds = [{"input_ids": ids} for ids in tokens]
    return [out[0] for out in evaluate.run(model_path, feeds, ["logits"])]


def compare(original, compressed, tokens: list[np.ndarray]) -> evaluate.LanguageModelAccuracy:
    return evaluate.compare_language_model(logits_of(original, tokens),
                                           logits_of(compressed, tokens), tokens)


def generate(model_path, tokenizer_path, prompt: str, count: int) -> str:
    """Greedy continuation: the model has a static sequence length, so the
    prompt is padded to it; causal attention keeps the padding from
    reaching the positions before it."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    length = session.get_inputs()[0].shape[1]
    ids = tok.encode(prompt).ids
    for _ in range(count):
        if len(ids) >= length:
            break
        window = np.zeros((1, length), dtype=np.int64)
        window[0, :len(ids)] = ids
        (logits,) = session.run(["logits"], {"input_ids": window})
        ids.append(int(logits[0, len(ids) - 1].argmax()))
    return tok.decode(ids)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="lowrank-decoder",
        description="Evaluate the small trained decoder of examples/decoder/ in ONNX Runtime.")
    sub = parser.add_subparsers(dest="command", required=True)
    ppl = sub.add_parser("perplexity", help="next-token perplexity of one model")
    ppl.add_argument("model", type=pathlib.Path)
    cmp = sub.add_parser("compare", help="KL, perplexities and top-1 agreement of two models")
    cmp.add_argument("original", type=pathlib.Path)
    cmp.add_argument("compressed", type=pathlib.Path)
    cmp.add_argument("--json", type=pathlib.Path, help="write the numbers as JSON")
    for p in (ppl, cmp):
        p.add_argument("--tokens", type=pathlib.Path, default=EXAMPLE_DIR / "eval_tokens.npy")
    gen = sub.add_parser("generate", help="greedy continuation of a prompt")
    gen.add_argument("model", type=pathlib.Path)
    gen.add_argument("prompt")
    gen.add_argument("--tokenizer", type=pathlib.Path, default=EXAMPLE_DIR / "tokenizer.json")
    gen.add_argument("--tokens-out", type=int, default=40)
    args = parser.parse_args(argv)

    if args.command == "generate":
        print(generate(args.model, args.tokenizer, args.prompt, args.tokens_out))
        return 0
    tokens = load_tokens(args.tokens)
    if args.command == "perplexity":
        logits = logits_of(args.model, tokens)
        lm = evaluate.compare_language_model(logits, logits, tokens)
        print(f"{args.model.name}: next-token NLL {lm.nll:.4f} nats/token, perplexity "
              f"{lm.perplexity:.3f} ({len(tokens)} sequences, {lm.positions} positions)")
        return 0
    lm = compare(args.original, args.compressed, tokens)
    print(f"{args.compressed.name}: KL {lm.kl:.3e} nats/token, perplexity {lm.perplexity:.3f} "
          f"(original {lm.dense_perplexity:.3f}), top-1 agreement {lm.top1_agreement:.4f} "
          f"({lm.positions} positions)")
    if args.json:
        args.json.write_text(json.dumps({"original": str(args.original),
                                         "compressed": str(args.compressed),
                                         "positions": lm.positions, **lm.as_dict()},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
