//===- EinsumEquation.h - Einsum equations as loop nests --------*- C++ -*-===//
//
// An Einsum equation resolved against the ranks of its inputs: every
// dimension of every input and of the result becomes a loop of one
// iteration space. Shared by the verifier and the lowering of Einsum.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_EINSUMEQUATION_H
#define LOWRANK_DIALECT_ONNX_IR_EINSUMEQUATION_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace lowrank::onnx {

struct EinsumEquation {
  /// The loops: first the broadcast (`...`) dimensions, aligned to the
  /// right as in numpy, then one per letter in order of first appearance.
  int64_t numLoops = 0;
  /// How many of the loops are broadcast dimensions.
  int64_t numBroadcastLoops = 0;
  /// The loop of each dimension of each input.
  llvm::SmallVector<llvm::SmallVector<int64_t>> inputLoops;
  /// The loop of each result dimension; the other loops are summed over.
  llvm::SmallVector<int64_t> outputLoops;
};

/// Resolves `equation` (spaces are ignored) for inputs of the given ranks;
/// on failure `error` says why.
mlir::FailureOr<EinsumEquation>
parseEinsumEquation(llvm::StringRef equation, llvm::ArrayRef<int64_t> ranks,
                    std::string &error);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_EINSUMEQUATION_H
