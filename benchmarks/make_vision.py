"""Writes torchvision's ResNet-18 and MobileNetV3 (large) as ONNX, with
random weights (seed 0; nothing is downloaded) and a static input of
shape [1, 3, 224, 224] named `images`, output `logits`.

Needs torch and torchvision, which the project's own environment does not
carry: run it with the interpreter of the corpus exporter's environment
(see scripts/export-corpus.py), e.g.

    /opt/corpus-venv/bin/python benchmarks/make_vision.py --out DIR

The models are exported with the TorchScript exporter (dynamo=False) at
opset 17, in evaluation mode, so that BatchNormalization follows each
convolution as exporters write it.
"""

import argparse
import pathlib

import torch
import torchvision

MODELS = {
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
    "mobilenet_v3": lambda: torchvision.models.mobilenet_v3_large(weights=None),
}


def export(name, path, size=224):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    images = torch.randn(1, 3, size, size,
                         generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.onnx.export(model, (images,), str(path), input_names=["images"],
                          output_names=["logits"], opset_version=17,
                          dynamo=False, do_constant_folding=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.models.split(","):
        export(name, out / f"{name}.onnx")
        print(out / f"{name}.onnx")


if __name__ == "__main__":
    main()
