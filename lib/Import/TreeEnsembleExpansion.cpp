//===- TreeEnsembleExpansion.cpp - ai.onnx.ml tree ensembles, expanded ----===//
//
// TreeEnsembleClassifier and TreeEnsembleRegressor (versions 1 and 3) walk
// every tree at once, one step per level of the deepest tree: each step
// gathers the current nodes' features, thresholds and children (leaves lead
// to themselves), so after the last step every tree stands at its leaf,
// whose weights are gathered and reduced over the trees. The forms are
// those of TraditionalMLExpansion.cpp's overview.
//
//===----------------------------------------------------------------------===//

#include "TraditionalMLNodes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

#include <cmath>
#include <limits>

using namespace llvm;

namespace lowrank::ml {
namespace {

/// Deepest tree walked (steps of the expanded walk).
constexpr int64_t kMaxTreeDepth = 4096;

//===----------------------------------------------------------------------===//
// Tree ensembles
//===----------------------------------------------------------------------===//

enum class NodeMode : int64_t { LEQ, LT, GTE, GT, EQ, NEQ, Leaf };

std::optional<NodeMode> parseMode(StringRef mode) {
  return StringSwitch<std::optional<NodeMode>>(mode)
      .Case("BRANCH_LEQ", NodeMode::LEQ)
      .Case("BRANCH_LT", NodeMode::LT)
      .Case("BRANCH_GTE", NodeMode::GTE)
      .Case("BRANCH_GT", NodeMode::GT)
      .Case("BRANCH_EQ", NodeMode::EQ)
      .Case("BRANCH_NEQ", NodeMode::NEQ)
      .Case("LEAF", NodeMode::Leaf)
      .Default(std::nullopt);
}

/// All trees' nodes, numbered 0..M-1 across trees; leaves lead to
/// themselves.
struct TreeTables {
  std::vector<int64_t> feature, trueChild, falseChild, modes, roots;
  std::vector<float> threshold;
  std::vector<bool> missingTrue, isLeaf;
  std::vector<std::pair<int64_t, int64_t>> ids; // (tree, node)
  DenseMap<std::pair<int64_t, int64_t>, int64_t> index;
  int64_t depth = 0;
  bool anyMissingTrue = false;
  SmallVector<NodeMode> usedModes;

  size_t size() const { return feature.size(); }
};

/// Reads and checks the nodes_* attributes; nullopt when they are
/// inconsistent or use what the expansion does not cover.
std::optional<TreeTables> readTrees(const FusedNode &f, int64_t features,
                                    std::string &why) {
  if (f.attr("nodes_values_as_tensor") || f.attr("base_values_as_tensor") ||
      f.attr("class_weights_as_tensor") || f.attr("target_weights_as_tensor"))
    return refuse(why,
                  "tensor-valued attributes (*_as_tensor) are not compiled");
  std::vector<int64_t> treeIds = getInts(f, "nodes_treeids");
  std::vector<int64_t> nodeIds = getInts(f, "nodes_nodeids");
  std::vector<int64_t> featureIds = getInts(f, "nodes_featureids");
  std::vector<float> values = getFloats(f, "nodes_values");
  std::vector<std::string> modes = getStrings(f, "nodes_modes");
  std::vector<int64_t> trueIds = getInts(f, "nodes_truenodeids");
  std::vector<int64_t> falseIds = getInts(f, "nodes_falsenodeids");
  std::vector<int64_t> missing = getInts(f, "nodes_missing_value_tracks_true");
  size_t n = nodeIds.size();
  if (n == 0 || treeIds.size() != n || featureIds.size() != n ||
      values.size() != n || modes.size() != n || trueIds.size() != n ||
      falseIds.size() != n || (!missing.empty() && missing.size() != n))
    return refuse(why, "the nodes_* attributes are empty or differ in length");

  TreeTables t;
  t.ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!t.index.try_emplace({treeIds[i], nodeIds[i]}, i).second)
      return refuse(why, "tree " + std::to_string(treeIds[i]) + " lists node " +
                             std::to_string(nodeIds[i]) + " twice");
    t.ids.push_back({treeIds[i], nodeIds[i]});
  }
  t.feature.resize(n);
  t.trueChild.resize(n);
  t.falseChild.resize(n);
  t.modes.resize(n);
  t.threshold.resize(n);
  t.missingTrue.resize(n);
  t.isLeaf.resize(n);
  std::vector<bool> isChild(n, false);
  for (size_t i = 0; i < n; ++i) {
    std::optional<NodeMode> mode = parseMode(modes[i]);
    if (!mode)
      return refuse(why, "node mode '" + modes[i] +
                             "' is not a branch mode or LEAF");
    t.modes[i] = static_cast<int64_t>(*mode);
    if (*mode == NodeMode::Leaf) {
      t.isLeaf[i] = true;
      t.trueChild[i] = t.falseChild[i] = i;
      continue;
    }
    if (featureIds[i] < 0 || (features >= 0 && featureIds[i] >= features))
      return refuse(why, "node " + std::to_string(nodeIds[i]) + " of tree " +
                             std::to_string(treeIds[i]) + " reads feature " +
                             std::to_string(featureIds[i]) +
                             ", outside the input's " +
                             std::to_string(features) + " features");
    auto child = [&](int64_t id) -> std::optional<int64_t> {
      auto found = t.index.find({treeIds[i], id});
      if (found == t.index.end() || found->second == int64_t(i))
        return std::nullopt;
      return found->second;
    };
    std::optional<int64_t> yes = child(trueIds[i]), no = child(falseIds[i]);
    if (!yes || !no)
      return refuse(why,
                    "node " + std::to_string(nodeIds[i]) + " of tree " +
                        std::to_string(treeIds[i]) +
                        " leads to a node that does not exist (or to itself)");
    t.feature[i] = featureIds[i];
    t.threshold[i] = values[i];
    t.trueChild[i] = *yes;
    t.falseChild[i] = *no;
    isChild[*yes] = isChild[*no] = true;
    t.missingTrue[i] = !missing.empty() && missing[i] != 0;
    t.anyMissingTrue |= t.missingTrue[i];
    if (!llvm::is_contained(t.usedModes, *mode))
      t.usedModes.push_back(*mode);
  }
  // One root per tree, in the order trees first appear.
  DenseMap<int64_t, int64_t> rootOfTree;
  for (size_t i = 0; i < n; ++i) {
    if (isChild[i])
      continue;
    if (!rootOfTree.try_emplace(treeIds[i], i).second)
      return refuse(why, "tree " + std::to_string(treeIds[i]) +
                             " has more than one root");
    t.roots.push_back(i);
  }
  for (size_t i = 0; i < n; ++i)
    if (!rootOfTree.count(treeIds[i]))
      return refuse(why,
                    "tree " + std::to_string(treeIds[i]) +
                        " has no root (its nodes form a cycle)"); // a tree that
                                                                  // is a cycle
  // Depth of the deepest leaf; a node reached twice is a cycle or a shared
  // subtree, which trees do not have.
  std::vector<bool> seen(n, false);
  std::vector<std::pair<int64_t, int64_t>> stack;
  for (int64_t root : t.roots)
    stack.push_back({root, 0});
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (seen[node] || depth > kMaxTreeDepth)
      return refuse(why, "a node is reached twice (a cycle or a shared "
                         "subtree) or a tree is deeper than " +
                             std::to_string(kMaxTreeDepth));
    seen[node] = true;
    t.depth = std::max(t.depth, depth);
    if (!t.isLeaf[node]) {
      stack.push_back({t.trueChild[node], depth + 1});
      stack.push_back({t.falseChild[node], depth + 1});
    }
  }
  if (t.depth == 0)
    return refuse(
        why, "every tree is a single leaf"); // only leaves: nothing to walk
  return t;
}

/// Leaf weights [M, K] and whether each (leaf, column) has one, from the
/// `prefix`_treeids/nodeids/ids/weights attributes. nullopt when they name
/// a node that is not a leaf or a column beyond `columns`.
struct LeafWeights {
  std::vector<float> weights;
  std::vector<bool> present;
  SmallVector<int64_t> columnsUsed;
  bool allPositive = true;
  bool dense = true; // every leaf has every column
};

std::optional<LeafWeights> readLeafWeights(const FusedNode &f,
                                           const TreeTables &t,
                                           StringRef prefix, int64_t columns,
                                           std::string &why) {
  std::vector<int64_t> treeIds = getInts(f, (prefix + "_treeids").str());
  std::vector<int64_t> nodeIds = getInts(f, (prefix + "_nodeids").str());
  std::vector<int64_t> ids = getInts(f, (prefix + "_ids").str());
  std::vector<float> weights = getFloats(f, (prefix + "_weights").str());
  size_t n = treeIds.size();
  if (n == 0 || nodeIds.size() != n || ids.size() != n || weights.size() != n)
    return refuse(why, "the " + prefix.str() +
                           "_* attributes are empty or differ in length");
  LeafWeights leaf;
  leaf.weights.assign(t.size() * columns, 0.0f);
  leaf.present.assign(t.size() * columns, false);
  for (size_t i = 0; i < n; ++i) {
    auto found = t.index.find({treeIds[i], nodeIds[i]});
    if (found == t.index.end() || !t.isLeaf[found->second] || ids[i] < 0 ||
        ids[i] >= columns || !std::isfinite(weights[i]))
      return refuse(
          why,
          "a " + prefix.str() +
              " weight names a node that is not a leaf, an id outside 0.." +
              std::to_string(columns - 1) + " or a value that is not finite");
    size_t at = found->second * columns + ids[i];
    leaf.weights[at] += weights[i];
    leaf.present[at] = true;
    leaf.allPositive &= weights[i] >= 0;
    if (!llvm::is_contained(leaf.columnsUsed, ids[i]))
      leaf.columnsUsed.push_back(ids[i]);
  }
  for (size_t i = 0; i < t.size(); ++i)
    for (int64_t c = 0; c < columns && t.isLeaf[i]; ++c)
      leaf.dense &= leaf.present[i * columns + c];
  return leaf;
}

/// x[n, feature] compared with the threshold by one mode.
std::string compareByMode(NodeWriter &w, NodeMode mode, const std::string &x,
                          const std::string &threshold) {
  switch (mode) {
  case NodeMode::LEQ:
    return w.add("LessOrEqual", {x, threshold});
  case NodeMode::LT:
    return w.add("Less", {x, threshold});
  case NodeMode::GTE:
    return w.add("GreaterOrEqual", {x, threshold});
  case NodeMode::GT:
    return w.add("Greater", {x, threshold});
  case NodeMode::EQ:
    return w.add("Equal", {x, threshold});
  case NodeMode::NEQ:
    return w.add("Not", {w.add("Equal", {x, threshold})});
  case NodeMode::Leaf:
    break;
  }
  return {};
}

/// Walks every tree for every row of x [N, F] (float); returns the leaves
/// reached, int64 [N, T].
std::string walkTrees(NodeWriter &w, const TreeTables &t,
                      const std::string &x) {
  int64_t m = t.size();
  std::string features = intConstant(w, t.feature, {m});
  std::string thresholds = floatConstant(w, t.threshold, {m});
  std::string trueChildren = intConstant(w, t.trueChild, {m});
  std::string falseChildren = intConstant(w, t.falseChild, {m});
  std::string modes =
      t.usedModes.size() > 1 ? intConstant(w, t.modes, {m}) : std::string();
  std::string missing;
  if (t.anyMissingTrue)
    missing = boolConstant(
        w, SmallVector<bool>(t.missingTrue.begin(), t.missingTrue.end()));
  auto gather = [&](const std::string &table, const std::string &at) {
    return w.add("Gather", {table, at}, {},
                 {::onnx::MakeAttribute("axis", int64_t(0))});
  };

  // The first step starts at the roots, the same for every row.
  std::string nodes = intConstant(w, t.roots, {int64_t(t.roots.size())});
  bool atRoots = true;
  for (int64_t step = 0; step < t.depth; ++step) {
    std::string feature = gather(features, nodes);
    std::string value =
        atRoots ? w.add("Gather", {x, feature}, {},
                        {::onnx::MakeAttribute("axis", int64_t(1))})
                : w.add("GatherElements", {x, feature}, {},
                        {::onnx::MakeAttribute("axis", int64_t(1))});
    std::string threshold = gather(thresholds, nodes);
    std::string condition;
    for (NodeMode mode : t.usedModes) {
      std::string compared = compareByMode(w, mode, value, threshold);
      if (condition.empty()) {
        condition = compared;
        continue;
      }
      std::string isMode =
          w.add("Equal", {gather(modes, nodes), w.ints({int64_t(mode)}, true)});
      condition = w.add("Where", {isMode, compared, condition});
    }
    if (!missing.empty())
      condition =
          w.add("Or", {condition, w.add("And", {gather(missing, nodes),
                                                w.add("IsNaN", {value})})});
    nodes = w.add("Where", {condition, gather(trueChildren, nodes),
                            gather(falseChildren, nodes)});
    atRoots = false;
  }
  return nodes;
}

/// Per-row sums (or the reduction `reduceOp`) over the trees of the leaf
/// weights: [N, K].
std::string aggregateLeaves(NodeWriter &w, const FusedNode &f,
                            const LeafWeights &leaf, const TreeTables &t,
                            const std::string &leaves, int64_t columns,
                            StringRef reduceOp) {
  std::string table =
      floatConstant(w, leaf.weights, {int64_t(t.size()), columns});
  std::string perTree = w.add("Gather", {table, leaves}, {},
                              {::onnx::MakeAttribute("axis", int64_t(0))});
  return reduce(w, f, reduceOp, perTree, 1, false);
}

/// x as float [N, F] for a tree ensemble; empty for other ranks.
std::string treeInput(NodeWriter &w, const ValueType &type,
                      const std::string &x) {
  if (!type.rank() || *type.rank() != 2 || !isNumeric(type.elementType))
    return {};
  return asFloat(w, x, type.elementType);
}

} // namespace

bool expandTreeEnsembleClassifier(NodeWriter &w, const FusedNode &f,
                                  const TypeMap &types, OutputUses &uses,
                                  Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end())
    return no("its input is not typed");
  ClassLabels labels{getInts(f, "classlabels_int64s"),
                     getStrings(f, "classlabels_strings")};
  int64_t classes = labels.size();
  std::string transform = getString(f, "post_transform", "NONE");
  std::vector<float> base = getFloats(f, "base_values");
  if (classes < 2 || !isSupportedTransform(transform) ||
      !canWriteLabels(labels, f.output(0), uses))
    return no("it has fewer than two class labels, a post_transform other than "
              "NONE, LOGISTIC or SOFTMAX, or string labels read by nodes other "
              "than Identity");
  std::string treesWhy, leavesWhy;
  std::optional<TreeTables> trees =
      readTrees(f, it->second.lastSize(), treesWhy);
  if (!trees)
    return no(treesWhy);
  std::optional<LeafWeights> leaf =
      readLeafWeights(f, *trees, "class", classes, leavesWhy);
  if (!leaf)
    return no(leavesWhy);
  std::string x = treeInput(w, it->second, f.input(0));
  if (x.empty())
    return no("its input is not a numeric tensor of rank 2");

  if (classes == 2) {
    // skl2onnx's binary form: weights of class 0 only, at most one base
    // value; s is the positive class's score.
    if (leaf->columnsUsed.size() != 1 || leaf->columnsUsed.front() != 0 ||
        base.size() > 1)
      return no("two classes with weights other than class 0's alone (and at "
                "most one base value) are not compiled");
    std::string leaves = walkTrees(w, *trees, x);
    LeafWeights first = *leaf;
    first.weights.clear();
    for (size_t i = 0; i < trees->size(); ++i)
      first.weights.push_back(leaf->weights[i * 2]);
    std::string s =
        aggregateLeaves(w, f, first, *trees, leaves, 1, "ReduceSum");
    if (!base.empty())
      s = w.add("Add", {s, floatConstant(w, base, {1})});
    bool positive = leaf->allPositive;
    if (!writeLabels(w, labels, binaryIndex(w, s, positive ? 0.5f : 0.0f),
                     f.output(0), uses))
      return no("its string labels are read by nodes other than Identity");
    if (!f.output(1).empty())
      w.add("Identity",
            {twoClassScores(w, s,
                            positive                  ? "complement"
                            : transform == "LOGISTIC" ? "logistic"
                                                      : "negate")},
            {f.output(1)});
    return true;
  }

  if (!base.empty() && static_cast<int64_t>(base.size()) != classes)
    return no("the number of base values differs from the number of classes");
  std::string leaves = walkTrees(w, *trees, x);
  std::string scores =
      aggregateLeaves(w, f, *leaf, *trees, leaves, classes, "ReduceSum");
  if (!base.empty())
    scores = w.add("Add", {scores, floatConstant(w, base, {classes})});
  // Without base values, a class no leaf reached has no score and is not
  // chosen.
  std::string choose = scores;
  if (base.empty() && !leaf->dense) {
    std::vector<float> has(leaf->present.begin(), leaf->present.end());
    LeafWeights presence = *leaf;
    presence.weights = std::move(has);
    std::string reached =
        aggregateLeaves(w, f, presence, *trees, leaves, classes, "ReduceMax");
    std::string any = w.add("Greater", {reached, w.floatScalar(0.0f)});
    choose = w.add(
        "Where",
        {any, scores, w.floatScalar(-std::numeric_limits<float>::infinity())});
  }
  if (!writeClassifierOutputs(w, f, labels, choose, scores, transform, uses))
    return no("its string labels are read by nodes other than Identity");
  return true;
}

bool expandTreeEnsembleRegressor(NodeWriter &w, const FusedNode &f,
                                 const TypeMap &types, Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || getString(f, "post_transform", "NONE") != "NONE")
    return no("its input is not typed, or post_transform is not NONE");
  int64_t targets = f.getInt("n_targets", 1);
  std::string aggregate = getString(f, "aggregate_function", "SUM");
  std::vector<float> base = getFloats(f, "base_values");
  if (targets <= 0 ||
      (!base.empty() && static_cast<int64_t>(base.size()) != targets))
    return no(
        "n_targets is not positive or the base values are not one per target");
  std::string treesWhy, leavesWhy;
  std::optional<TreeTables> trees =
      readTrees(f, it->second.lastSize(), treesWhy);
  if (!trees)
    return no(treesWhy);
  std::optional<LeafWeights> leaf =
      readLeafWeights(f, *trees, "target", targets, leavesWhy);
  if (!leaf)
    return no(leavesWhy);
  StringRef reduceOp = StringSwitch<StringRef>(aggregate)
                           .Case("SUM", "ReduceSum")
                           .Case("AVERAGE", "ReduceSum")
                           .Case("MIN", "ReduceMin")
                           .Case("MAX", "ReduceMax")
                           .Default("");
  // A minimum or maximum over trees needs every leaf to weigh every target.
  if (reduceOp.empty() || (reduceOp != "ReduceSum" && !leaf->dense))
    return no("aggregate_function is not SUM, AVERAGE, MIN or MAX (MIN and MAX "
              "need every leaf to weigh every target)");
  std::string x = treeInput(w, it->second, f.input(0));
  if (x.empty())
    return no("its input is not a numeric tensor of rank 2");
  std::string leaves = walkTrees(w, *trees, x);
  std::string y =
      aggregateLeaves(w, f, *leaf, *trees, leaves, targets, reduceOp);
  if (aggregate == "AVERAGE")
    y = w.add("Div", {y, w.floatScalar(float(trees->roots.size()))});
  if (!base.empty())
    y = w.add("Add", {y, floatConstant(w, base, {targets})});
  w.add("Identity", {y}, {f.output(0)});
  return true;
}

} // namespace lowrank::ml
