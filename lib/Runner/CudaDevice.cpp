//===- CudaDevice.cpp - The CUDA runtime library, loaded at run time ------===//

#include "lowrank/Runner/CudaDevice.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace lowrank {

template <typename T>
static llvm::Error lookup(llvm::sys::DynamicLibrary &library, const char *name,
                          const std::string &path, T &function) {
  void *address = library.getAddressOfSymbol(name);
  if (!address)
    return llvm::createStringError("%s: no symbol %s in the CUDA runtime",
                                   path.c_str(), name);
  function = reinterpret_cast<T>(address);
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CudaDevice>>
CudaDevice::load(const std::string &libraryPath) {
  std::string error;
  llvm::sys::DynamicLibrary library =
      llvm::sys::DynamicLibrary::getPermanentLibrary(libraryPath.c_str(),
                                                     &error);
  if (!library.isValid())
    return llvm::createStringError(
        "no CUDA device: cannot load the CUDA runtime %s: %s (it needs "
        "the CUDA driver, libcuda.so.1)",
        libraryPath.c_str(), error.c_str());
  int (*init)(char *, size_t) = nullptr;
  if (llvm::Error err = lookup(library, "lowrankCudaInit", libraryPath, init))
    return std::move(err);
  char message[512] = {0};
  if (init(message, sizeof(message)) != 0)
    return llvm::createStringError("no CUDA device: %s", message);

  std::unique_ptr<CudaDevice> device(new CudaDevice());
  device->libraryPath = libraryPath;
  if (llvm::Error err =
          lookup(library, "lowrankCudaMalloc", libraryPath, device->malloc))
    return std::move(err);
  if (llvm::Error err =
          lookup(library, "lowrankCudaFree", libraryPath, device->free))
    return std::move(err);
  if (llvm::Error err = lookup(library, "lowrankCudaCopyToDevice", libraryPath,
                               device->toDevice))
    return std::move(err);
  if (llvm::Error err =
          lookup(library, "lowrankCudaCopyToHost", libraryPath, device->toHost))
    return std::move(err);
  if (llvm::Error err =
          lookup(library, "lowrankCudaSynchronize", libraryPath, device->sync))
    return std::move(err);
  return device;
}

std::string getDefaultCudaRuntimePath(const char *argv0, void *mainAddress) {
  llvm::SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(
          llvm::sys::fs::getMainExecutable(argv0, mainAddress))));
  llvm::sys::path::append(path, "lib", "liblowrank_cuda_runtime.so");
  return std::string(path);
}

} // namespace lowrank
