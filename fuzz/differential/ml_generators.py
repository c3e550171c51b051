"""Generators of ai.onnx.ml nodes for the differential fuzzer: the forms
scikit-learn converters write (Scaler, Normalizer, Binarizer,
ArrayFeatureExtractor, LinearClassifier, LinearRegressor, random tree
ensembles, Imputer and the integer encoders), with integer class labels; lowrank-opt expands them into
default-domain nodes for compilation. Each takes the GraphBuilder of
differential_fuzz.py and the operator name."""

import numpy as np

ML = "ai.onnx.ml"
ML_INPUT_TYPES = ("float32", "float32", "float32", "float64", "int64", "int32")
TRANSFORMS = ("NONE", "NONE", "LOGISTIC", "SOFTMAX")
MODES = ("BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE",
         "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ")


def gen_scaler(b, _op):
    x = b.pick(ML_INPUT_TYPES, min_rank=1, max_rank=2)
    count = 1 if b.chance(0.3) else x.shape[-1]
    scale = [float(v) for v in b.rng.uniform(-2.0, 2.0, count)]
    offset = [float(v) for v in b.rng.integers(-4, 5, count) * 0.25]
    b.add_node("Scaler", [x], {"scale": scale, "offset": offset}, domain=ML)


def gen_normalizer(b, _op):
    x = b.pick(ML_INPUT_TYPES, min_rank=1, max_rank=2)
    b.add_node("Normalizer", [x], {"norm": b.choice(["MAX", "L1", "L2"])}, domain=ML)


def gen_binarizer(b, _op):
    x = b.pick(("float32", "float64", "int64", "int32"), min_rank=0, max_rank=3)
    b.add_node("Binarizer", [x], {"threshold": float(b.rng.integers(-4, 5) * 0.25)},
               domain=ML)


def gen_array_feature_extractor(b, _op):
    x = b.pick(("float32", "float64", "int64", "int32"), min_rank=1, max_rank=3)
    count = int(b.rng.integers(1, 4))
    indices = b.int_constant(b.rng.integers(0, x.shape[-1], count))
    b.add_node("ArrayFeatureExtractor", [x, indices], domain=ML)


def _matrix_input(b):
    return b.pick(ML_INPUT_TYPES, min_rank=2, max_rank=2)


def gen_linear_classifier(b, _op):
    x = _matrix_input(b)
    features = x.shape[1]
    targets = int(b.choice([1, 2, 3, 4]))
    attrs = {
        "coefficients": [float(v) for v in b.rng.standard_normal(targets * features)],
        "intercepts": [float(v) for v in b.rng.standard_normal(targets)],
        "post_transform": b.choice(TRANSFORMS[:3] if targets == 1 else TRANSFORMS),
    }
    labels = targets if targets > 1 else int(b.choice([0, 2]))
    if labels:
        attrs["classlabels_ints"] = [int(v) for v in b.rng.permutation(10)[:labels]]
    b.add_node("LinearClassifier", [x], attrs, num_outputs=2, domain=ML)


def gen_linear_regressor(b, _op):
    x = _matrix_input(b)
    targets = int(b.rng.integers(1, 4))
    attrs = {"coefficients": [float(v) for v in
                              b.rng.standard_normal(targets * x.shape[1])],
             "targets": targets}
    if b.chance(0.7):
        attrs["intercepts"] = [float(v) for v in b.rng.standard_normal(targets)]
    b.add_node("LinearRegressor", [x], attrs, domain=ML)


def _random_trees(b, features, trees):
    """nodes_* attributes of `trees` random trees of depth 1 to 3 and their
    leaves as (tree, node) pairs."""
    attrs = {key: [] for key in ("nodes_treeids", "nodes_nodeids", "nodes_featureids",
                                 "nodes_values", "nodes_modes", "nodes_truenodeids",
                                 "nodes_falsenodeids", "nodes_missing_value_tracks_true")}
    leaves = []
    for tree in range(trees):
        depth = int(b.rng.integers(1, 4))
        pending, next_id = [(0, 0)], 1
        while pending:
            node, level = pending.pop()
            leaf = level == depth or (level > 0 and b.chance(0.25))
            attrs["nodes_treeids"].append(tree)
            attrs["nodes_nodeids"].append(node)
            if leaf:
                for key, value in (("nodes_featureids", 0), ("nodes_values", 0.0),
                                   ("nodes_modes", "LEAF"), ("nodes_truenodeids", 0),
                                   ("nodes_falsenodeids", 0),
                                   ("nodes_missing_value_tracks_true", 0)):
                    attrs[key].append(value)
                leaves.append((tree, node))
                continue
            yes, no = next_id, next_id + 1
            next_id += 2
            attrs["nodes_featureids"].append(int(b.rng.integers(0, features)))
            # Thresholds on the grid of the inputs' quarters: equal values.
            attrs["nodes_values"].append(float(b.rng.integers(-8, 9) * 0.25))
            attrs["nodes_modes"].append(b.choice(MODES))
            attrs["nodes_truenodeids"].append(yes)
            attrs["nodes_falsenodeids"].append(no)
            attrs["nodes_missing_value_tracks_true"].append(int(b.chance(0.3)))
            pending += [(yes, level + 1), (no, level + 1)]
    return attrs, leaves


def gen_tree_ensemble_classifier(b, _op):
    x = _matrix_input(b)
    attrs, leaves = _random_trees(b, x.shape[1], int(b.rng.integers(1, 5)))
    binary = b.chance(0.3)
    classes = 2 if binary else int(b.rng.integers(3, 5))
    weights = []
    for tree, node in leaves:
        for c in ([0] if binary else range(classes)):
            if not binary and b.chance(0.1):
                continue  # a class without a weight at this leaf
            value = b.rng.uniform(0.0, 1.0) if binary and b.chance(0.5) \
                else b.rng.uniform(-1.0, 1.0)
            weights.append((tree, node, c, float(value)))
    attrs.update({
        "class_treeids": [w[0] for w in weights], "class_nodeids": [w[1] for w in weights],
        "class_ids": [w[2] for w in weights], "class_weights": [w[3] for w in weights],
        "classlabels_int64s": [int(v) for v in b.rng.permutation(10)[:classes]],
        "post_transform": b.choice(TRANSFORMS),
    })
    if binary and b.chance(0.5):
        attrs["base_values"] = [float(b.rng.uniform(-0.5, 0.5))]
    elif not binary and b.chance(0.5):
        attrs["base_values"] = [float(v) for v in b.rng.uniform(-0.5, 0.5, classes)]
    b.add_node("TreeEnsembleClassifier", [x], attrs, num_outputs=2, domain=ML)


def gen_tree_ensemble_regressor(b, _op):
    x = _matrix_input(b)
    trees = int(b.rng.integers(1, 5))
    attrs, leaves = _random_trees(b, x.shape[1], trees)
    targets = int(b.rng.integers(1, 3))
    weights = [(tree, node, t, float(b.rng.uniform(-2.0, 2.0)))
               for tree, node in leaves for t in range(targets)]
    attrs.update({
        "target_treeids": [w[0] for w in weights], "target_nodeids": [w[1] for w in weights],
        "target_ids": [w[2] for w in weights], "target_weights": [w[3] for w in weights],
        "n_targets": targets,
        "aggregate_function": b.choice(["SUM", "SUM", "AVERAGE", "MIN", "MAX"]),
    })
    if b.chance(0.5):
        attrs["base_values"] = [float(v) for v in b.rng.uniform(-1.0, 1.0, targets)]
    b.add_node("TreeEnsembleRegressor", [x], attrs, domain=ML)


def gen_imputer(b, _op):
    x = b.pick(("float32", "int64"), min_rank=1, max_rank=2)
    count = 1 if b.chance(0.4) else x.shape[-1]
    if x.dtype == "float32":
        attrs = {"imputed_value_floats": [float(v) for v in b.rng.uniform(-3, 3, count)],
                 "replaced_value_float": float("nan") if b.chance(0.3)
                 else float(b.rng.integers(-4, 5) * 0.25)}
    else:
        attrs = {"imputed_value_int64s": [int(v) for v in b.rng.integers(-9, 10, count)],
                 "replaced_value_int64": int(b.rng.integers(-3, 4))}
    b.add_node("Imputer", [x], attrs, domain=ML)


def gen_one_hot_encoder(b, _op):
    x = b.pick(("int64", "int32", "float32"), min_rank=1, max_rank=3)
    categories = sorted({int(v) for v in b.rng.integers(-4, 5, int(b.rng.integers(1, 5)))})
    b.add_node("OneHotEncoder", [x], {"cats_int64s": categories}, domain=ML)


def gen_label_encoder(b, _op):
    x = b.pick(("int64",), min_rank=0, max_rank=3)
    keys = [int(v) for v in b.rng.permutation(np.arange(-4, 5))[:int(b.rng.integers(1, 5))]]
    if b.chance(0.5):
        attrs = {"values_int64s": [int(v) for v in b.rng.integers(-50, 50, len(keys))],
                 "default_int64": int(b.rng.integers(-3, 3))}
    else:
        attrs = {"values_floats": [float(v) for v in b.rng.uniform(-2, 2, len(keys))],
                 "default_float": float(b.rng.uniform(-2, 2))}
    b.add_node("LabelEncoder", [x], {"keys_int64s": keys, **attrs}, domain=ML)


# name: (generator, first default-domain opset, weight). The expansion
# writes opset 13 nodes, so the generated graphs are at 13 or later.
ML_GENERATORS = {
    "Scaler": (gen_scaler, 13, 0.6),
    "Normalizer": (gen_normalizer, 13, 0.4),
    "Binarizer": (gen_binarizer, 13, 0.3),
    "ArrayFeatureExtractor": (gen_array_feature_extractor, 13, 0.4),
    "LinearClassifier": (gen_linear_classifier, 13, 0.6),
    "LinearRegressor": (gen_linear_regressor, 13, 0.4),
    "TreeEnsembleClassifier": (gen_tree_ensemble_classifier, 13, 0.8),
    "TreeEnsembleRegressor": (gen_tree_ensemble_regressor, 13, 0.6),
    "Imputer": (gen_imputer, 13, 0.4),
    "OneHotEncoder": (gen_one_hot_encoder, 13, 0.3),
    "LabelEncoder": (gen_label_encoder, 13, 0.3),
}
