#!/usr/bin/env python3
"""Handwritten models of ai.onnx.ml operators in forms converters write and
some they rarely do, with inputs, for test/Import/traditional-ml.test:

- trees.onnx: TreeEnsembleClassifier (3 integer classes, SOFTMAX) whose
  two trees use every branch mode, send NaN to the true child at some
  nodes, and leave one class without a weight at some leaves; opset 9, so
  the model is converted before the expansion.
- regressors.onnx: TreeEnsembleRegressor with AVERAGE and base values, and
  one with MAX, over 2 targets.
- linear.onnx: Scaler (one value for all features), LinearClassifier with
  one score and two string labels (scores [1 - s, s]), Normalizer MAX and
  L2 over rows that include a zero row, LinearRegressor.
- preprocess.onnx: Imputer (NaN per feature, an int64 value), OneHotEncoder
  and LabelEncoder of integers, FeatureVectorizer.
- probit.onnx: a LinearClassifier with PROBIT, which is not expanded.

Usage: make_traditional_ml_models.py OUT"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
ML = "ai.onnx.ml"


def save(name, nodes, inputs, outputs, opset=17, ml_opset=1):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", opset), helper.make_opsetid(ML, ml_opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


def info(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


# Tree 0: node 0 x0 <= 0.5 (NaN -> true) ? 1 : 2; node 1 x1 < 0 ? 3 : 4;
# node 2 x2 >= 1 ? 5 : 6; leaves 3..6. Tree 1: node 0 x3 == 2 ? 1 : 2;
# node 1 leaf; node 2 x1 != 0 (NaN -> true) ? 3 : 4; node 3 x0 > -1 ? 5 : 6.
nodes = [
    (0, 0, 0, 0.5, "BRANCH_LEQ", 1, 2, 1), (0, 1, 1, 0.0, "BRANCH_LT", 3, 4, 0),
    (0, 2, 2, 1.0, "BRANCH_GTE", 5, 6, 0), (0, 3, 0, 0, "LEAF", 0, 0, 0),
    (0, 4, 0, 0, "LEAF", 0, 0, 0), (0, 5, 0, 0, "LEAF", 0, 0, 0),
    (0, 6, 0, 0, "LEAF", 0, 0, 0),
    (1, 0, 3, 2.0, "BRANCH_EQ", 1, 2, 0), (1, 1, 0, 0, "LEAF", 0, 0, 0),
    (1, 2, 1, 0.0, "BRANCH_NEQ", 3, 4, 1), (1, 3, 0, -1.0, "BRANCH_GT", 5, 6, 0),
    (1, 4, 0, 0, "LEAF", 0, 0, 0), (1, 5, 0, 0, "LEAF", 0, 0, 0),
    (1, 6, 0, 0, "LEAF", 0, 0, 0),
]
leaves = [(0, 3), (0, 4), (0, 5), (0, 6), (1, 1), (1, 4), (1, 5), (1, 6)]
rng = np.random.default_rng(0)
class_entries = []
for tree, node in leaves:
    for c in range(3):
        if (tree, node, c) in ((0, 4, 2), (1, 5, 0)):
            continue  # no weight for this class at this leaf
        class_entries.append((tree, node, c, float(rng.uniform(-1, 1))))


def tree_attrs():
    return dict(
        nodes_treeids=[n[0] for n in nodes], nodes_nodeids=[n[1] for n in nodes],
        nodes_featureids=[n[2] for n in nodes], nodes_values=[n[3] for n in nodes],
        nodes_modes=[n[4] for n in nodes], nodes_truenodeids=[n[5] for n in nodes],
        nodes_falsenodeids=[n[6] for n in nodes],
        nodes_missing_value_tracks_true=[n[7] for n in nodes])


save("trees", [helper.make_node(
    "TreeEnsembleClassifier", ["x"], ["label", "scores"], domain=ML,
    classlabels_int64s=[10, 20, 30], post_transform="SOFTMAX",
    class_treeids=[e[0] for e in class_entries],
    class_nodeids=[e[1] for e in class_entries],
    class_ids=[e[2] for e in class_entries],
    class_weights=[e[3] for e in class_entries], **tree_attrs())],
    [info("x", TensorProto.FLOAT, ["n", 4])],
    [info("label", TensorProto.INT64, ["n"]), info("scores", TensorProto.FLOAT, ["n", 3])],
    opset=9)

target_entries = [(t, n, k, float(rng.uniform(-2, 2))) for t, n in leaves for k in range(2)]


def regressor(output, aggregate, base):
    extra = {"base_values": base} if base else {}
    return helper.make_node(
        "TreeEnsembleRegressor", ["x"], [output], domain=ML, n_targets=2,
        aggregate_function=aggregate,
        target_treeids=[e[0] for e in target_entries],
        target_nodeids=[e[1] for e in target_entries],
        target_ids=[e[2] for e in target_entries],
        target_weights=[e[3] for e in target_entries], **extra, **tree_attrs())


save("regressors", [regressor("average", "AVERAGE", [0.25, -1.5]),
                    regressor("maximum", "MAX", None)],
     [info("x", TensorProto.FLOAT, ["n", 4])],
     [info("average", TensorProto.FLOAT, ["n", 2]),
      info("maximum", TensorProto.FLOAT, ["n", 2])])

save("linear", [
    helper.make_node("Scaler", ["x"], ["scaled"], domain=ML, offset=[0.5], scale=[2.0]),
    helper.make_node("LinearClassifier", ["scaled"], ["label", "binary"], domain=ML,
                     coefficients=[0.5, -1.0, 0.25, 2.0], intercepts=[0.1],
                     classlabels_strings=["no", "yes"], post_transform="LOGISTIC"),
    helper.make_node("Normalizer", ["x"], ["by_max"], domain=ML, norm="MAX"),
    helper.make_node("Normalizer", ["x"], ["by_l2"], domain=ML, norm="L2"),
    helper.make_node("LinearRegressor", ["x"], ["regressed"], domain=ML,
                     coefficients=[1.0, 2.0, 3.0, 4.0, -1.0, 0.0, 1.0, 0.0], intercepts=[0.5, -0.5],
                     targets=2),
], [info("x", TensorProto.FLOAT, ["n", 4])],
    [info("label", TensorProto.STRING, ["n"]), info("binary", TensorProto.FLOAT, ["n", 2]),
     info("by_max", TensorProto.FLOAT, ["n", 4]), info("by_l2", TensorProto.FLOAT, ["n", 4]),
     info("regressed", TensorProto.FLOAT, ["n", 2])])

save("preprocess", [
    helper.make_node("Imputer", ["x"], ["imputed"], domain=ML,
                     imputed_value_floats=[10.0, 20.0, 30.0, 40.0],
                     replaced_value_float=float("nan")),
    helper.make_node("Imputer", ["ids"], ["imputed_ids"], domain=ML,
                     imputed_value_int64s=[100], replaced_value_int64=7),
    helper.make_node("OneHotEncoder", ["ids"], ["onehot"], domain=ML, cats_int64s=[1, 5, 7]),
    helper.make_node("LabelEncoder", ["ids"], ["labels"], domain=ML,
                     keys_int64s=[1, 5, 7], values_floats=[0.5, 1.5, 2.5], default_float=-9.0),
    helper.make_node("FeatureVectorizer", ["imputed", "x"], ["features"], domain=ML,
                     inputdimensions=[4, 4]),
], [info("x", TensorProto.FLOAT, ["n", 4]), info("ids", TensorProto.INT64, ["n", 3])],
    [info("imputed_ids", TensorProto.INT64, ["n", 3]),
     info("onehot", TensorProto.FLOAT, ["n", 3, 3]),
     info("labels", TensorProto.FLOAT, ["n", 3]),
     info("features", TensorProto.FLOAT, ["n", 8])], opset=17, ml_opset=2)

save("probit", [helper.make_node(
    "LinearClassifier", ["x"], ["label", "scores"], domain=ML,
    coefficients=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], intercepts=[0.0, 1.0],
    classlabels_ints=[0, 1], post_transform="PROBIT")],
    [info("x", TensorProto.FLOAT, ["n", 4])],
    [info("label", TensorProto.INT64, ["n"]), info("scores", TensorProto.FLOAT, ["n", 2])])

# Rows that reach every path: thresholds hit exactly, NaN at the tracking
# nodes and elsewhere, a zero row.
x = rng.standard_normal((12, 4)).astype(np.float32)
x[0] = [0.5, 0.0, 1.0, 2.0]
x[1] = [np.nan, -1.0, 0.0, 2.0]
x[2] = [0.7, np.nan, 3.0, 1.0]
x[3] = [0.0, 0.0, 0.0, 0.0]
x[4] = [-1.0, 0.0, 1.0, 2.5]
np.save(os.path.join(out, "x.npy"), x)
ids = rng.integers(0, 9, (12, 3)).astype(np.int64)
ids[0] = [1, 5, 7]
np.save(os.path.join(out, "ids.npy"), ids)
