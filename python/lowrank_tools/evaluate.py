"""Accuracy of a compressed model against the original, in ONNX Runtime.

- mean cosine similarity: per evaluation input, the cosine between the
  original's and the compressed model's embedding output (for MiniLM the
  sentence embedding), averaged over the inputs;
- relative output error: ||Y - Y'|| / ||Y|| with the Frobenius norm taken
  over the whole evaluation set (all inputs' outputs stacked), for the
  error output (for MiniLM last_hidden_state).
"""

from dataclasses import dataclass

import numpy as np


def run(model_path, feeds, outputs: list[str] | None = None) -> list[list[np.ndarray]]:
    """Outputs of the model on every feed (ONNX Runtime, CPU)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Basic optimizations only: the extended ones run DequantizeLinear ->
    # MatMul as an integer matmul on dynamically quantized activations,
    # which would add ONNX Runtime's own error to a quantized model's.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    return [session.run(outputs, feed) for feed in feeds]


def output_names(model_path) -> list[str]:
    import onnx

    return [o.name for o in onnx.load(str(model_path), load_external_data=False).graph.output]


@dataclass
class Accuracy:
    mean_cosine: float
    min_cosine: float
    relative_error: float

    def as_dict(self) -> dict:
        return {"mean_cosine": self.mean_cosine, "min_cosine": self.min_cosine,
                "relative_error": self.relative_error}


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine between the last-axis vectors of a and b."""
    a = a.astype(np.float64).reshape(-1, a.shape[-1])
    b = b.astype(np.float64).reshape(-1, b.shape[-1])
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(axis=1) / np.maximum(den, 1e-300)


def compare(reference: list[np.ndarray], candidate: list[np.ndarray],
            error_reference: list[np.ndarray], error_candidate: list[np.ndarray]) -> Accuracy:
    """Cosine over `reference`/`candidate` (one embedding array per input),
    relative error over the `error_*` arrays (one per input)."""
    cos = np.concatenate([cosine(r, c) for r, c in zip(reference, candidate)])
    num = sum(float(np.sum((r.astype(np.float64) - c) ** 2))
              for r, c in zip(error_reference, error_candidate))
    den = sum(float(np.sum(r.astype(np.float64) ** 2)) for r in error_reference)
    return Accuracy(float(cos.mean()), float(cos.min()), float(np.sqrt(num / max(den, 1e-300))))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log-softmax over the last axis, in float64."""
    x = logits.astype(np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


@dataclass
class LanguageModelAccuracy:
    kl: float  # mean KL(p_original || p_compressed), nats per token
    nll: float  # compressed model's next-token NLL, nats per token
    dense_nll: float  # the original's
    top1_agreement: float
    positions: int

    @property
    def perplexity(self) -> float:
        return float(np.exp(self.nll))

    @property
    def dense_perplexity(self) -> float:
        return float(np.exp(self.dense_nll))

    def as_dict(self) -> dict:
        return {"kl": self.kl, "nll": self.nll, "perplexity": self.perplexity,
                "top1_agreement": self.top1_agreement, "dense_nll": self.dense_nll,
                "dense_perplexity": self.dense_perplexity}


def next_token_nll(logits: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """NLL of each next token: logits [..., T, V] of the sequences `tokens`
    [..., T]; position t predicts token t + 1 (T - 1 values per sequence)."""
    logp = log_softmax(logits[..., :-1, :])
    targets = np.asarray(tokens)[..., 1:]
    return -np.take_along_axis(logp, targets[..., None].astype(np.int64), axis=-1)[..., 0]


def compare_language_model(reference: list[np.ndarray], candidate: list[np.ndarray],
                           tokens: list[np.ndarray]) -> LanguageModelAccuracy:
    """KL, NLL and top-1 agreement over the positions that have a next
    token; `reference`/`candidate` are the two models' logits [..., T, V]
    per input and `tokens` its token ids [..., T]."""
    kl = nll = dense = agree = 0.0
    positions = 0
    for ref, cand, ids in zip(reference, candidate, tokens):
        ids = np.asarray(ids)
        if ref.shape != cand.shape or ref.shape[:-1] != ids.shape:
            raise ValueError(f"logits {ref.shape} and {cand.shape} do not match tokens {ids.shape}")
        logp, logq = log_softmax(ref[..., :-1, :]), log_softmax(cand[..., :-1, :])
        kl += float((np.exp(logp) * (logp - logq)).sum())
        nll += float(next_token_nll(cand, ids).sum())
        dense += float(next_token_nll(ref, ids).sum())
        agree += float((ref[..., :-1, :].argmax(-1) == cand[..., :-1, :].argmax(-1)).sum())
        positions += ids[..., 1:].size
    if positions == 0:
        raise ValueError("no positions with a next token (sequences of one token)")
    return LanguageModelAccuracy(kl / positions, nll / positions, dense / positions,
                                 agree / positions, positions)
