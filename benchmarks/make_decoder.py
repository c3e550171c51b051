"""Writes a Llama-architecture decoder as `torch.onnx.export(dynamo=True)`
exports it for serving with a key/value cache: two ONNX files of one model.

  decoder-prefill.onnx  input_ids int64 [1, P]
                        -> logits [1, P, V], present.<i>.key/value
                           [1, KVH, P, D] for each layer i
  decoder-decode.onnx   input_ids int64 [1, 1], attention_mask int64
                        [1, C + 1], past_key_values.<i>.key/value
                        [1, KVH, C, D] -> logits [1, 1, V],
                        present.<i>.key/value [1, KVH, C + 1, D]

The model is transformers' LlamaForCausalLM (RoPE, grouped-query attention,
SwiGLU, RMSNorm) with random weights (seed 0; nothing is downloaded), in
evaluation mode, float32, all shapes static. The default shape has hidden
size 768, 12 query and 4 key/value heads of 64, FFN 2048, 4 layers and a
vocabulary of 8192 (38M parameters), prefill P = 128 and cache C = 512.

Needs torch, transformers and onnxscript, which the project's own
environment does not carry: run it with an interpreter that has them
(compare.py's --torch-python), e.g.

    $LOWRANK_TORCH_PYTHON benchmarks/make_decoder.py --out DIR
"""

import argparse
import pathlib

import torch
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM


def build(args):
    config = LlamaConfig(
        vocab_size=args.vocab, hidden_size=args.hidden,
        intermediate_size=args.ffn, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, num_key_value_heads=args.kv_heads,
        max_position_embeddings=args.prefill + args.cache + 1)
    torch.manual_seed(0)
    return LlamaForCausalLM(config).eval()


def cache_names(prefix, layers):
    return [f"{prefix}.{i}.{kind}" for i in range(layers)
            for kind in ("key", "value")]


def flatten(cache):
    tensors = []
    for layer in cache.layers:
        tensors += [layer.keys, layer.values]
    return tensors


class Prefill(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        out = self.model(input_ids=input_ids, use_cache=True)
        return (out.logits, *flatten(out.past_key_values))


class Decode(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, *past):
        cache = DynamicCache(config=self.model.config)
        for i in range(len(past) // 2):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         past_key_values=cache, use_cache=True)
        return (out.logits, *flatten(out.past_key_values))


def export(module, inputs, input_names, output_names, path):
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, inputs, str(path), dynamo=True,
                          input_names=input_names, output_names=output_names,
                          external_data=False)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--phases", default="prefill,decode")
    parser.add_argument("--hidden", type=int, default=768)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--kv-heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=2048)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--prefill", type=int, default=128)
    parser.add_argument("--cache", type=int, default=512)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = build(args)
    layers = args.layers
    head_dim = args.hidden // args.heads
    generator = torch.Generator().manual_seed(1)
    presents = cache_names("present", layers)
    for phase in args.phases.split(","):
        path = out / f"decoder-{phase}.onnx"
        if phase == "prefill":
            ids = torch.randint(0, args.vocab, (1, args.prefill),
                                generator=generator)
            export(Prefill(model), (ids,), ["input_ids"],
                   ["logits"] + presents, path)
        elif phase == "decode":
            ids = torch.randint(0, args.vocab, (1, 1), generator=generator)
            mask = torch.ones(1, args.cache + 1, dtype=torch.int64)
            past = [torch.randn(1, args.kv_heads, args.cache, head_dim,
                                generator=generator)
                    for _ in range(2 * layers)]
            export(Decode(model), (ids, mask, *past),
                   ["input_ids", "attention_mask"] +
                   cache_names("past_key_values", layers),
                   ["logits"] + presents, path)
        else:
            raise SystemExit(f"error: --phases: unknown phase '{phase}'")
        print(path)


if __name__ == "__main__":
    main()
