//===- Diagnostics.h - Diagnostics that name the ONNX node ------*- C++ -*-===//

#ifndef LOWRANK_SUPPORT_DIAGNOSTICS_H
#define LOWRANK_SUPPORT_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace lowrank {

/// Prints `diag` and its notes to `os` as
/// `file[:line:col]: severity: [node 'name': ]message`, the form users of an
/// ONNX model can act on (MLIR's default would print `file:0:0`). The file is
/// the first named file location in `diag`'s location, or `fallbackFile`;
/// the node is the first NameLoc, which the importer sets to the node name.
void printDiagnostic(mlir::Diagnostic &diag, llvm::StringRef fallbackFile,
                     llvm::raw_ostream &os = llvm::errs());

/// Prints every diagnostic of a context with printDiagnostic while in scope.
class ModelDiagnosticHandler : public mlir::ScopedDiagnosticHandler {
public:
  ModelDiagnosticHandler(mlir::MLIRContext *context,
                         llvm::StringRef fallbackFile,
                         llvm::raw_ostream &os = llvm::errs());

private:
  std::string fallbackFile;
  llvm::raw_ostream &os;
  /// Where errors were reported: the dialect conversion's own "failed to
  /// legalize" after a pattern's error on the same operation adds nothing.
  llvm::DenseSet<mlir::Location> errorLocations;
};

} // namespace lowrank

#endif // LOWRANK_SUPPORT_DIAGNOSTICS_H
