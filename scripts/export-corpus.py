#!/usr/bin/env python3
"""Exports the ONNX model corpus of test/corpus/ with today's exporters.

Developer machine only, never CI: needs torch, torchvision, transformers,
onnxscript, onnx and onnxruntime, and for the other producers scikit-learn,
skl2onnx, tensorflow-cpu and tf2onnx, e.g. in a separate virtual
environment:

    python3 -m venv /opt/corpus-venv
    /opt/corpus-venv/bin/pip install torch torchvision transformers \\
        onnxscript onnx==1.23.2 onnxruntime numpy \\
        scikit-learn skl2onnx tensorflow-cpu tf2onnx
    /opt/corpus-venv/bin/python scripts/export-corpus.py

Every model is built from a tiny config with random weights (seed 0);
nothing is downloaded. Sections (--section):

  torch          each architecture exported with torch.onnx.export(dynamo=True)
                 at the exporter's default opset and with dynamo=False (the
                 TorchScript exporter) at opset 17, with dynamic (batch and
                 sequence symbolic) or static input shapes; kept as the
                 exporters write them (no optimizer or simplifier).
  ort-optimizer  ONNX Runtime's transformer optimizer
                 (onnxruntime.transformers.optimizer.optimize_model) on the
                 corpus BERT and GPT-2 and on a BERT exported with eager
                 attention: com.microsoft fused ops; float16 variants.
  ort-quantizer  ONNX Runtime's quantizer (onnxruntime.quantization) on corpus
                 files: dynamic (MatMulInteger, ConvInteger,
                 DynamicQuantizeLinear, quantized embeddings), the same as
                 ONNX Runtime's session saves it optimized (fused
                 com.microsoft ops), and static with calibration
                 (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd,
                 QLinearMul, QGemm, or Quantize/DequantizeLinear pairs);
                 needs only onnxruntime.
  sklearn        scikit-learn models through skl2onnx: ai.onnx.ml ops, ZipMap.
  control-flow   torch.jit.script (Loop, If, sequences) and torch.cond.
  tf2onnx        a Keras CNN through tf2onnx.convert.from_keras.
  handwritten    old-opset graphs (opset 9, 11) written with onnx.helper.

Files are self-contained (no external data), at most 3 MB each. Each is
checked with onnx.checker.check_model and run once in ONNX Runtime on the
inputs that test/corpus/check_corpus.py gives it; a file that fails to
export or to verify is left out and its failure recorded in
test/corpus/MANIFEST.json. With --section or --filter, the manifest keeps
the other entries and their files are not rewritten.

    scripts/export-corpus.py [--out test/corpus] [--section NAME]...
                             [--filter SUBSTR] [--list]
"""

import argparse
import contextlib
import datetime
import importlib.util
import io
import json
import os
import pathlib
import platform
import sys
import tempfile
import traceback
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
TORCHSCRIPT_OPSET = 17
# A corpus file stays small, and so does the whole corpus.
MAX_FILE_BYTES = 3 * 1024 * 1024
MAX_CORPUS_BYTES = 40 * 1024 * 1024

# Example sizes the models are traced with. Dynamic exports are traced at a
# sequence of 16 and checked (check_corpus.py) at a sequence of 8, so a size
# baked into a graph shows.
EXAMPLE_BATCH = 2
EXAMPLE_SEQUENCE = 16


def _load_checker():
    """check_corpus.py, for the inputs the files are verified with."""
    path = ROOT / "test" / "corpus" / "check_corpus.py"
    spec = importlib.util.spec_from_file_location("check_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- models -------------------------------------------------------------------
# Each builder returns (module, inputs, dynamic, outputs): inputs is a list of
# (name, example tensor); dynamic maps an input name to {axis: symbol};
# outputs names the tuple of tensors the module returns.

def _text_inputs(torch, vocab, with_token_types=False):
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, min(vocab, 100), (EXAMPLE_BATCH, EXAMPLE_SEQUENCE),
                        generator=generator, dtype=torch.int64)
    inputs = [("input_ids", ids),
              ("attention_mask", torch.ones_like(ids))]
    if with_token_types:
        inputs.append(("token_type_ids", torch.zeros_like(ids)))
    dynamic = {name: {0: "batch", 1: "sequence"} for name, _ in inputs}
    return inputs, dynamic


class _HFWrapper:
    """Builds an nn.Module calling a Hugging Face model with keyword
    arguments and returning a tuple of the chosen output tensors. Its
    forward has named parameters, which name the exported graph's inputs."""

    @staticmethod
    def make(torch, model, input_names, output_attrs, extra_kwargs=None):
        extra_kwargs = dict(extra_kwargs or {})

        def call(wrapper, **kwargs):
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            kwargs.update(extra_kwargs)
            result = wrapper.model(**kwargs)
            return tuple(getattr(result, attr) for attr in output_attrs)

        class TextWrapper(torch.nn.Module):
            def forward(self, input_ids, attention_mask, token_type_ids=None):
                return call(self, input_ids=input_ids,
                            attention_mask=attention_mask,
                            token_type_ids=token_type_ids)

        class ImageWrapper(torch.nn.Module):
            def forward(self, pixel_values):
                return call(self, pixel_values=pixel_values)

        class AudioWrapper(torch.nn.Module):
            def forward(self, input_features):
                return call(self, input_features=input_features)

        cls = {"input_ids": TextWrapper, "pixel_values": ImageWrapper,
               "input_features": AudioWrapper}[input_names[0]]
        wrapper = cls()
        wrapper.model = model
        return wrapper


def build_gpt2(torch, transformers):
    config = transformers.GPT2Config(
        vocab_size=1000, n_positions=128, n_embd=64, n_layer=2, n_head=4,
        n_inner=128)
    model = transformers.GPT2LMHeadModel(config)
    inputs, dynamic = _text_inputs(torch, config.vocab_size)
    wrapper = _HFWrapper.make(torch, model, [n for n, _ in inputs], ["logits"],
                              {"use_cache": False})
    return wrapper, inputs, dynamic, ["logits"]


def build_bert(torch, transformers, attn_implementation=None):
    config = transformers.BertConfig(
        vocab_size=1000, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=128)
    if attn_implementation:
        # "eager": the explicit softmax(QK^T)V graph that ONNX Runtime's
        # transformer optimizer fuses into Attention.
        config._attn_implementation = attn_implementation
    model = transformers.BertModel(config)
    inputs, dynamic = _text_inputs(torch, config.vocab_size, with_token_types=True)
    wrapper = _HFWrapper.make(torch, model, [n for n, _ in inputs],
                              ["last_hidden_state", "pooler_output"])
    return wrapper, inputs, dynamic, ["last_hidden_state", "pooler_output"]


def _llama_config(transformers):
    # Grouped-query attention (2 key/value heads for 4 query heads), RoPE,
    # SwiGLU and RMSNorm.
    return transformers.LlamaConfig(
        vocab_size=1000, hidden_size=64, intermediate_size=128,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=128)


def build_llama(torch, transformers):
    config = _llama_config(transformers)
    model = transformers.LlamaForCausalLM(config)
    inputs, dynamic = _text_inputs(torch, config.vocab_size)
    wrapper = _HFWrapper.make(torch, model, [n for n, _ in inputs], ["logits"],
                              {"use_cache": False})
    return wrapper, inputs, dynamic, ["logits"]


def build_llama_decode(torch, transformers):
    # One decoding step of the Llama above as served: one new token, its
    # attention mask and a key/value cache of EXAMPLE_SEQUENCE positions in;
    # the logits and the cache grown by one out.
    config = _llama_config(transformers)
    model = transformers.LlamaForCausalLM(config)
    layers, kv_heads = config.num_hidden_layers, config.num_key_value_heads
    head_dim = config.hidden_size // config.num_attention_heads

    class DecodeStep(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.model = inner

        def forward(self, input_ids, attention_mask, *past):
            cache = transformers.DynamicCache(config=config)
            for i in range(layers):
                cache.update(past[2 * i], past[2 * i + 1], i)
            out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             past_key_values=cache, use_cache=True)
            present = []
            for layer in out.past_key_values.layers:
                present += [layer.keys, layer.values]
            return (out.logits, *present)

    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 100, (EXAMPLE_BATCH, 1), generator=generator)
    inputs = [("input_ids", ids),
              ("attention_mask",
               torch.ones(EXAMPLE_BATCH, EXAMPLE_SEQUENCE + 1, dtype=torch.int64))]
    for i in range(layers):
        for kind in ("key", "value"):
            inputs.append((f"past_key_values.{i}.{kind}",
                           torch.randn(EXAMPLE_BATCH, kv_heads, EXAMPLE_SEQUENCE,
                                       head_dim, generator=generator)))
    outputs = ["logits"] + [f"present.{i}.{kind}" for i in range(layers)
                            for kind in ("key", "value")]
    return DecodeStep(model), inputs, {}, outputs


def build_mistral(torch, transformers):
    # One key/value head and a sliding window shorter than the traced
    # sequence, so it differs from the Llama model.
    config = transformers.MistralConfig(
        vocab_size=1000, hidden_size=64, intermediate_size=128,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
        max_position_embeddings=128, sliding_window=8)
    model = transformers.MistralForCausalLM(config)
    inputs, dynamic = _text_inputs(torch, config.vocab_size)
    wrapper = _HFWrapper.make(torch, model, [n for n, _ in inputs], ["logits"],
                              {"use_cache": False})
    return wrapper, inputs, dynamic, ["logits"]


def build_t5_encoder(torch, transformers):
    config = transformers.T5Config(
        vocab_size=1000, d_model=64, d_kv=16, d_ff=128, num_layers=2,
        num_heads=4, relative_attention_num_buckets=16,
        relative_attention_max_distance=64, feed_forward_proj="gated-gelu")
    model = transformers.T5EncoderModel(config)
    inputs, dynamic = _text_inputs(torch, config.vocab_size)
    wrapper = _HFWrapper.make(torch, model, [n for n, _ in inputs],
                              ["last_hidden_state"])
    return wrapper, inputs, dynamic, ["last_hidden_state"]


def build_vit(torch, transformers):
    config = transformers.ViTConfig(
        image_size=32, patch_size=8, num_channels=3, hidden_size=64,
        num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
    model = transformers.ViTModel(config)
    pixels = torch.randn(EXAMPLE_BATCH, 3, 32, 32,
                         generator=torch.Generator().manual_seed(1))
    inputs = [("pixel_values", pixels)]
    wrapper = _HFWrapper.make(torch, model, ["pixel_values"],
                              ["last_hidden_state", "pooler_output"])
    return (wrapper, inputs, {"pixel_values": {0: "batch"}},
            ["last_hidden_state", "pooler_output"])


def build_whisper_encoder(torch, transformers):
    # The encoder wants exactly 2 * max_source_positions frames: only the
    # batch is dynamic.
    config = transformers.WhisperConfig(
        vocab_size=1000, num_mel_bins=16, d_model=64, encoder_layers=2,
        encoder_attention_heads=4, encoder_ffn_dim=128, decoder_layers=1,
        decoder_attention_heads=4, decoder_ffn_dim=128,
        max_source_positions=32, max_target_positions=32,
        pad_token_id=1, bos_token_id=2, eos_token_id=2,
        decoder_start_token_id=3)
    encoder = transformers.WhisperModel(config).get_encoder()
    features = torch.randn(EXAMPLE_BATCH, config.num_mel_bins,
                           2 * config.max_source_positions,
                           generator=torch.Generator().manual_seed(1))
    inputs = [("input_features", features)]
    wrapper = _HFWrapper.make(torch, encoder, ["input_features"],
                              ["last_hidden_state"])
    return (wrapper, inputs, {"input_features": {0: "batch"}},
            ["last_hidden_state"])


def build_resnet(torch, torchvision):
    # torchvision's ResNet (BasicBlock, one block per stage) at a quarter of
    # resnet18's widths.
    from torchvision.models.resnet import BasicBlock, ResNet

    class TinyResNet(ResNet):
        def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
            return super()._make_layer(block, planes // 4, blocks, stride, dilate)

    model = TinyResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)
    model.fc = torch.nn.Linear(512 // 4 * BasicBlock.expansion, 10)
    images = torch.randn(EXAMPLE_BATCH, 3, 64, 64,
                         generator=torch.Generator().manual_seed(1))
    return (_tuple_module(torch, model), [("images", images)],
            {"images": {0: "batch"}}, ["logits"])


def build_mobilenet(torch, torchvision):
    model = torchvision.models.mobilenet_v3_small(weights=None, width_mult=0.25,
                                                  num_classes=10)
    images = torch.randn(EXAMPLE_BATCH, 3, 64, 64,
                         generator=torch.Generator().manual_seed(1))
    return (_tuple_module(torch, model), [("images", images)],
            {"images": {0: "batch"}}, ["logits"])


def build_conv_lstm(torch, _):
    class ConvLSTM(torch.nn.Module):
        """Keyword-spotting style audio model: Conv1d front end over mel
        frames, a two-layer LSTM, a linear head per frame."""

        def __init__(self, mels=20, channels=32, hidden=48, classes=12):
            super().__init__()
            self.front = torch.nn.Sequential(
                torch.nn.Conv1d(mels, channels, kernel_size=3, padding=1),
                torch.nn.ReLU(),
                torch.nn.Conv1d(channels, channels, kernel_size=3, padding=1),
                torch.nn.ReLU())
            self.lstm = torch.nn.LSTM(channels, hidden, num_layers=2,
                                      batch_first=True)
            self.head = torch.nn.Linear(hidden, classes)

        def forward(self, features):
            x = self.front(features)          # (batch, channels, time)
            x, _ = self.lstm(x.transpose(1, 2))  # (batch, time, hidden)
            return (self.head(x),)

    model = ConvLSTM()
    features = torch.randn(EXAMPLE_BATCH, 20, EXAMPLE_SEQUENCE,
                           generator=torch.Generator().manual_seed(1))
    return (model, [("features", features)],
            {"features": {0: "batch", 2: "sequence"}}, ["logits"])


def _tuple_module(torch, model):
    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, images):
            return (self.model(images),)

    return Wrapper()


# architecture -> (builder, library, description, variants); a variant is
# (exporter, "dynamic" or "static").
ARCHITECTURES = {
    "gpt2": (build_gpt2, "transformers", "GPT2LMHeadModel, 2 layers, hidden 64",
             [("dynamo", "dynamic"), ("dynamo", "static"),
              ("torchscript", "dynamic"), ("torchscript", "static")]),
    "bert": (build_bert, "transformers", "BertModel, 2 layers, hidden 64",
             [("dynamo", "dynamic"), ("torchscript", "dynamic"),
              ("torchscript", "static")]),
    "llama": (build_llama, "transformers",
              "LlamaForCausalLM, 2 layers, hidden 64, 4 heads / 2 KV heads (GQA), RoPE, SwiGLU, RMSNorm",
              [("dynamo", "dynamic"), ("dynamo", "static"),
               ("torchscript", "dynamic"), ("torchscript", "static")]),
    "llama-decode": (build_llama_decode, "transformers",
                     "the Llama above in one decoding step: one token, its attention mask "
                     "and a 16-position key/value cache in, logits and the grown cache out",
                     [("dynamo", "static")]),
    "mistral": (build_mistral, "transformers",
                "MistralForCausalLM, 2 layers, hidden 64, 4 heads / 1 KV head, sliding window 8",
                [("dynamo", "dynamic"), ("torchscript", "static")]),
    "t5-encoder": (build_t5_encoder, "transformers",
                   "T5EncoderModel, 2 layers, d_model 64, gated-gelu",
                   [("dynamo", "dynamic"), ("torchscript", "static")]),
    "vit": (build_vit, "transformers", "ViTModel, 32x32 images, patch 8, 2 layers, hidden 64",
            [("dynamo", "dynamic"), ("dynamo", "static"),
             ("torchscript", "dynamic")]),
    "whisper-encoder": (build_whisper_encoder, "transformers",
                        "WhisperModel's encoder, 16 mel bins x 64 frames, 2 layers, d_model 64",
                        [("dynamo", "dynamic"), ("torchscript", "static")]),
    "resnet": (build_resnet, "torchvision",
               "torchvision ResNet, BasicBlock [1,1,1,1], widths 16-128, 64x64 images",
               [("dynamo", "dynamic"), ("dynamo", "static"),
                ("torchscript", "static")]),
    "mobilenet": (build_mobilenet, "torchvision",
                  "torchvision mobilenet_v3_small, width_mult 0.25, 64x64 images",
                  [("dynamo", "static"), ("torchscript", "dynamic")]),
    "conv-lstm": (build_conv_lstm, "torch",
                  "Conv1d x2 + 2-layer nn.LSTM + Linear, 20 mel bins",
                  [("dynamo", "dynamic"), ("torchscript", "dynamic"),
                   ("torchscript", "static")]),
}


# --- other producers ----------------------------------------------------------
# Files that real users bring besides plain PyTorch exports: ONNX Runtime's
# transformer optimizer output (com.microsoft fused ops, float16),
# scikit-learn through skl2onnx (ai.onnx.ml ops, ZipMap's sequence of maps),
# control flow (If, Loop, sequences), TensorFlow/Keras through tf2onnx and
# handwritten old-opset graphs. Each builder writes the file at `path` and
# returns the manifest fields it knows (export_call, producer_versions,
# example_inputs, ...). ctx holds the corpus folder and the torch helpers.

def _quiet(function, *args, **kwargs):
    """Runs a converter with its chatter (stdout, Python logging) muted."""
    import logging
    log = io.StringIO()
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(log):
            warnings.simplefilter("ignore")
            return function(*args, **kwargs)
    finally:
        logging.disable(logging.NOTSET)


def _ort_optimized(source, model_type, float16=False, eager_export=None):
    """ONNX Runtime's transformer optimizer (onnxruntime.transformers.
    optimizer.optimize_model, default opt_level 1: ONNX Runtime's basic graph
    optimizations, then the Python fusions) on a corpus file, or, with
    eager_export=(builder, axes), on a fresh TorchScript export of that
    builder with eager attention (the pattern the Attention fusion knows)."""

    def build(path, ctx):
        import onnxruntime
        from onnxruntime.transformers.optimizer import optimize_model
        fields = {"producer_versions": {"onnxruntime": onnxruntime.__version__}}
        with tempfile.TemporaryDirectory() as scratch:
            if eager_export:
                builder, axes = eager_export
                torch, transformers = ctx["torch"], ctx["transformers"]
                torch.manual_seed(0)
                module, inputs, dynamic, output_names = builder(
                    torch, transformers, attn_implementation="eager")
                module.eval()
                source_path = pathlib.Path(scratch) / "source.onnx"
                with torch.no_grad():
                    _quiet(export_one, torch, module, inputs, dynamic,
                           output_names, "torchscript", axes, source_path)
                fields["source"] = (f"{builder.__name__}(attn_implementation='eager'), "
                                    f"torch.onnx.export(dynamo=False, "
                                    f"opset_version={TORCHSCRIPT_OPSET}), {axes} axes "
                                    f"(not kept)")
                fields["producer_versions"].update(
                    torch=torch.__version__, transformers=transformers.__version__)
                fields["example_inputs"] = [
                    {"name": n, "dtype": str(t.dtype).replace("torch.", ""),
                     "shape": list(t.shape)} for n, t in inputs]
            else:
                source_path = ctx["models_dir"] / source
                if not source_path.exists():
                    raise RuntimeError(f"the corpus file {source} is missing")
                fields["source"] = f"models/{source}"
                source_entry = ctx["entries"].get(source, {})
                fields["example_inputs"] = source_entry.get("example_inputs", [])
            optimized = _quiet(optimize_model, str(source_path), model_type=model_type,
                               num_heads=4, hidden_size=64)
            fused = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
            call = (f"optimize_model(model_type={model_type!r}, num_heads=4, "
                    f"hidden_size=64)")
            if float16:
                _quiet(optimized.convert_float_to_float16, keep_io_types=True)
                call += ".convert_float_to_float16(keep_io_types=True)"
            optimized.save_model_to_file(str(path))
        fields["export_call"] = call
        fields["fused_operators"] = fused
        return fields

    return build


def _ort_quantized(source, static_format=None, op_types=None, per_channel=False):
    """ONNX Runtime's quantizer on a corpus file: quantize_dynamic, or with
    static_format ("QOperator" or "QDQ") quantize_static calibrated on the
    inputs check_corpus.py gives the source file; uint8 activations, int8
    weights (the quantizer's defaults)."""

    def build(path, ctx):
        import onnx
        import onnxruntime
        from onnxruntime import quantization
        source_path = ctx["models_dir"] / source
        if not source_path.exists():
            raise RuntimeError(f"the corpus file {source} is missing")
        source_entry = ctx["entries"].get(source, {})
        options = {"per_channel": per_channel}
        if op_types:
            options["op_types_to_quantize"] = list(op_types)
        if static_format is None:
            _quiet(quantization.quantize_dynamic, str(source_path), str(path), **options)
            call = f"quantize_dynamic({_call_arguments(options)})"
        else:
            model = onnx.load(str(source_path))
            feeds = ctx["checker"].make_feeds(model, source_entry, source_path.stem)

            class Reader(quantization.CalibrationDataReader):
                def __init__(self):
                    self.feeds = iter([feeds])

                def get_next(self):
                    return next(self.feeds, None)

            options["quant_format"] = getattr(quantization.QuantFormat, static_format)
            _quiet(quantization.quantize_static, str(source_path), str(path), Reader(),
                   **options)
            options["quant_format"] = f"QuantFormat.{static_format}"
            call = (f"quantize_static({_call_arguments(options)}), calibrated on "
                    f"check_corpus.py's inputs of the source")
        quantized = onnx.load(str(path), load_external_data=False)
        counts = {}
        for node in quantized.graph.node:
            if "quant" in node.op_type.lower() or "Integer" in node.op_type or \
                    node.op_type.startswith("QLinear"):
                counts[node.op_type] = counts.get(node.op_type, 0) + 1
        return {"source": f"models/{source}",
                "example_inputs": source_entry.get("example_inputs", []),
                "producer_versions": {"onnxruntime": onnxruntime.__version__},
                "export_call": call, "quantized_operators": counts}

    return build


def _ort_session_optimized(source):
    """A corpus file as ONNX Runtime's session writes it after its extended
    graph optimizations (SessionOptions.optimized_model_filepath): fused
    com.microsoft operators such as DynamicQuantizeMatMul,
    MatMulIntegerToFloat and FusedMatMul."""

    def build(path, ctx):
        import onnx
        import onnxruntime
        source_path = ctx["models_dir"] / source
        if not source_path.exists():
            raise RuntimeError(f"the corpus file {source} is missing")
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = \
            onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(path)
        onnxruntime.InferenceSession(str(source_path), options,
                                     providers=["CPUExecutionProvider"])
        optimized = onnx.load(str(path), load_external_data=False)
        counts = {}
        for node in optimized.graph.node:
            if node.domain == "com.microsoft":
                counts[node.op_type] = counts.get(node.op_type, 0) + 1
        return {"source": f"models/{source}",
                "example_inputs": ctx["entries"].get(source, {}).get("example_inputs", []),
                "producer_versions": {"onnxruntime": onnxruntime.__version__},
                "export_call": "InferenceSession(SessionOptions(graph_optimization_level="
                               "ORT_ENABLE_EXTENDED, optimized_model_filepath=...))",
                "fused_operators": counts}

    return build


def _call_arguments(options):
    return ", ".join(f"{key}={value!r}" if not isinstance(value, str) or
                     not value.startswith("QuantFormat.") else f"{key}={value}"
                     for key, value in options.items())


def _save_skl2onnx(onnx_model, path):
    """skl2onnx lists opset_import in an order that follows Python's string
    hashing (PYTHONHASHSEED): sorted here (default domain first) so that the
    file is the same from run to run."""
    imports = sorted(onnx_model.opset_import, key=lambda o: (o.domain, o.version))
    del onnx_model.opset_import[:]
    onnx_model.opset_import.extend(imports)
    path.write_bytes(onnx_model.SerializeToString())


def _sklearn_fields(sklearn, skl2onnx, call, features):
    return {"export_call": call,
            "producer_versions": {"scikit-learn": sklearn.__version__,
                                  "skl2onnx": skl2onnx.__version__},
            # skl2onnx leaves the batch dimension unnamed: checked with 4 rows.
            "example_inputs": [{"name": "X", "dtype": "float32", "shape": [4, features]}]}


def build_sklearn_logreg(path, ctx):
    """StandardScaler + LogisticRegression, 8 features, 3 integer classes:
    Scaler, LinearClassifier, Normalizer and ZipMap (ai.onnx.ml)."""
    import numpy as np
    import sklearn
    import skl2onnx
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)
    onnx_model = _quiet(skl2onnx.to_onnx, model, x[:1])
    _save_skl2onnx(onnx_model, path)
    return _sklearn_fields(sklearn, skl2onnx, "skl2onnx.to_onnx(pipeline, X[:1]), default options, opset_import sorted", 8)


def build_sklearn_mlp(path, ctx):
    """StandardScaler + MLPClassifier (32 -> 128 -> 64 -> 4): Scaler and
    ZipMap (ai.onnx.ml) around MatMul + Add layers."""
    import numpy as np
    import sklearn
    import skl2onnx
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 32)).astype(np.float32)
    y = np.argmax(x[:, :4] @ rng.standard_normal((4, 4)), axis=1)
    model = make_pipeline(StandardScaler(),
                          MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=300,
                                        random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        model.fit(x, y)
    onnx_model = _quiet(skl2onnx.to_onnx, model, x[:1])
    _save_skl2onnx(onnx_model, path)
    return _sklearn_fields(sklearn, skl2onnx, "skl2onnx.to_onnx(pipeline, X[:1]), default options, opset_import sorted", 32)


def build_sklearn_forest(path, ctx):
    """RandomForestClassifier (5 trees, depth 4) with string labels:
    TreeEnsembleClassifier, a string tensor output and a ZipMap whose
    maps have string keys."""
    import numpy as np
    import sklearn
    import skl2onnx
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    labels = np.array(["cat", "dog", "bird"])
    y = labels[(x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1)]
    model = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(x, y)
    onnx_model = _quiet(skl2onnx.to_onnx, model, x[:1])
    _save_skl2onnx(onnx_model, path)
    return _sklearn_fields(sklearn, skl2onnx, "skl2onnx.to_onnx(forest, X[:1]), default options, opset_import sorted", 8)


def build_sklearn_boosting(path, ctx):
    """GradientBoostingClassifier (10 trees of depth 3, binary, string
    labels): TreeEnsembleClassifier in skl2onnx's binary form (weights of
    one class, of both signs, a base value, LOGISTIC), a string label output
    and a ZipMap."""
    import numpy as np
    import sklearn
    import skl2onnx
    from sklearn.ensemble import GradientBoostingClassifier
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 6)).astype(np.float32)
    y = np.where(x[:, 0] - x[:, 1] * x[:, 2] > 0, "spam", "ham")
    model = GradientBoostingClassifier(n_estimators=10, max_depth=3,
                                       random_state=0).fit(x, y)
    onnx_model = _quiet(skl2onnx.to_onnx, model, x[:1])
    _save_skl2onnx(onnx_model, path)
    return _sklearn_fields(sklearn, skl2onnx, "skl2onnx.to_onnx(boosting, X[:1]), default options, opset_import sorted", 6)


def build_sklearn_forest_regressor(path, ctx):
    """Normalizer + RandomForestRegressor (4 trees, depth 5, 2 targets):
    Normalizer and TreeEnsembleRegressor (ai.onnx.ml)."""
    import numpy as np
    import sklearn
    import skl2onnx
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    y = np.stack([x[:, 0] * 2 + x[:, 1], np.abs(x[:, 2])], axis=1)
    model = make_pipeline(Normalizer(), RandomForestRegressor(
        n_estimators=4, max_depth=5, random_state=0)).fit(x, y)
    onnx_model = _quiet(skl2onnx.to_onnx, model, x[:1])
    _save_skl2onnx(onnx_model, path)
    return _sklearn_fields(sklearn, skl2onnx, "skl2onnx.to_onnx(pipeline, X[:1]), default options, opset_import sorted", 8)


def build_scripted_loop_if(path, ctx):
    """torch.jit.script of an RNN-like module: a `for` over the time
    dimension (Loop whose body has two Gemm layers reading the outer
    scope's weights, and collects the hidden states in a list: sequence
    ops), then a data-dependent `if` (If with a Gemm in each branch)."""
    torch = ctx["torch"]

    class LoopIf(torch.nn.Module):
        def __init__(self, features: int = 16, hidden: int = 64, classes: int = 8):
            super().__init__()
            self.inp = torch.nn.Linear(features, hidden)
            self.rec = torch.nn.Linear(hidden, hidden)
            self.pos = torch.nn.Linear(hidden, hidden)
            self.neg = torch.nn.Linear(hidden, hidden)
            self.head = torch.nn.Linear(hidden, classes)

        def forward(self, x):
            # x: (batch, time, features)
            h = torch.zeros(x.size(0), self.rec.out_features, dtype=x.dtype)
            states: list[torch.Tensor] = []
            for t in range(x.size(1)):
                h = torch.tanh(self.inp(x[:, t]) + self.rec(h))
                states.append(h)
            if bool(h.sum() > 0):
                y = self.pos(h)
            else:
                y = torch.relu(self.neg(h)) * 2.0
            return self.head(y), torch.stack(states, dim=1)

    torch.manual_seed(0)
    module = _quiet(torch.jit.script, LoopIf().eval())
    x = torch.randn(EXAMPLE_BATCH, EXAMPLE_SEQUENCE, 16,
                    generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        _quiet(torch.onnx.export, module, (x,), str(path), dynamo=False,
               opset_version=TORCHSCRIPT_OPSET, input_names=["x"],
               output_names=["logits", "states"],
               dynamic_axes={"x": {0: "batch", 1: "sequence"}})
    return {"exporter": "torchscript",
            "export_call": f"torch.onnx.export(torch.jit.script(module), dynamo=False, "
                           f"opset_version={TORCHSCRIPT_OPSET})",
            "producer_versions": {"torch": torch.__version__},
            "example_inputs": [{"name": "x", "dtype": "float32", "shape": list(x.shape)}],
            "dynamic_axes": {"x": {"0": "batch", "1": "sequence"}}}


def build_dynamo_cond(path, ctx):
    """torch.cond on a data-dependent predicate: If with a Gemm per branch,
    from the dynamo exporter."""
    torch = ctx["torch"]

    class Cond(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(16, 64)
            self.b = torch.nn.Linear(16, 64)
            self.head = torch.nn.Linear(64, 8)

        def forward(self, x):
            def positive(x):
                return self.a(x)

            def negative(x):
                return torch.relu(self.b(x))

            return (self.head(torch.cond(x.sum() > 0, positive, negative, (x,))),)

    torch.manual_seed(0)
    module = Cond().eval()
    x = torch.randn(EXAMPLE_BATCH, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), tempfile.TemporaryDirectory() as scratch:
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            program = _quiet(torch.onnx.export, module, (x,), dynamo=True,
                             input_names=["x"], output_names=["logits"],
                             dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1, max=1024)}},
                             external_data=False)
            program.save(str(path), external_data=False)
        finally:
            os.chdir(cwd)
    return {"exporter": "dynamo",
            "export_call": "torch.onnx.export(dynamo=True), default opset",
            "producer_versions": {"torch": torch.__version__,
                                  "onnxscript": ctx["onnxscript"].__version__},
            "example_inputs": [{"name": "x", "dtype": "float32", "shape": list(x.shape)}],
            "dynamic_axes": {"x": {"0": "batch"}}}


def build_keras_cnn(path, ctx):
    """A small Keras CNN + MLP (NHWC Conv2D, BatchNormalization, pooling,
    Dense layers) converted by tf2onnx.convert.from_keras at its default
    opset."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    import tf2onnx
    import keras
    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same")(image)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    x = keras.layers.Dense(64, activation="tanh")(x)
    probs = keras.layers.Dense(10, activation="softmax", name="probs")(x)
    model = keras.Model(image, probs)
    # Random (non-zero) biases and batch-norm statistics, as a trained model has.
    rng = np.random.default_rng(0)
    model.set_weights([w if w.ndim > 1 else
                       (np.abs(rng.standard_normal(w.shape)) + 0.5 if "variance" in v.path
                        else 0.1 * rng.standard_normal(w.shape)).astype(w.dtype)
                       for v, w in zip(model.weights, model.get_weights())])
    spec = (tf.TensorSpec((None, 16, 16, 3), tf.float32, name="image"),)
    onnx_model, _ = _quiet(tf2onnx.convert.from_keras, model, input_signature=spec)
    path.write_bytes(onnx_model.SerializeToString())
    return {"export_call": "tf2onnx.convert.from_keras(model, input_signature), default opset",
            "producer_versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                                  "tf2onnx": tf2onnx.__version__},
            "example_inputs": [{"name": "image", "dtype": "float32",
                                "shape": [EXAMPLE_BATCH, 16, 16, 3]}]}


def _handwritten_weights(onnx, rng, name, shape):
    import numpy as np
    scale = 1.0 / np.sqrt(shape[-1] if len(shape) > 1 else 1)
    value = (rng.standard_normal(shape) * scale).astype(np.float32)
    return onnx.numpy_helper.from_array(value, name)


def build_handwritten_opset9(path, ctx):
    """Handwritten old-opset graph (onnx.helper), opset 9 and IR version 4,
    the weights also listed as graph inputs as old exporters did: Gemm
    (transB, alpha/beta), Dropout-7 (ratio attribute), BatchNormalization-9,
    Unsqueeze-1/Squeeze-1 (axes attribute), Upsample-9, Pad-2 (pads
    attribute), Slice-1 (attribute form), Softmax-1 on a 3-D tensor (axis 1:
    the old flatten-to-2-D semantics), Flatten-9."""
    import numpy as np
    onnx = ctx["onnx"]
    h = onnx.helper
    rng = np.random.default_rng(0)
    inits = [
        _handwritten_weights(onnx, rng, "W1", [64, 16]),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(64)).astype(np.float32), "b1"),
        _handwritten_weights(onnx, rng, "W2", [64, 48]),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(48)).astype(np.float32), "b2"),
        onnx.numpy_helper.from_array((1 + 0.1 * rng.standard_normal(48)).astype(np.float32), "bn_scale"),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(48)).astype(np.float32), "bn_bias"),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(48)).astype(np.float32), "bn_mean"),
        onnx.numpy_helper.from_array((0.5 + rng.random(48)).astype(np.float32), "bn_var"),
        onnx.numpy_helper.from_array(np.array([0, 1, 6, 8], np.int64), "grid_shape"),
        onnx.numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
        _handwritten_weights(onnx, rng, "W3", [10, 192]),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(10)).astype(np.float32), "b3"),
    ]
    nodes = [
        h.make_node("Gemm", ["x", "W1", "b1"], ["fc1"], name="fc1", transB=1),
        h.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        h.make_node("Dropout", ["relu1"], ["drop1"], name="drop1", ratio=0.25),
        h.make_node("Gemm", ["drop1", "W2", "b2"], ["fc2"], name="fc2", alpha=0.5, beta=2.0),
        h.make_node("BatchNormalization", ["fc2", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                    ["bn"], name="bn", epsilon=1e-3),
        h.make_node("Unsqueeze", ["bn"], ["bn_3d"], name="unsqueeze", axes=[1]),
        h.make_node("Reshape", ["bn_3d", "grid_shape"], ["grid"], name="to_grid"),
        h.make_node("Upsample", ["grid", "scales"], ["upsampled"], name="upsample", mode="nearest"),
        h.make_node("Pad", ["upsampled"], ["padded"], name="pad", mode="constant",
                    pads=[0, 0, 1, 2, 0, 0, 1, 2], value=0.5),
        h.make_node("Slice", ["padded"], ["sliced"], name="slice", axes=[2, 3],
                    starts=[1, 2], ends=[13, -2]),
        h.make_node("Squeeze", ["sliced"], ["squeezed"], name="squeeze", axes=[1]),
        h.make_node("Softmax", ["squeezed"], ["probs"], name="softmax", axis=1),
        h.make_node("Flatten", ["probs"], ["flat"], name="flatten", axis=1),
        h.make_node("Gemm", ["flat", "W3", "b3"], ["logits"], name="fc3", transB=1),
    ]
    batch = "batch"
    inputs = [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [batch, 16])]
    inputs += [h.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits]
    outputs = [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [batch, 10]),
               h.make_tensor_value_info("probs", onnx.TensorProto.FLOAT, [batch, 12, 16])]
    graph = h.make_graph(nodes, "handwritten_opset9", inputs, outputs, inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 9)],
                         producer_name="onnx.helper (handwritten old-opset, scripts/export-corpus.py)",
                         producer_version=onnx.__version__)
    model.ir_version = 4
    path.write_bytes(model.SerializeToString())
    return {"export_call": "onnx.helper.make_model(opset 9), ir_version 4, "
                           "initializers also graph inputs",
            "producer_versions": {"onnx": onnx.__version__},
            "example_inputs": [{"name": "x", "dtype": "float32", "shape": [EXAMPLE_BATCH, 16]}]}


def build_handwritten_opset11(path, ctx):
    """Handwritten old-opset graph (onnx.helper), opset 11 and IR version 6:
    MatMul + Add on a 3-D input, Softmax-11 on the last axis, Split-11
    (split attribute), ReduceMean-11 (axes attribute), Unsqueeze-11 and
    Squeeze-11 (axes attribute), Clip-11 (min/max inputs), Gemm-11 (no C),
    Pad-11 (pads input, reflect), Dropout-10 (ratio attribute)."""
    import numpy as np
    onnx = ctx["onnx"]
    h = onnx.helper
    rng = np.random.default_rng(1)
    inits = [
        _handwritten_weights(onnx, rng, "W1", [32, 64]),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(64)).astype(np.float32), "b1"),
        onnx.numpy_helper.from_array(np.array(-0.5, np.float32), "clip_min"),
        onnx.numpy_helper.from_array(np.array(0.5, np.float32), "clip_max"),
        _handwritten_weights(onnx, rng, "W2", [48, 32]),
        onnx.numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "pads"),
        _handwritten_weights(onnx, rng, "W3", [50, 8]),
        onnx.numpy_helper.from_array((0.1 * rng.standard_normal(8)).astype(np.float32), "b3"),
    ]
    nodes = [
        h.make_node("MatMul", ["x", "W1"], ["mm1"], name="mm1"),
        h.make_node("Add", ["mm1", "b1"], ["fc1"], name="bias1"),
        h.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        h.make_node("Softmax", ["relu1"], ["weights"], name="softmax", axis=2),
        h.make_node("Mul", ["relu1", "weights"], ["weighted"], name="weigh"),
        h.make_node("Split", ["weighted"], ["half_a", "half_b"], name="split", axis=2,
                    split=[32, 32]),
        h.make_node("Add", ["half_a", "half_b"], ["halves"], name="add_halves"),
        h.make_node("ReduceMean", ["halves"], ["features"], name="mean_over_sequence",
                    axes=[1], keepdims=0),
        h.make_node("Unsqueeze", ["features"], ["features_3d"], name="unsqueeze", axes=[1]),
        h.make_node("Squeeze", ["features_3d"], ["features_2d"], name="squeeze", axes=[1]),
        h.make_node("Clip", ["features_2d", "clip_min", "clip_max"], ["clipped"], name="clip"),
        h.make_node("Gemm", ["clipped", "W2"], ["fc2"], name="fc2", transB=1),
        h.make_node("Pad", ["fc2", "pads"], ["padded"], name="pad", mode="reflect"),
        h.make_node("Dropout", ["padded"], ["dropped"], name="dropout", ratio=0.1),
        h.make_node("Gemm", ["dropped", "W3", "b3"], ["logits"], name="fc3"),
    ]
    inputs = [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["batch", "sequence", 32])]
    outputs = [h.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, ["batch", 8]),
               h.make_tensor_value_info("features", onnx.TensorProto.FLOAT, ["batch", 32])]
    graph = h.make_graph(nodes, "handwritten_opset11", inputs, outputs, inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 11)],
                         producer_name="onnx.helper (handwritten old-opset, scripts/export-corpus.py)",
                         producer_version=onnx.__version__)
    model.ir_version = 6
    path.write_bytes(model.SerializeToString())
    return {"export_call": "onnx.helper.make_model(opset 11), ir_version 6",
            "producer_versions": {"onnx": onnx.__version__},
            "example_inputs": [{"name": "x", "dtype": "float32",
                                "shape": [EXAMPLE_BATCH, EXAMPLE_SEQUENCE, 32]}]}


# file name -> (section, builder, architecture, description). The sections
# import their converters only when they run: one that cannot be imported
# is recorded as failed and the others go on.
OTHER_MODELS = {
    "bert.torchscript.dynamic.ort-optimized.onnx": (
        "ort-optimizer", _ort_optimized("bert.torchscript.dynamic.onnx", "bert"), "bert",
        "the corpus bert.torchscript.dynamic.onnx through ONNX Runtime's transformer "
        "optimizer (model_type bert): SkipLayerNormalization, BiasGelu (its SDPA "
        "attention is not fused)"),
    "bert-eager.torchscript.dynamic.ort-optimized.onnx": (
        "ort-optimizer", _ort_optimized(None, "bert", eager_export=(build_bert, "dynamic")),
        "bert", "the corpus BERT with eager attention, TorchScript export (dynamic axes) "
                "through ONNX Runtime's transformer optimizer (model_type bert): "
                "EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu"),
    "bert-eager.torchscript.dynamic.ort-optimized-fp16.onnx": (
        "ort-optimizer",
        _ort_optimized(None, "bert", float16=True, eager_export=(build_bert, "dynamic")),
        "bert", "as bert-eager.torchscript.dynamic.ort-optimized.onnx, then "
                "convert_float_to_float16(keep_io_types=True): float16 weights and "
                "fused ops, Cast nodes at the float32 outputs"),
    "gpt2.torchscript.static.ort-optimized.onnx": (
        "ort-optimizer", _ort_optimized("gpt2.torchscript.static.onnx", "gpt2"), "gpt2",
        "the corpus gpt2.torchscript.static.onnx through ONNX Runtime's transformer "
        "optimizer (model_type gpt2): SkipLayerNormalization, FastGelu"),
    "gpt2.torchscript.static.ort-optimized-fp16.onnx": (
        "ort-optimizer", _ort_optimized("gpt2.torchscript.static.onnx", "gpt2", float16=True),
        "gpt2", "as gpt2.torchscript.static.ort-optimized.onnx, then "
                "convert_float_to_float16(keep_io_types=True)"),
    "bert.torchscript.dynamic.ort-quantized-dynamic.onnx": (
        "ort-quantizer", _ort_quantized("bert.torchscript.dynamic.onnx"), "bert",
        "the corpus bert.torchscript.dynamic.onnx through ONNX Runtime's dynamic "
        "quantization: MatMulInteger on DynamicQuantizeLinear activations, uint8 "
        "embedding tables read through DequantizeLinear"),
    "bert.torchscript.static.ort-quantized-qoperator.onnx": (
        "ort-quantizer",
        _ort_quantized("bert.torchscript.static.onnx", "QOperator", ("MatMul",)),
        "bert", "the corpus bert.torchscript.static.onnx through ONNX Runtime's static "
                "quantization in operator form (MatMul only): QLinearMatMul between "
                "QuantizeLinear and DequantizeLinear"),
    "conv-lstm.torchscript.static.ort-quantized-dynamic.onnx": (
        "ort-quantizer",
        _ort_quantized("conv-lstm.torchscript.static.onnx", None, ("Conv", "MatMul")),
        "conv-lstm", "the corpus conv-lstm.torchscript.static.onnx through ONNX "
                     "Runtime's dynamic quantization of Conv and MatMul: ConvInteger, "
                     "MatMulInteger"),
    "resnet.dynamo.static.ort-quantized-qoperator.onnx": (
        "ort-quantizer",
        _ort_quantized("resnet.dynamo.static.onnx", "QOperator", ("Conv", "MatMul"),
                       per_channel=True),
        "resnet", "the corpus resnet.dynamo.static.onnx through ONNX Runtime's static "
                  "quantization in operator form, per-channel weights: QLinearConv"),
    "bert.torchscript.dynamic.ort-quantized-dynamic-fused.onnx": (
        "ort-quantizer",
        _ort_session_optimized("bert.torchscript.dynamic.ort-quantized-dynamic.onnx"),
        "bert", "the corpus bert.torchscript.dynamic.ort-quantized-dynamic.onnx as ONNX "
                "Runtime's session saves it after its extended optimizations: "
                "DynamicQuantizeMatMul, MatMulIntegerToFloat, FusedMatMul, Gelu, "
                "SkipLayerNormalization"),
    "mobilenet.dynamo.static.ort-quantized-qoperator.onnx": (
        "ort-quantizer", _ort_quantized("mobilenet.dynamo.static.onnx", "QOperator"),
        "mobilenet", "the corpus mobilenet.dynamo.static.onnx through ONNX Runtime's "
                     "static quantization in operator form, every operator type: "
                     "QLinearConv, com.microsoft QLinearAdd, QLinearMul and QGemm"),
    "resnet.dynamo.static.ort-quantized-qdq.onnx": (
        "ort-quantizer",
        _ort_quantized("resnet.dynamo.static.onnx", "QDQ", ("Conv", "MatMul")),
        "resnet", "the corpus resnet.dynamo.static.onnx through ONNX Runtime's static "
                  "quantization in QDQ form: Conv between QuantizeLinear/"
                  "DequantizeLinear pairs"),
    "sklearn-logreg.skl2onnx.onnx": (
        "sklearn", build_sklearn_logreg, "sklearn-logreg",
        "scikit-learn StandardScaler + LogisticRegression (8 features, 3 classes) "
        "through skl2onnx: Scaler, LinearClassifier, Normalizer, ZipMap "
        "(a sequence of maps output)"),
    "sklearn-mlp.skl2onnx.onnx": (
        "sklearn", build_sklearn_mlp, "sklearn-mlp",
        "scikit-learn StandardScaler + MLPClassifier (32 -> 128 -> 64 -> 4) through "
        "skl2onnx: MatMul/Add layers between Scaler and ArrayFeatureExtractor/ZipMap"),
    "sklearn-forest.skl2onnx.onnx": (
        "sklearn", build_sklearn_forest, "sklearn-forest",
        "scikit-learn RandomForestClassifier (5 trees, depth 4, string labels) "
        "through skl2onnx: TreeEnsembleClassifier, string label output, ZipMap "
        "with string keys"),
    "sklearn-boosting.skl2onnx.onnx": (
        "sklearn", build_sklearn_boosting, "sklearn-boosting",
        "scikit-learn GradientBoostingClassifier (10 trees, binary, string "
        "labels) through skl2onnx: TreeEnsembleClassifier in the binary form "
        "(one class's weights, LOGISTIC), string label output, ZipMap"),
    "sklearn-forest-regressor.skl2onnx.onnx": (
        "sklearn", build_sklearn_forest_regressor, "sklearn-forest-regressor",
        "scikit-learn Normalizer + RandomForestRegressor (4 trees, 2 targets) "
        "through skl2onnx: Normalizer, TreeEnsembleRegressor"),
    "loop-if.torchscript-scripted.dynamic.onnx": (
        "control-flow", build_scripted_loop_if, "loop-if",
        "torch.jit.script RNN-like module: Loop over the time dimension (Gemm "
        "layers inside the body, hidden states collected as a sequence) and a "
        "data-dependent If (a Gemm in each branch)"),
    "cond.dynamo.dynamic.onnx": (
        "control-flow", build_dynamo_cond, "cond",
        "torch.cond with a data-dependent predicate: If with a Gemm per branch, "
        "then a Linear head"),
    "keras-cnn.tf2onnx.dynamic.onnx": (
        "tf2onnx", build_keras_cnn, "keras-cnn",
        "Keras CNN (NHWC 16x16x3, Conv2D + BatchNormalization + pooling) + Dense "
        "64-64-10 through tf2onnx.convert.from_keras"),
    "mlp.handwritten-opset9.onnx": (
        "handwritten", build_handwritten_opset9, "handwritten-opset9",
        "handwritten old-opset (onnx.helper, opset 9, IR 4): Gemm MLP with "
        "Dropout-7, BatchNormalization-9, Unsqueeze/Squeeze-1, Upsample-9, Pad-2, "
        "Slice-1, Softmax-1 on 3-D"),
    "mlp.handwritten-opset11.onnx": (
        "handwritten", build_handwritten_opset11, "handwritten-opset11",
        "handwritten old-opset (onnx.helper, opset 11, IR 6): MatMul MLP with "
        "Softmax-11, Split-11, ReduceMean-11, Unsqueeze/Squeeze-11, Clip-11, "
        "Pad-11 reflect, Dropout-10"),
}

SECTIONS = ("torch", "ort-optimizer", "ort-quantizer", "sklearn", "control-flow", "tf2onnx",
            "handwritten")
# Sections whose builders need torch (the others run without it).
TORCH_SECTIONS = ("torch", "ort-optimizer", "control-flow")
# Exporter label in the manifest, per section.
SECTION_EXPORTER = {"ort-optimizer": "onnxruntime.transformers.optimizer",
                    "ort-quantizer": "onnxruntime.quantization",
                    "sklearn": "skl2onnx", "tf2onnx": "tf2onnx",
                    "handwritten": "handwritten old-opset (onnx.helper)"}


# --- export -------------------------------------------------------------------

def export_one(torch, module, inputs, dynamic, output_names, exporter, axes, path):
    args = tuple(tensor for _, tensor in inputs)
    input_names = [name for name, _ in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            dynamic_shapes = None
            if axes == "dynamic":
                dims = {}

                def dim(symbol):
                    if symbol not in dims:
                        # Sequences stay below the models' 128 positions.
                        maximum = 128 if symbol == "sequence" else 1024
                        dims[symbol] = torch.export.Dim(symbol, min=1, max=maximum)
                    return dims[symbol]

                dynamic_shapes = {
                    name: {axis: dim(symbol)
                           for axis, symbol in dynamic.get(name, {}).items()} or None
                    for name in input_names}
            program = torch.onnx.export(
                module, args, dynamo=True, input_names=input_names,
                output_names=output_names, dynamic_shapes=dynamic_shapes,
                external_data=False)
            # Saved in one file, weights inside.
            program.save(str(path), external_data=False)
        else:
            torch.onnx.export(
                module, args, str(path), dynamo=False,
                opset_version=TORCHSCRIPT_OPSET, input_names=input_names,
                output_names=output_names,
                dynamic_axes=dynamic if axes == "dynamic" else None)


def describe_file(onnx, path, axes):
    model = onnx.load(str(path))
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        raise RuntimeError("the file refers to external data")
    initializers = {t.name for t in model.graph.initializer}

    def dims(value_info):
        shape = []
        for d in value_info.type.tensor_type.shape.dim:
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            elif d.dim_param:
                shape.append(d.dim_param)
            else:
                shape.append(None)
        return shape

    def type_name(type_proto):
        """tensor(float), seq(map(int64,tensor(float))), ... of a non-tensor."""
        kind = type_proto.WhichOneof("value")
        if kind in ("tensor_type", "sparse_tensor_type"):
            elem = getattr(type_proto, kind).elem_type
            name = onnx.TensorProto.DataType.Name(elem).lower()
            return name if kind == "tensor_type" else f"sparse_tensor({name})"
        if kind == "sequence_type":
            return f"seq({type_name(type_proto.sequence_type.elem_type)})"
        if kind == "map_type":
            key = onnx.TensorProto.DataType.Name(type_proto.map_type.key_type).lower()
            return f"map({key},{type_name(type_proto.map_type.value_type)})"
        if kind == "optional_type":
            return f"optional({type_name(type_proto.optional_type.elem_type)})"
        return str(kind)

    def describe(value_info):
        if value_info.type.WhichOneof("value") == "tensor_type":
            return {"name": value_info.name,
                    "dtype": onnx.TensorProto.DataType.Name(
                        value_info.type.tensor_type.elem_type).lower(),
                    "shape": dims(value_info)}
        return {"name": value_info.name, "type": type_name(value_info.type)}

    inputs = []
    for value_info in model.graph.input:
        if value_info.name in initializers:
            continue
        described = describe(value_info)
        shape = described.get("shape", [])
        described["symbolic_dims"] = sorted({d for d in shape if isinstance(d, str)})
        inputs.append(described)
    outputs = [describe(v) for v in model.graph.output]
    opsets = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}

    def all_nodes(graph):
        for node in graph.node:
            yield node
            for attr in node.attribute:
                for sub in ([attr.g] if attr.type == onnx.AttributeProto.GRAPH else
                            attr.graphs if attr.type == onnx.AttributeProto.GRAPHS else []):
                    yield from all_nodes(sub)

    subgraph_ops = sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}"
                           for n in all_nodes(model.graph)} -
                          {f"{n.domain + '.' if n.domain else ''}{n.op_type}"
                           for n in model.graph.node})
    extra = {}
    if any(n.domain for n in model.graph.node):
        extra["op_types_by_domain"] = {
            (d or "ai.onnx"): sorted({n.op_type for n in model.graph.node if n.domain == d})
            for d in sorted({n.domain for n in model.graph.node})}
    if subgraph_ops:
        extra["subgraph_only_op_types"] = subgraph_ops
    initializer_types = sorted({onnx.TensorProto.DataType.Name(t.data_type).lower()
                                for t in model.graph.initializer})
    if initializer_types != ["float"] and initializer_types:
        extra["initializer_dtypes"] = initializer_types
    return model, {
        "opset": opsets.get("ai.onnx"),
        "opset_import": opsets,
        "ir_version": model.ir_version,
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "inputs": inputs,
        "outputs": outputs,
        "nodes": len(model.graph.node),
        "local_functions": len(model.functions),
        "op_types": sorted({n.op_type for n in model.graph.node}),
        "initializers": len(model.graph.initializer),
        "parameters": int(sum(_numel(t) for t in model.graph.initializer)),
        **extra,
    }


def _numel(tensor):
    n = 1
    for d in tensor.dims:
        n *= d
    return n


def verify(onnx, checker, path, entry, model):
    """onnx.checker, then one ONNX Runtime run on check_corpus.py's inputs."""
    onnx.checker.check_model(str(path))
    try:
        onnx.checker.check_model(str(path), full_check=True)
        entry["full_check"] = "ok"
    except Exception as error:  # recorded; check_corpus.py needs it on outputs only
        entry["full_check"] = f"failed: {str(error).strip().splitlines()[0]}"
    feeds = checker.make_feeds(model, entry, path.stem)
    names, values = checker.run_model(path, feeds)
    entry["checked_with"] = {name: list(value.shape) for name, value in feeds.items()}
    import numpy as np
    entry["output_shapes"] = {
        name: (list(v.shape) if isinstance(v, np.ndarray) else
               f"{type(v).__name__} of {len(v)}" if isinstance(v, (list, tuple, dict)) else
               type(v).__name__)
        for name, v in zip(names, values)}
    if not all(np.all(np.isfinite(v)) for v in values
               if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)):
        raise RuntimeError("ONNX Runtime gives non-finite outputs")


def _optional_versions(versions):
    """Versions of the other producers' packages, where installed."""
    from importlib import metadata
    for distribution in ("scikit-learn", "skl2onnx", "tensorflow-cpu", "tensorflow",
                         "keras", "tf2onnx"):
        try:
            versions[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "test" / "corpus"),
                        help="corpus folder: models/ and MANIFEST.json go there")
    parser.add_argument("--filter", default=None,
                        help="only files whose name contains this (the manifest "
                             "keeps the other entries)")
    parser.add_argument("--section", action="append", choices=SECTIONS,
                        help="only this section (repeatable; the manifest keeps "
                             "the other entries): " + ", ".join(SECTIONS))
    parser.add_argument("--list", action="store_true", help="list the files and exit")
    args = parser.parse_args()

    # (section, name, run): run(ctx, path, entry) fills the entry and writes
    # the file.
    plan = []
    for arch, (builder, library, description, variants) in ARCHITECTURES.items():
        for exporter, axes in variants:
            name = f"{arch}.{exporter}.{axes}.onnx"
            plan.append(("torch", name, _torch_item(arch, builder, library, description,
                                                    exporter, axes, name)))
    for name, (section, builder, arch, description) in OTHER_MODELS.items():
        plan.append((section, name, _other_item(section, builder, arch, description, name)))
    order = {name: i for i, (_, name, _) in enumerate(plan)}
    if args.section:
        plan = [p for p in plan if p[0] in args.section]
    if args.filter:
        plan = [p for p in plan if args.filter in p[1]]
    if args.list:
        for section, name, _ in plan:
            print(f"{section:14} {name}")
        return 0

    import numpy
    import onnx
    import onnxruntime
    torch = torchvision = transformers = onnxscript = None
    if any(section in TORCH_SECTIONS for section, _, _ in plan):
        import onnxscript
        import torch
        import torchvision
        import transformers
        transformers.logging.set_verbosity_error()
    checker = _load_checker()
    out = pathlib.Path(args.out).resolve()
    models_dir = out / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "MANIFEST.json"
    previous = {}
    previous_versions = {}
    if (args.filter or args.section) and manifest_path.exists():
        previous_manifest = json.loads(manifest_path.read_text())
        previous = {e["name"]: e for e in previous_manifest["models"]}
        previous_versions = previous_manifest.get("versions", {})

    # Libraries this run did not import keep the versions of the run that
    # wrote the other entries.
    versions = dict(previous_versions)
    versions.update({
        "python": platform.python_version(),
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": numpy.__version__,
    })
    for library in (torch, torchvision, transformers, onnxscript):
        if library is not None:
            versions[library.__name__] = library.__version__
    _optional_versions(versions)
    entries = dict(previous)
    ctx = {"torch": torch, "torchvision": torchvision, "transformers": transformers,
           "onnxscript": onnxscript, "onnx": onnx, "models_dir": models_dir,
           "entries": entries, "checker": checker,
           "libraries": {"torch": torch, "torchvision": torchvision,
                         "transformers": transformers}}
    for section, name, run in plan:
        path = models_dir / name
        entry = {"name": name, "file": f"models/{name}"}
        print(f"{name}: ", end="", flush=True)
        if path.exists():
            path.unlink()
        try:
            axes = run(ctx, path.resolve(), entry)
        except Exception as error:
            entry["status"] = "export-failed"
            entry["error"] = _short_error(error)
            entry["traceback_tail"] = traceback.format_exc().strip().splitlines()[-6:]
            print(f"EXPORT FAILED: {entry['error']}")
            if path.exists():
                path.unlink()
            entries[name] = entry
            continue
        try:
            model, facts = describe_file(onnx, path, axes)
            entry.update(facts)
            for inp in entry["inputs"]:
                example = next((e for e in entry.get("example_inputs", [])
                                if e["name"] == inp["name"]), None)
                if example:
                    inp["example_shape"] = example["shape"]
                if axes == "static":
                    inp["static_shape"] = inp["shape"]
            if "section" in entry:
                # A converter's own dimension names (tf2onnx's unk__N) are
                # checked at the example's size; batch and sequence names
                # keep check_corpus.py's sizes.
                sizes = {}
                for inp in entry["inputs"]:
                    for dim, size in zip(inp.get("shape", []), inp.get("example_shape", [])):
                        if (isinstance(dim, str) and isinstance(size, int) and not any(
                                word in dim.lower()
                                for word in ("batch", "seq", "length", "time"))):
                            sizes[dim] = size
                if sizes:
                    entry["symbol_sizes"] = sizes
            entry["size_bytes"] = path.stat().st_size
            if entry["size_bytes"] > MAX_FILE_BYTES:
                raise RuntimeError(f"{entry['size_bytes']} bytes, over the "
                                   f"{MAX_FILE_BYTES} of a corpus file")
            verify(onnx, checker, path, entry, model)
        except Exception as error:
            entry["status"] = "verify-failed"
            entry["error"] = _short_error(error)
            entry["rejected_size_bytes"] = path.stat().st_size if path.exists() else None
            entry.pop("size_bytes", None)
            print(f"VERIFY FAILED: {entry['error']}")
            if path.exists():
                path.unlink()
            entries[name] = entry
            continue
        entry["status"] = "ok"
        entries[name] = entry
        print(f"ok, opset {entry['opset']}, ir {entry['ir_version']}, "
              f"{entry['nodes']} nodes, {entry['size_bytes']} bytes")

    models = sorted(entries.values(), key=lambda e: order.get(e["name"], 1 << 30))
    ok = [m for m in models if m.get("status") == "ok"]
    manifest = {
        "description": "Small randomly initialised ONNX models: PyTorch's exporters "
                       "(dynamo and TorchScript), ONNX Runtime's transformer optimizer "
                       "(com.microsoft fused ops, float16) and quantizer (integer and "
                       "QLinear ops, QDQ pairs), scikit-learn through "
                       "skl2onnx (ai.onnx.ml), control flow (If, Loop, sequences), "
                       "Keras through tf2onnx and handwritten old-opset graphs; "
                       "written by scripts/export-corpus.py, checked by "
                       "test/corpus/check_corpus.py.",
        "generated": datetime.date.today().isoformat(),
        "versions": versions,
        "torchscript_opset": TORCHSCRIPT_OPSET,
        "symbol_sizes_in_check": {"batch": checker.BATCH, "sequence": checker.SEQUENCE,
                                  "other": checker.OTHER},
        "total_size_bytes": sum(m["size_bytes"] for m in ok),
        "counts": {"ok": len(ok), "failed": len(models) - len(ok)},
        "models": models,
    }
    if manifest["total_size_bytes"] > MAX_CORPUS_BYTES:
        print(f"warning: the corpus is {manifest['total_size_bytes']} bytes, over "
              f"{MAX_CORPUS_BYTES}", file=sys.stderr)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{len(ok)} files, {manifest['total_size_bytes']} bytes; "
          f"{len(models) - len(ok)} failed; manifest {manifest_path}")
    return 0


def _torch_item(arch, builder, library, description, exporter, axes, name):
    """A PyTorch export of ARCHITECTURES: fills the entry, writes the file,
    returns the axes ("dynamic" or "static")."""

    def run(ctx, path, entry):
        torch = ctx["torch"]
        entry.update({
            "architecture": arch,
            "description": description,
            "exporter": exporter,
            "export_call": ("torch.onnx.export(dynamo=True), default opset"
                            if exporter == "dynamo" else
                            f"torch.onnx.export(dynamo=False, opset_version={TORCHSCRIPT_OPSET})"),
            "axes": axes,
            "seed": 0,
        })
        torch.manual_seed(0)
        module, inputs, dynamic, output_names = builder(torch, ctx["libraries"][library])
        module.eval()
        entry["example_inputs"] = [
            {"name": n, "dtype": str(t.dtype).replace("torch.", ""),
             "shape": list(t.shape)} for n, t in inputs]
        entry["dynamic_axes"] = ({n: {str(a): s for a, s in d.items()}
                                  for n, d in dynamic.items()}
                                 if axes == "dynamic" else {})
        with torch.no_grad():
            with tempfile.TemporaryDirectory() as scratch:
                cwd = os.getcwd()
                os.chdir(scratch)  # the dynamo exporter's stray reports
                log = io.StringIO()
                try:
                    with contextlib.redirect_stdout(log):
                        export_one(torch, module, inputs, dynamic,
                                   output_names, exporter, axes, path)
                finally:
                    os.chdir(cwd)
        return axes

    return run


def _other_item(section, builder, arch, description, name):
    """A model of OTHER_MODELS: the builder writes the file; its fields go
    into the entry. Static when no input has a symbolic or unnamed
    dimension (decided from the file)."""

    def run(ctx, path, entry):
        entry.update({
            "architecture": arch,
            "description": description,
            "section": section,
            "exporter": SECTION_EXPORTER.get(section, section),
            "seed": 0,
        })
        fields = builder(path, ctx)
        entry.update(fields)
        import onnx
        model = onnx.load(str(path), load_external_data=False)
        initializers = {t.name for t in model.graph.initializer}
        dynamic = any(
            not d.HasField("dim_value")
            for v in model.graph.input if v.name not in initializers
            for d in v.type.tensor_type.shape.dim)
        entry["axes"] = "dynamic" if dynamic else "static"
        return entry["axes"]

    return run


def _short_error(error):
    text = str(error).strip() or type(error).__name__
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else text
    return f"{type(error).__name__}: {first[:400]}"


if __name__ == "__main__":
    sys.exit(main())
