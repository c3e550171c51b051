//===- TraditionalMLNodes.h - Shared by the ai.onnx.ml expansions -*-
// C++-*-===//
//
// What the expansions of ai.onnx.ml operators (TraditionalMLExpansion.cpp,
// TreeEnsembleExpansion.cpp) share: attributes and constants, the types of
// the values nodes read, and the outputs that hold labels or maps.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_TRADITIONALMLNODES_H
#define LOWRANK_LIB_IMPORT_TRADITIONALMLNODES_H

#include "NodeWriter.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

namespace lowrank::ml {

using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringMap;
using llvm::StringRef;
using llvm::StringSet;

/// Attribute that a node of a known operator the expansion leaves gets: why
/// (the importer makes it the opaque operation's reason).
constexpr llvm::StringLiteral kNotExpandedAttr = "lowrank.not_expanded";

/// Why an expansion declines its node; `no(reason)` records it and returns
/// false.
struct Refusal {
  std::string reason;
  bool operator()(std::string why) {
    reason = std::move(why);
    return false;
  }
};

/// Records `reason` in `why` and returns nothing.
inline std::nullopt_t refuse(std::string &why, std::string reason) {
  why = std::move(reason);
  return std::nullopt;
}

struct ValueType {
  int32_t elementType = 0;
  /// Sizes (-1 unknown); none when the rank is unknown.
  std::optional<std::vector<int64_t>> shape;

  std::optional<int64_t> rank() const {
    if (!shape)
      return std::nullopt;
    return static_cast<int64_t>(shape->size());
  }
  int64_t lastSize() const {
    return shape && !shape->empty() ? shape->back() : -1;
  }
};

using TypeMap = StringMap<ValueType>;

/// What the expansion needs to know about how a node's outputs are used,
/// and what it records about the graph outputs it retypes.
struct OutputUses {
  /// Values some node (or subgraph) reads.
  StringSet<> read;
  /// The main graph's Identity nodes by the value they read, and the values
  /// anything else reads (other nodes, subgraphs).
  StringMap<SmallVector<std::string>> identityCopies;
  StringSet<> readOtherwise;
  /// Values whose recorded types the expansion invalidates.
  StringSet<> retyped;
  /// Names of the graph outputs.
  StringSet<> graphOutputs;
  /// Annotations for graph outputs: name -> (metadata key, JSON, new type).
  struct Annotation {
    std::string key;
    std::string json;
    int32_t elementType;
    std::optional<std::vector<int64_t>> shape;
  };
  StringMap<Annotation> annotations;

  /// Whether `name` is only a graph output (or unused), so that it may hold
  /// another representation.
  bool isFreeOutput(const std::string &name) const {
    return !name.empty() && !read.contains(name);
  }

  /// `name` and the copies Identity nodes make of it, when nothing else
  /// reads any of them (so they may hold indices instead of strings).
  std::optional<SmallVector<std::string>>
  getIdentityChain(const std::string &name) const {
    SmallVector<std::string> chain = {name};
    for (size_t i = 0; i < chain.size(); ++i) {
      if (readOtherwise.contains(chain[i]) || chain.size() > 1024)
        return std::nullopt;
      auto it = identityCopies.find(chain[i]);
      if (it != identityCopies.end())
        chain.append(it->second.begin(), it->second.end());
    }
    return chain;
  }
};

/// The class labels of a classifier: integers or strings.
struct ClassLabels {
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  bool usesStrings() const { return !strings.empty(); }
  size_t size() const { return usesStrings() ? strings.size() : ints.size(); }
};

/// Attributes by name: empty (or `fallback`) when absent or of another
/// type.
std::vector<int64_t> getInts(const FusedNode &f, StringRef name);

std::vector<float> getFloats(const FusedNode &f, StringRef name);

std::vector<std::string> getStrings(const FusedNode &f, StringRef name);

std::string getString(const FusedNode &f, StringRef name, StringRef fallback);

/// Constant nodes of the given values and dims; their output names.
std::string constant(NodeWriter &w, ::onnx::TensorProto tensor);

std::string floatConstant(NodeWriter &w, ArrayRef<float> values,
                          ArrayRef<int64_t> dims);

std::string doubleConstant(NodeWriter &w, ArrayRef<float> values);

std::string intConstant(NodeWriter &w, ArrayRef<int64_t> values,
                        ArrayRef<int64_t> dims);

std::string boolConstant(NodeWriter &w, ArrayRef<bool> values);

/// A reduction over `axis` in the form of the opset (axes became an input
/// at opset 13 for ReduceSum, at 18 for the others).
std::string reduce(NodeWriter &w, const FusedNode &f, StringRef op,
                   const std::string &x, int64_t axis, bool keepDims);

/// The types inference recorded for the graph's values (inputs, value
/// infos, outputs, initializers).
TypeMap collectTypes(const ::onnx::GraphProto &graph);

/// float, double, int64 or int32: what the kernels read.
bool isNumeric(int32_t elementType);

/// `x` as float32 (the kernels compute in float).
std::string asFloat(NodeWriter &w, const std::string &x, int32_t type);

/// Records in `uses` what the nodes of `graph` (and its subgraphs) read.
void collectReads(const ::onnx::GraphProto &graph, OutputUses &uses,
                  bool mainGraph);

/// JSON arrays, for the output annotations.
std::string jsonStrings(ArrayRef<std::string> values);

std::string jsonInts(ArrayRef<int64_t> values);

/// Writes the label output `out` from the int64 class index `index` (shape
/// [N]). String labels stay indices and the graph output is annotated; that
/// needs `out` to be a free graph output (or unused). Returns false when it
/// cannot be written.
bool writeLabels(NodeWriter &w, const ClassLabels &labels,
                 const std::string &index, const std::string &out,
                 OutputUses &uses);

/// Whether the string-label output can be written (see writeLabels).
bool canWriteLabels(const ClassLabels &labels, const std::string &out,
                    const OutputUses &uses);

/// Scores [N, C] after NONE, LOGISTIC or SOFTMAX; empty for other
/// transforms.
std::string transformScores(NodeWriter &w, const std::string &transform,
                            const std::string &scores);

/// NONE, LOGISTIC or SOFTMAX.
bool isSupportedTransform(const std::string &transform);

/// [1 - s, s] or [-s, s] or [sigmoid(-s), sigmoid(s)] from one score
/// column s [N, 1].
std::string twoClassScores(NodeWriter &w, const std::string &s, StringRef form);

/// Label index (int64 [N]) from one score column s [N, 1]: 1 where
/// s > threshold.
std::string binaryIndex(NodeWriter &w, const std::string &s, float threshold);

/// A classifier's outputs from its scores [N, C]: the label of the first
/// maximum of `choose` (the scores, or the scores with classes that may
/// not win masked) as `f`'s output 0, and the scores after `transform` as
/// output 1. False when the labels cannot be written.
bool writeClassifierOutputs(NodeWriter &w, const FusedNode &f,
                            const ClassLabels &labels,
                            const std::string &choose,
                            const std::string &scores,
                            const std::string &transform, OutputUses &uses);

/// The tree ensembles (TreeEnsembleExpansion.cpp).
bool expandTreeEnsembleClassifier(NodeWriter &w, const FusedNode &f,
                                  const TypeMap &types, OutputUses &uses,
                                  Refusal &no);
bool expandTreeEnsembleRegressor(NodeWriter &w, const FusedNode &f,
                                 const TypeMap &types, Refusal &no);

} // namespace lowrank::ml

#endif // LOWRANK_LIB_IMPORT_TRADITIONALMLNODES_H
