//===- Passes.td - Passes that map bufferized linalg onto the GPU ---------===//

#ifndef LOWRANK_CONVERSION_LINALGTOGPU_PASSES_TD
#define LOWRANK_CONVERSION_LINALGTOGPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowrankLinalgMatmulToGPU
    : Pass<"lowrank-linalg-matmul-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Map matmul-like linalg ops onto tiled GPU kernels";
  let description = [{
    Every linalg op on buffers that is a contraction with one M, one N and
    one K loop (plus any number of batch loops) and static loop bounds:
    `linalg.matmul`, `linalg.batch_matmul`, transposed variants and
    contraction generics, becomes one `gpu.launch`:

    - each block computes a `tile-m` x `tile-n` output tile (batch loops
      are delinearized from the z block index);
    - each thread computes a `thread-tile-m` x `thread-tile-n` register
      tile, rows and columns strided by the thread grid so that shared
      memory reads of the B tile and global stores are contiguous;
    - the K loop stages `tile-k` wide tiles of both inputs in workgroup
      (shared) memory, loaded cooperatively with coalesced reads and
      zero-filled at the edges, between two `gpu.barrier`s; every staged
      element is reused `thread-tile` times by each thread that reads it.

    The op's own body (multiply-add, with any casts) is cloned for every
    accumulation, so element types and combiners come from the op.

    ```mlir
    linalg.matmul ins(%a, %b : memref<128x768xf32>, memref<768x768xf32>)
                  outs(%c : memref<128x768xf32>)
    // becomes
    gpu.launch blocks(...) in (%gx = %c12, %gy = %c2, %gz = %c1)
               threads(...) in (%tx = %c16, %ty = %c16, %tz = %c1)
               workgroup(%sa : memref<16x65xf32, #gpu.address_space<workgroup>>,
                         %sb : memref<16x65xf32, #gpu.address_space<workgroup>>) {
      scf.for %k0 = %c0 to %c768 step %c16 iter_args(16 accumulators) {
        // cooperative loads into %sa, %sb; gpu.barrier
        // scf.for over the 16 staged k: 4x4 multiply-adds; gpu.barrier
      }
      // stores of the 4x4 register tile
    }
    ```
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", "64", "Output rows per block">,
    Option<"tileN", "tile-n", "int64_t", "64", "Output columns per block">,
    Option<"tileK", "tile-k", "int64_t", "16",
           "Reduction depth staged in shared memory per step">,
    Option<"threadTileM", "thread-tile-m", "int64_t", "4",
           "Output rows per thread (registers)">,
    Option<"threadTileN", "thread-tile-n", "int64_t", "4",
           "Output columns per thread (registers)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::affine::AffineDialect"
  ];
}

def LowrankParallelLoopsToGPU
    : Pass<"lowrank-parallel-loops-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Map host-level parallel loops and memory accesses to GPU kernels";
  let description = [{
    Runs after `convert-linalg-to-parallel-loops`. Every `scf.parallel` at
    the top level of the function becomes a one-dimensional `gpu.launch`:
    the iteration space is linearized, `block-size` threads per block, one
    iteration per thread, the innermost loop dimension fastest (consecutive
    threads touch consecutive elements). Reduction loops that linalg
    leaves inside the parallel loop stay sequential per thread.

    Every other top-level op that reads or writes memory (a reduction
    without parallel dimensions, a scalar load or store) would touch device
    memory from the host; consecutive such ops are moved into a
    single-thread `gpu.launch`. Allocation, deallocation, views and
    constant folding stay on the host.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c64) step (%c1, %c1) {...}
    // becomes
    gpu.launch blocks(...) in (%gx = %c4, ...) threads(...) in (%tx = %c256, ...) {
      %id = blockIdx.x * 256 + threadIdx.x
      scf.if %id < 1024 { %i = %id / 64; %j = %id % 64; ... }
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block of the elementwise kernels">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def LowrankGPUDeviceMemory
    : Pass<"lowrank-gpu-device-memory", "::mlir::ModuleOp"> {
  let summary = "Place buffers and constant weights in GPU memory";
  let description = [{
    Host functions (outside `gpu.module`s) get device buffers:
    `memref.alloc`/`memref.dealloc` become `gpu.alloc`/`gpu.dealloc`, and
    every `memref.get_global` of a constant global (the weights) is
    replaced by a device copy that is uploaded once per process: a host
    global `@__lowrank_device_<name>` holds the device pointer, and
    `lowrankCudaDeviceConstant(slot, host data, bytes)` from the project's
    CUDA runtime allocates and copies on the first call only. Function
    arguments are expected in device memory (docs/ABI.md).

    ```mlir
    %w = memref.get_global @__constant_768x768xf32 : memref<768x768xf32>
    // becomes
    %h = memref.get_global @__constant_768x768xf32 : memref<768x768xf32>
    %p = memref.extract_aligned_pointer_as_index %h
    %d = call @lowrankCudaDeviceConstant(%slot, %hp, %c2359296) : ...
    %w = builtin.unrealized_conversion_cast %descriptor : !llvm.struct<...> to memref<768x768xf32>
    ```
    Kernels inside `gpu.launch` must not read globals directly.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // LOWRANK_CONVERSION_LINALGTOGPU_PASSES_TD
