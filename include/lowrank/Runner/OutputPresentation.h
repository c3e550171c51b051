//===- OutputPresentation.h - Outputs that stand for strings or maps -*-
//C++-*-===//
//
// A compiled function returns tensors. A classifier's string labels are
// returned as int64 indices into the table of labels, and ZipMap's sequence
// of maps as the float matrix of its values (docs/ABI.md); the import records
// both on the function's results. These functions write and print such an
// output as the model's own value: a tensor of strings, a sequence of maps.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNNER_OUTPUTPRESENTATION_H
#define LOWRANK_RUNNER_OUTPUTPRESENTATION_H

#include "lowrank/Runner/HostTensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lowrank {

/// How one result of `main_graph` stands for the model's output.
struct OutputPresentation {
  enum class Kind {
    /// The tensor itself.
    Tensor,
    /// int64 indices into `labels`; the output is the labels (strings).
    Labels,
    /// float [N, K] rows; the output is N maps from the K keys (`intKeys`
    /// or `stringKeys`) to the row's values.
    ZipMap,
  };
  Kind kind = Kind::Tensor;
  std::vector<std::string> labels;
  std::vector<int64_t> intKeys;
  std::vector<std::string> stringKeys;

  bool isTensor() const { return kind == Kind::Tensor; }
  /// `tensor(string)` or `seq(map(int64,tensor(float)))`, for messages.
  std::string describeType() const;
};

/// Writes `tensor` as the output `presentation` describes: a TensorProto
/// of strings, or a SequenceProto of MapProtos (ONNX's test-data format),
/// or with `numpy` a `.npy` array of Unicode strings, or of the map values
/// (one row per map, the keys in order). Atomic like writeONNXTensorFile.
/// Fails for an index outside the table or a tensor of another shape.
llvm::Error writePresentedOutput(const HostTensor &tensor,
                                 const OutputPresentation &presentation,
                                 llvm::StringRef name, llvm::StringRef path,
                                 bool numpy);

/// Prints the output as the model's value: `["cat", "dog"]`, or
/// `[{0: 0.25, 1: 0.75}, ...]`.
llvm::Error printPresentedOutput(llvm::raw_ostream &os,
                                 const HostTensor &tensor,
                                 const OutputPresentation &presentation);

} // namespace lowrank

#endif // LOWRANK_RUNNER_OUTPUTPRESENTATION_H
