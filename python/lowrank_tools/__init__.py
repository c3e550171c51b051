"""Python tools around lowrank-opt: calibration statistics (capture.py,
lrstats.py), compression sweeps and their evaluation in ONNX Runtime
(sweep.py, evaluate.py), plots (plot.py), and model converters (models/)."""
