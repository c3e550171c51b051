#!/usr/bin/env python3
"""LSTM, GRU and RNN nodes of several opsets for the recurrent import test
(test/Import/recurrent.test). Usage: make_recurrent_models.py OUT_DIR"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
f32 = TensorProto.FLOAT
rng = np.random.default_rng(0)
seq, batch, inputs, hidden = 4, 2, 3, 5


def weights(name, gates, directions, columns):
    array = rng.standard_normal((directions, gates * hidden, columns))
    return numpy_helper.from_array(array.astype(np.float32), name)


def save(name, op_type, opset, gates, directions=1, outputs=("Y", "Y_h"),
         **attributes):
    node = helper.make_node(op_type, ["X", "W", "R"], list(outputs),
                            name=name, hidden_size=hidden, **attributes)
    shapes = {"Y": [seq, directions, batch, hidden],
              "Y_h": [directions, batch, hidden],
              "Y_c": [directions, batch, hidden]}
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("X", f32, [seq, batch, inputs])],
        [helper.make_tensor_value_info(o, f32, shapes[o]) for o in outputs
         if o],
        [weights("W", gates, directions, inputs),
         weights("R", gates, directions, hidden)])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


# Opset 7: the modelled form without `layout`; named activations with
# parameters.
save("lstm_opset7", "LSTM", 7, 4, directions=2,
     outputs=("", "Y_h", "Y_c"), direction="bidirectional",
     activations=["HardSigmoid", "Tanh", "Tanh", "Sigmoid", "Relu", "Tanh"],
     activation_alpha=[0.3], activation_beta=[0.4], clip=2.0)
save("gru_opset14", "GRU", 14, 3, linear_before_reset=1,
     direction="reverse")
save("rnn_opset22", "RNN", 22, 1, activations=["Relu"])
# Opset 1 has `output_sequence`: not modelled.
save("rnn_opset1", "RNN", 1, 1)
# An activation ONNX does not define: refused by the verifier.
save("gru_bad_activation", "GRU", 14, 3, activations=["Sigmoid", "Swish"])
