//===- ONNXImportFuzzer.cpp - Fuzz the ONNX loader and importer -----------===//
//
// Feeds arbitrary bytes through the path lowrank-opt takes for a `.onnx`
// input: protobuf parse, ONNX checker, version conversion, shape inference,
// import into the onnx dialect and the MLIR verifier. Every input must end
// in a module or in a diagnostic; a crash, hang or sanitizer report is a bug.
//
// External data is resolved in a private directory holding one small file,
// `weights.bin`, so that offsets and lengths into a real file are exercised.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Import/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace {

/// A directory with `weights.bin` (4 KiB of a byte ramp), made once.
std::string makeModelDirectory() {
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("lowrank-fuzz-import", dir))
    std::abort();
  llvm::SmallString<128> weights(dir);
  llvm::sys::path::append(weights, "weights.bin");
  std::error_code ec;
  llvm::raw_fd_ostream os(weights, ec);
  if (ec)
    std::abort();
  for (int i = 0; i < 4096; ++i)
    os << static_cast<char>(i);
  llvm::sys::path::append(dir, "model.onnx");
  return std::string(dir);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string modelPath = makeModelDirectory();
  static DialectRegistry registry = [] {
    DialectRegistry r;
    lowrank::registerImportDialects(r);
    return r;
  }();

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  lowrank::ONNXImportOptions options;
  auto model = lowrank::loadONNXModelFromBuffer(bytes, modelPath, options);
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome for most inputs: swallow them.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module =
      lowrank::importONNXModel(*model, modelPath, &context, options);
  (void)module;
  return 0;
}
