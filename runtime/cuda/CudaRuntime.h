//===- CudaRuntime.h - Host API of the project's CUDA runtime ---*- C++ -*-===//
//
// Functions of liblowrank_cuda_runtime.so that host programs call directly
// (the runner, the benchmarks); the mgpu* functions that generated code
// calls are declared by the code generator, not here. Host programs load
// the library at run time, so that they work without a CUDA driver.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNTIME_CUDA_CUDARUNTIME_H
#define LOWRANK_RUNTIME_CUDA_CUDARUNTIME_H

#include <cstddef>
#include <cstdint>

extern "C" {
/// Initializes the driver and the primary context of the default device.
/// Returns 0 when a device is usable, otherwise 1 with a message naming the
/// failing driver call in `error`.
int lowrankCudaInit(char *error, size_t errorSize);
/// Device memory for the caller's arguments (synchronous; 256-byte aligned).
void *lowrankCudaMalloc(uint64_t sizeBytes);
void lowrankCudaFree(void *pointer);
void lowrankCudaCopyToDevice(void *device, const void *host,
                             uint64_t sizeBytes);
void lowrankCudaCopyToHost(void *host, const void *device, uint64_t sizeBytes);
/// Waits for all work on the device.
void lowrankCudaSynchronize();
/// The device copy of a constant, uploaded on the first call for `slot`.
void *lowrankCudaDeviceConstant(void **slot, const void *hostData,
                                int64_t sizeBytes);
}

#endif // LOWRANK_RUNTIME_CUDA_CUDARUNTIME_H
