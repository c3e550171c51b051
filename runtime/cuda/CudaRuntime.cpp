//===- CudaRuntime.cpp - The project's CUDA runtime on the driver API -----===//
//
// Host code from `lowrank-gpu-pipeline` (MLIR's gpu-to-llvm lowering and
// gpu.binary translation) calls the `mgpu*` functions below to load its
// kernel module, launch kernels, and manage streams and device memory; the
// device-memory pass adds `lowrankCudaDeviceConstant` for weights. Every
// driver call is checked: a failure prints the call, the driver's error
// name and description, and ends the process, since generated code has no
// way to recover. `lowrankCudaInit` lets a host program find out first,
// without ending, whether a device is usable.
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"

#include <cuda.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

/// The device and primary context every call works in.
struct DeviceState {
  int deviceIndex = 0;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUresult initResult = CUDA_SUCCESS;
  const char *failedCall = nullptr;
  bool streamOrderedAlloc = false;
};

DeviceState &state() {
  static DeviceState instance;
  return instance;
}

std::once_flag initFlag;

void describe(CUresult result, const char *call, char *out, size_t size) {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = "unknown error";
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = "no description";
  std::snprintf(out, size, "%s failed: %s (%s, CUresult %d)", call, name, text,
                static_cast<int>(result));
}

[[noreturn]] void fail(CUresult result, const char *call) {
  char message[512];
  describe(result, call, message, sizeof(message));
  std::fprintf(stderr, "lowrank CUDA runtime: error: %s\n", message);
  std::fflush(stderr);
  std::exit(EXIT_FAILURE);
}

#define LOWRANK_CUDA_CHECK(call)                                               \
  do {                                                                         \
    CUresult result_ = (call);                                                 \
    if (result_ != CUDA_SUCCESS)                                               \
      fail(result_, #call);                                                    \
  } while (false)

void initialize() {
  DeviceState &s = state();
  auto attempt = [&](CUresult result, const char *call) {
    if (result != CUDA_SUCCESS && s.initResult == CUDA_SUCCESS) {
      s.initResult = result;
      s.failedCall = call;
    }
    return result == CUDA_SUCCESS;
  };
  if (!attempt(cuInit(0), "cuInit") ||
      !attempt(cuDeviceGet(&s.device, s.deviceIndex), "cuDeviceGet") ||
      !attempt(cuDevicePrimaryCtxRetain(&s.context, s.device),
               "cuDevicePrimaryCtxRetain"))
    return;
  int pools = 0;
  if (cuDeviceGetAttribute(&pools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                           s.device) == CUDA_SUCCESS)
    s.streamOrderedAlloc = pools != 0;
}

/// Makes the primary context current on the calling thread; ends the
/// process when there is no usable device.
void enterContext() {
  std::call_once(initFlag, initialize);
  DeviceState &s = state();
  if (s.initResult != CUDA_SUCCESS)
    fail(s.initResult, s.failedCall);
  LOWRANK_CUDA_CHECK(cuCtxSetCurrent(s.context));
}

} // namespace

extern "C" {

int lowrankCudaInit(char *error, size_t errorSize) {
  std::call_once(initFlag, initialize);
  DeviceState &s = state();
  if (s.initResult == CUDA_SUCCESS)
    return 0;
  if (error && errorSize)
    describe(s.initResult, s.failedCall, error, errorSize);
  return 1;
}

CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  enterContext();
  CUmodule module = nullptr;
  LOWRANK_CUDA_CHECK(cuModuleLoadData(&module, data));
  return module;
}

CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  enterContext();
  CUmodule module = nullptr;
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log)),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUresult result = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS) {
    std::fprintf(stderr, "lowrank CUDA runtime: PTX JIT log:\n%s\n", log);
    fail(result, "cuModuleLoadDataEx");
  }
  return module;
}

void mgpuModuleUnload(CUmodule module) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuModuleUnload(module));
}

CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  enterContext();
  CUfunction function = nullptr;
  LOWRANK_CUDA_CHECK(cuModuleGetFunction(&function, module, name));
  return function;
}

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedMemoryBytes,
                      CUstream stream, void **params, void **extra,
                      size_t /*paramsCount*/) {
  enterContext();
  if (sharedMemoryBytes > 48 * 1024)
    LOWRANK_CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        sharedMemoryBytes));
  LOWRANK_CUDA_CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX,
                                    blockY, blockZ, sharedMemoryBytes, stream,
                                    params, extra));
}

CUstream mgpuStreamCreate() {
  enterContext();
  CUstream stream = nullptr;
  // A blocking stream: it also waits for work the host queued on the
  // legacy default stream (the runner's and the weights' uploads).
  LOWRANK_CUDA_CHECK(cuStreamCreate(&stream, CU_STREAM_DEFAULT));
  return stream;
}

void mgpuStreamDestroy(CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuStreamDestroy(stream));
}

void mgpuStreamSynchronize(CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuStreamSynchronize(stream));
}

void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuStreamWaitEvent(stream, event, /*flags=*/0));
}

CUevent mgpuEventCreate() {
  enterContext();
  CUevent event = nullptr;
  LOWRANK_CUDA_CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

void mgpuEventDestroy(CUevent event) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuEventDestroy(event));
}

void mgpuEventSynchronize(CUevent event) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuEventSynchronize(event));
}

void mgpuEventRecord(CUevent event, CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuEventRecord(event, stream));
}

void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream, bool isHostShared) {
  enterContext();
  if (sizeBytes == 0)
    return nullptr;
  CUdeviceptr pointer = 0;
  if (isHostShared)
    LOWRANK_CUDA_CHECK(
        cuMemAllocManaged(&pointer, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else if (state().streamOrderedAlloc && stream)
    LOWRANK_CUDA_CHECK(cuMemAllocAsync(&pointer, sizeBytes, stream));
  else
    LOWRANK_CUDA_CHECK(cuMemAlloc(&pointer, sizeBytes));
  return reinterpret_cast<void *>(pointer);
}

void mgpuMemFree(void *pointer, CUstream stream) {
  if (!pointer)
    return;
  enterContext();
  CUdeviceptr devicePointer = reinterpret_cast<CUdeviceptr>(pointer);
  if (state().streamOrderedAlloc && stream) {
    LOWRANK_CUDA_CHECK(cuMemFreeAsync(devicePointer, stream));
    return;
  }
  // cuMemFree does not wait for work queued on `stream`.
  if (stream)
    LOWRANK_CUDA_CHECK(cuStreamSynchronize(stream));
  LOWRANK_CUDA_CHECK(cuMemFree(devicePointer));
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                   reinterpret_cast<CUdeviceptr>(src),
                                   sizeBytes, stream));
}

void mgpuMemset32(void *dst, unsigned int value, size_t count,
                  CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                      count, stream));
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  CUstream stream) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                      count, stream));
}

void mgpuSetDefaultDevice(int32_t deviceIndex) {
  state().deviceIndex = deviceIndex;
}

void *lowrankCudaDeviceConstant(void **slot, const void *hostData,
                                int64_t sizeBytes) {
  // Weights are uploaded on first use and kept for the life of the process;
  // the slot is a host global of the compiled module.
  static std::mutex uploadMutex;
  std::lock_guard<std::mutex> lock(uploadMutex);
  if (*slot)
    return *slot;
  enterContext();
  CUdeviceptr pointer = 0;
  LOWRANK_CUDA_CHECK(cuMemAlloc(&pointer, sizeBytes > 0 ? sizeBytes : 1));
  // From pageable memory, cuMemcpyHtoD may return before the DMA lands;
  // the weights must be in place before any kernel reads them.
  if (sizeBytes > 0) {
    LOWRANK_CUDA_CHECK(cuMemcpyHtoD(pointer, hostData, sizeBytes));
    LOWRANK_CUDA_CHECK(cuCtxSynchronize());
  }
  *slot = reinterpret_cast<void *>(pointer);
  return *slot;
}

void *lowrankCudaMalloc(uint64_t sizeBytes) {
  enterContext();
  CUdeviceptr pointer = 0;
  LOWRANK_CUDA_CHECK(cuMemAlloc(&pointer, sizeBytes > 0 ? sizeBytes : 1));
  return reinterpret_cast<void *>(pointer);
}

void lowrankCudaFree(void *pointer) {
  enterContext();
  LOWRANK_CUDA_CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(pointer)));
}

void lowrankCudaCopyToDevice(void *device, const void *host,
                             uint64_t sizeBytes) {
  enterContext();
  LOWRANK_CUDA_CHECK(
      cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(device), host, sizeBytes));
  LOWRANK_CUDA_CHECK(cuCtxSynchronize());
}

void lowrankCudaCopyToHost(void *host, const void *device, uint64_t sizeBytes) {
  enterContext();
  LOWRANK_CUDA_CHECK(
      cuMemcpyDtoH(host, reinterpret_cast<CUdeviceptr>(device), sizeBytes));
}

void lowrankCudaSynchronize() {
  enterContext();
  LOWRANK_CUDA_CHECK(cuCtxSynchronize());
}

} // extern "C"
