//===- TensorReaderFuzzer.cpp - Fuzz the .pb and .npy tensor readers ------===//
//
// Feeds arbitrary bytes to the readers lowrank-run uses for inputs and
// expected outputs: the ONNX TensorProto (`.pb`) reader and the NumPy
// (`.npy`) reader. A tensor that reads successfully is also compared with
// itself and formatted, as lowrank-run does with outputs. Every input must
// end in a tensor or an error; a crash, hang or sanitizer report is a bug.
//
// External data of a TensorProto is resolved in a private directory holding
// one small file, `weights.bin`.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Runner/HostTensor.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

std::string makeDataDirectory() {
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("lowrank-fuzz-tensor", dir))
    std::abort();
  llvm::SmallString<128> weights(dir);
  llvm::sys::path::append(weights, "weights.bin");
  std::error_code ec;
  llvm::raw_fd_ostream os(weights, ec);
  if (ec)
    std::abort();
  for (int i = 0; i < 4096; ++i)
    os << static_cast<char>(i);
  return std::string(dir);
}

void exercise(llvm::Expected<lowrank::HostTensor> tensor) {
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return;
  }
  lowrank::TensorComparison same = lowrank::compareTensors(*tensor, *tensor);
  (void)same;
  (void)tensor->describe();
  if (tensor->getNumElements() > 0)
    (void)lowrank::formatElement(*tensor, tensor->getNumElements() - 1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string dataDir = makeDataDirectory();
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (bytes.starts_with("\x93NUMPY"))
    exercise(lowrank::readNumpyBuffer(bytes));
  else
    exercise(lowrank::readONNXTensorBuffer(bytes, dataDir));
  return 0;
}
