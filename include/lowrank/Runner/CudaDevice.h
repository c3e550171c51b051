//===- CudaDevice.h - The CUDA runtime library, loaded at run time -*- C++
//-*-===//
//
// The runner loads liblowrank_cuda_runtime.so only for --device=cuda, so
// that the tools start on machines without a CUDA driver. This class owns
// the loaded library and the host-side functions the runner calls.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNNER_CUDADEVICE_H
#define LOWRANK_RUNNER_CUDADEVICE_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace lowrank {

class CudaDevice {
public:
  /// Loads the runtime library at `libraryPath` and initializes the
  /// default device. Fails with "no CUDA device: ..." when the library or
  /// the CUDA driver it needs cannot be loaded, or when the driver finds no
  /// usable device.
  static llvm::Expected<std::unique_ptr<CudaDevice>>
  load(const std::string &libraryPath);

  const std::string &getLibraryPath() const { return libraryPath; }

  void *allocate(uint64_t bytes) const { return malloc(bytes); }
  void release(void *pointer) const { free(pointer); }
  void copyToDevice(void *device, const void *host, uint64_t bytes) const {
    toDevice(device, host, bytes);
  }
  void copyToHost(void *host, const void *device, uint64_t bytes) const {
    toHost(host, device, bytes);
  }
  void synchronize() const { sync(); }

private:
  CudaDevice() = default;

  std::string libraryPath;
  void *(*malloc)(uint64_t) = nullptr;
  void (*free)(void *) = nullptr;
  void (*toDevice)(void *, const void *, uint64_t) = nullptr;
  void (*toHost)(void *, const void *, uint64_t) = nullptr;
  void (*sync)() = nullptr;
};

/// The runtime library next to the running tool: `<bindir>/../lib/`.
std::string getDefaultCudaRuntimePath(const char *argv0, void *mainAddress);

} // namespace lowrank

#endif // LOWRANK_RUNNER_CUDADEVICE_H
