//===- TraditionalMLExpansion.h - ai.onnx.ml operators, expanded -*- C++-*-===//
//
// Nodes of the `ai.onnx.ml` domain that scikit-learn converters write
// (Scaler, Normalizer, ArrayFeatureExtractor, Binarizer, LinearClassifier,
// LinearRegressor, TreeEnsembleClassifier, TreeEnsembleRegressor, ZipMap,
// Imputer, OneHotEncoder, LabelEncoder, FeatureVectorizer)
// are replaced, for compilation, by the default-domain nodes that compute
// them as ONNX Runtime's CPU kernels do.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_TRADITIONALMLEXPANSION_H
#define LOWRANK_LIB_IMPORT_TRADITIONALMLEXPANSION_H

#include "lowrank/Import/ONNXImporter.h"

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

namespace lowrank {

/// The metadata keys of the graph outputs the expansion retypes (a JSON
/// array each); the importer makes them the result attributes of the same
/// names.
inline constexpr llvm::StringLiteral kLabelTableKey = kLabelTableAttr;
inline constexpr llvm::StringLiteral kZipMapKeysKey = kZipMapKeysAttr;

/// The default-domain opset the expanded nodes are written for (Equal of
/// floats, GatherElements, LessOrEqual); the loader converts older models
/// to it first.
inline constexpr int64_t kMinimumExpansionOpset = 13;

/// Whether `node` is an ai.onnx.ml node of an operator the expansion knows.
bool isExpandedMLOperator(const ::onnx::NodeProto &node);

/// Replaces the main graph's `ai.onnx.ml` nodes of the forms documented in
/// TraditionalMLExpansion.cpp by default-domain nodes, reading the types
/// that shape inference gave their inputs. A string label or ZipMap output
/// is expanded only where it is a graph output that no node reads; the
/// graph output is then retyped and annotated (kLabelTableKey,
/// kZipMapKeysKey). Other forms, and nodes whose attributes are
/// inconsistent, keep their node, and so does every node of a model
/// below kMinimumExpansionOpset. Returns whether any node was replaced.
bool expandTraditionalMLOperators(::onnx::ModelProto &model);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_TRADITIONALMLEXPANSION_H
