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

/// `text` with control characters (newlines and escape sequences in node
/// names of a hostile model, or in the ONNX library's multi-line messages)
/// written as \xNN: a diagnostic is one line, and cannot forge others or
/// drive the terminal.
static std::string sanitize(StringRef text) {
  std::string result;
  for (unsigned char c : text.rtrim()) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      result += "\\x";
      result += kHex[c >> 4];
      result += kHex[c & 15];
    } else {
      result += static_cast<char>(c);
    }
  }
  return result;
}

void printDiagnostic(Diagnostic &diag, StringRef fallbackFile,
                     raw_ostream &os) {
  std::string file, node;
  describeLocation(diag.getLocation(), file, node);
  if (file.empty())
    file = fallbackFile.str();
  file = sanitize(file);
  node = sanitize(node);
  std::string message = sanitize(diag.str());
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
    if (diag.getSeverity() == DiagnosticSeverity::Error) {
      bool seen = !errorLocations.insert(diag.getLocation()).second;
      if (seen && StringRef(diag.str()).starts_with("failed to legalize"))
        return success();
    }
    printDiagnostic(diag, this->fallbackFile, this->os);
    return success();
  });
}

} // namespace lowrank
