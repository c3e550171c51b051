//===- Diagnostics.cpp - Diagnostics that name the ONNX node --------------===//

#include "lowrank/Support/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

using namespace mlir;

namespace lowrank {

/// The file a location points into and the ONNX node it names, if any.
static void describeLocation(Location loc, std::string &file,
                             std::string &node) {
  loc->walk([&](Location inner) {
    if (auto nameLoc = dyn_cast<NameLoc>(inner)) {
      if (node.empty())
        node = nameLoc.getName().str();
    } else if (auto fileLoc = dyn_cast<FileLineColLoc>(inner)) {
      if (file.empty()) {
        file = fileLoc.getFilename().str();
        if (fileLoc.getLine() != 0)
          file += ":" + std::to_string(fileLoc.getLine()) + ":" +
                  std::to_string(fileLoc.getColumn());
      }
    }
    return WalkResult::advance();
  });
}

static StringRef getSeverityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Error:
    return "error";
  }
  llvm_unreachable("unknown diagnostic severity");
}

void printDiagnostic(Diagnostic &diag, StringRef fallbackFile,
                     raw_ostream &os) {
  std::string file, node;
  describeLocation(diag.getLocation(), file, node);
  if (file.empty())
    file = fallbackFile.str();
  std::string message = diag.str();
  os << file << ": " << getSeverityName(diag.getSeverity()) << ": ";
  // Messages that already name their node (the importer's) keep one prefix.
  if (!node.empty() && !StringRef(message).starts_with("node '"))
    os << "node '" << node << "': ";
  os << message << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note, fallbackFile, os);
}

ModelDiagnosticHandler::ModelDiagnosticHandler(MLIRContext *context,
                                               StringRef fallbackFile,
                                               raw_ostream &os)
    : ScopedDiagnosticHandler(context), fallbackFile(fallbackFile.str()),
      os(os) {
  setHandler([this](Diagnostic &diag) {
    printDiagnostic(diag, this->fallbackFile, this->os);
    return success();
  });
}

} // namespace lowrank
