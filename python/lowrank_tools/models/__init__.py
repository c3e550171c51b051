"""Converters of real models to ONNX, from weights installed with pip."""
