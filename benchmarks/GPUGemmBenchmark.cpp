//===- GPUGemmBenchmark.cpp - Generated GPU GEMMs against cuBLAS ----------===//
//
// lowrank-gpu-gemm-benchmark [--runtime=liblowrank_cuda_runtime.so]
//     [--iterations=N] [--repeats=R]
//
// Compiles graphs of matmuls with lowrank-gpu-pipeline, runs them through
// the project's CUDA runtime on device buffers, and times them against
// cuBLAS SGEMM at the same shapes (FP32, no tensor cores on either side):
//   dense    y_i = x * W_i                (M x K) * (K x N)
//   factored y_i = (x * A_i) * B_i        rank r = min(K, N) / 4
//   block    the linear layers of a BERT-base encoder block (hidden 768,
//            FFN 3072), factorized at rank 192, with bias and ReLU kernels
// Each compiled graph holds R independent products (distinct weights) so
// that the per-call stream set-up of the generated host code is amortized;
// cuBLAS runs the same R products per iteration. Prints one line per case
// with GFLOP/s of both and their ratio, and the largest relative
// difference between the two results. Needs a GPU.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Runner/CudaDevice.h"
#include "lowrank/Target/CPU/CPUTarget.h"
#include "lowrank/Target/NVPTX/NVPTXTarget.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;

static llvm::cl::opt<std::string>
    runtimePath("runtime", llvm::cl::desc("liblowrank_cuda_runtime.so"));
static llvm::cl::opt<int> iterations("iterations", llvm::cl::init(20));
static llvm::cl::opt<int> repeats("repeats", llvm::cl::init(8),
                                  llvm::cl::desc("Products per graph call"));
static llvm::cl::opt<std::string> chip("gpu-chip", llvm::cl::init("sm_80"));

namespace {

/// One product of a case: y = x * W (dense) or (x * A) * B (factored), all
/// row-major float32.
struct Layer {
  int64_t k, n, rank; // rank 0: dense
};

struct Case {
  std::string name;
  int64_t m;
  std::vector<Layer> layers; // applied to the same x, R times each
  bool biasRelu = false;
};

std::string tensorType(int64_t rows, int64_t cols) {
  return llvm::formatv("tensor<{0}x{1}xf32>", rows, cols).str();
}

/// main_graph(x, weights...) -> outputs, R copies of every layer.
std::string buildModule(const Case &c, int repeatCount,
                        std::vector<std::pair<int64_t, int64_t>> &weights,
                        std::vector<std::pair<int64_t, int64_t>> &outputs) {
  std::string args, body, results, resultTypes;
  int64_t kIn = c.layers.front().k;
  args = "%x: " + tensorType(c.m, kIn);
  int value = 0;
  auto matmul = [&](const std::string &lhs, int64_t rows, int64_t k, int64_t n,
                    const std::string &rhs) {
    std::string empty = "%e" + std::to_string(value);
    std::string fill = "%f" + std::to_string(value);
    std::string out = "%v" + std::to_string(value++);
    body += llvm::formatv("  {0} = tensor.empty() : {1}\n", empty,
                          tensorType(rows, n));
    body += llvm::formatv("  {0} = linalg.fill ins(%zero : f32) outs({1} : "
                          "{2}) -> {2}\n",
                          fill, empty, tensorType(rows, n));
    body += llvm::formatv("  {0} = linalg.matmul ins({1}, {2} : {3}, {4}) "
                          "outs({5} : {6}) -> {6}\n",
                          out, lhs, rhs, tensorType(rows, k), tensorType(k, n),
                          fill, tensorType(rows, n));
    return out;
  };
  auto addWeight = [&](int64_t rows, int64_t cols) {
    std::string name = "%w" + std::to_string(weights.size());
    args += ", " + name + ": " + tensorType(rows, cols);
    weights.emplace_back(rows, cols);
    return name;
  };
  for (int r = 0; r < repeatCount; ++r) {
    for (const Layer &layer : c.layers) {
      std::string y;
      if (layer.rank == 0) {
        y = matmul("%x", c.m, layer.k, layer.n, addWeight(layer.k, layer.n));
      } else {
        std::string t = matmul("%x", c.m, layer.k, layer.rank,
                               addWeight(layer.k, layer.rank));
        y = matmul(t, c.m, layer.rank, layer.n, addWeight(layer.rank, layer.n));
      }
      if (c.biasRelu) {
        std::string out = "%r" + std::to_string(value++);
        body += llvm::formatv(
            "  {0} = linalg.generic {{indexing_maps = [#id, #id], "
            "iterator_types = [\"parallel\", \"parallel\"]} ins({1} : {2}) "
            "outs({1} : {2}) {{\n  ^bb0(%a: f32, %b: f32):\n"
            "    %s = arith.addf %a, %one : f32\n"
            "    %q = arith.maximumf %s, %zero : f32\n"
            "    linalg.yield %q : f32\n  } -> {2}\n",
            out, y, tensorType(c.m, layer.n));
        y = out;
      }
      results += (results.empty() ? "" : ", ") + y;
      resultTypes +=
          (resultTypes.empty() ? "" : ", ") + tensorType(c.m, layer.n);
      outputs.emplace_back(c.m, layer.n);
    }
  }
  return "#id = affine_map<(i, j) -> (i, j)>\n"
         "func.func @main_graph(" +
         args + ") -> (" + resultTypes +
         ") {\n  %zero = arith.constant 0.0 : f32\n"
         "  %one = arith.constant 1.0 : f32\n" +
         body + "  return " + results + " : " + resultTypes + "\n}\n";
}

double flops(const Case &c) {
  double total = 0;
  for (const Layer &layer : c.layers)
    total += layer.rank == 0 ? 2.0 * c.m * layer.k * layer.n
                             : 2.0 * c.m * layer.rank * (layer.k + layer.n);
  return total;
}

#define CHECK_CUBLAS(call)                                                     \
  do {                                                                         \
    cublasStatus_t status_ = (call);                                           \
    if (status_ != CUBLAS_STATUS_SUCCESS) {                                    \
      llvm::errs() << #call << " failed: " << int(status_) << "\n";            \
      std::exit(1);                                                            \
    }                                                                          \
  } while (false)

/// C (m x n) = A (m x k) * B (k x n), row-major, through column-major cuBLAS.
void sgemm(cublasHandle_t handle, const float *a, const float *b, float *c,
           int64_t m, int64_t k, int64_t n) {
  const float one = 1.0f, zero = 0.0f;
  CHECK_CUBLAS(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b,
                           n, a, k, &zero, c, n));
}

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  lowrank::registerLowrankConversionPasses();
  lowrank::registerLowrankGPUPipeline();
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "Generated GPU GEMMs against cuBLAS\n");
  std::string library = runtimePath.empty()
                            ? lowrank::getDefaultCudaRuntimePath(
                                  argv[0], reinterpret_cast<void *>(&flops))
                            : std::string(runtimePath);
  auto device = lowrank::CudaDevice::load(library);
  if (!device) {
    llvm::errs() << "error: " << llvm::toString(device.takeError()) << "\n";
    return 1;
  }
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  lowrank::registerCPUTranslations(registry);
  lowrank::registerNVPTXTarget(registry);
  MLIRContext context(registry);

  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));

  std::vector<Case> cases;
  for (int64_t m : {128, 512, 2048}) {
    for (auto [k, n] : {std::pair<int64_t, int64_t>{768, 768},
                        {768, 3072},
                        {3072, 768},
                        {4096, 4096}}) {
      cases.push_back(
          {llvm::formatv("dense {0}x{1}x{2}", m, k, n).str(), m, {{k, n, 0}}});
      int64_t rank = std::min(k, n) / 4;
      cases.push_back(
          {llvm::formatv("factored {0}x{1}x{2} r{3}", m, k, n, rank).str(),
           m,
           {{k, n, rank}}});
    }
    // BERT-base encoder block, rank 192: Q, K, V, output projection, FFN.
    cases.push_back({llvm::formatv("block {0}x768 r192", m).str(),
                     m,
                     {{768, 768, 192},
                      {768, 768, 192},
                      {768, 768, 192},
                      {768, 768, 192},
                      {768, 3072, 192},
                      {768, 3072, 192}},
                     true});
  }

  llvm::outs() << llvm::formatv("{0,-32} {1,12} {2,12} {3,8} {4,10}\n", "case",
                                "gen GFLOP/s", "cuBLAS", "ratio", "max diff");
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (const Case &c : cases) {
    std::vector<std::pair<int64_t, int64_t>> weightShapes, outputShapes;
    std::string text = buildModule(c, repeats, weightShapes, outputShapes);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    if (!module)
      return 1;
    PassManager pm(&context, ModuleOp::getOperationName());
    lowrank::GPUPipelineOptions options;
    options.chip = chip;
    lowrank::buildGPUPipeline(pm, options);
    if (failed(pm.run(*module)))
      return 1;
    lowrank::stripNonLLVMAttributes(*module);
    ExecutionEngineOptions engineOptions;
    llvm::StringRef libs[] = {library};
    engineOptions.sharedLibPaths = libs;
    auto engine = ExecutionEngine::create(*module, engineOptions);
    if (!engine) {
      llvm::errs() << "error: " << llvm::toString(engine.takeError()) << "\n";
      return 1;
    }

    // Device buffers: x, the weights, the outputs (and cuBLAS scratch).
    auto upload = [&](int64_t rows, int64_t cols) {
      std::vector<float> host(rows * cols);
      for (float &v : host)
        v = uniform(rng) / std::sqrt(float(cols));
      void *buffer = device.get()->allocate(host.size() * sizeof(float));
      device.get()->copyToDevice(buffer, host.data(),
                                 host.size() * sizeof(float));
      return static_cast<float *>(buffer);
    };
    int64_t kIn = c.layers.front().k;
    float *x = upload(c.m, kIn);
    std::vector<float *> weights, outputs;
    for (auto [rows, cols] : weightShapes)
      weights.push_back(upload(rows, cols));
    for (auto [rows, cols] : outputShapes)
      outputs.push_back(static_cast<float *>(
          device.get()->allocate(rows * cols * sizeof(float))));

    // 2-D descriptors {ptr, ptr, 0, rows, cols, cols, 1}.
    std::vector<std::array<int64_t, 7>> descriptors;
    auto describe = [&](float *p, int64_t rows, int64_t cols) {
      auto address = reinterpret_cast<int64_t>(p);
      descriptors.push_back({address, address, 0, rows, cols, cols, 1});
    };
    describe(x, c.m, kIn);
    for (size_t i = 0; i < weights.size(); ++i)
      describe(weights[i], weightShapes[i].first, weightShapes[i].second);
    for (size_t i = 0; i < outputs.size(); ++i)
      describe(outputs[i], outputShapes[i].first, outputShapes[i].second);
    std::vector<void *> pointers, packed;
    for (auto &d : descriptors)
      pointers.push_back(d.data());
    for (void *&p : pointers)
      packed.push_back(&p);
    // The entry point's status (docs/ABI.md); always 0 on the GPU.
    int32_t status = 0;
    packed.push_back(&status);

    auto runGenerated = [&] {
      if (llvm::Error err =
              (*engine)->invokePacked("_mlir_ciface_main_graph", packed)) {
        llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
        std::exit(1);
      }
    };
    runGenerated();
    device.get()->synchronize();
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
      runGenerated();
    device.get()->synchronize();
    double generated = seconds(start) / iterations;

    // cuBLAS: the same products, plus bias/ReLU left out (memory-bound,
    // small); outputs go to a scratch buffer per layer.
    int64_t maxRank = 0, maxN = 0;
    for (const Layer &layer : c.layers) {
      maxRank = std::max(maxRank, layer.rank);
      maxN = std::max(maxN, layer.n);
    }
    float *scratch = static_cast<float *>(
        device.get()->allocate(c.m * std::max<int64_t>(maxRank, 1) * 4));
    std::vector<float *> reference;
    for (size_t l = 0; l < c.layers.size(); ++l)
      reference.push_back(static_cast<float *>(
          device.get()->allocate(c.m * maxN * sizeof(float))));
    auto runCublas = [&] {
      size_t w = 0;
      for (int r = 0; r < repeats; ++r) {
        for (size_t l = 0; l < c.layers.size(); ++l) {
          const Layer &layer = c.layers[l];
          if (layer.rank == 0) {
            sgemm(handle, x, weights[w++], reference[l], c.m, layer.k, layer.n);
          } else {
            sgemm(handle, x, weights[w++], scratch, c.m, layer.k, layer.rank);
            sgemm(handle, scratch, weights[w++], reference[l], c.m, layer.rank,
                  layer.n);
          }
        }
      }
    };
    runCublas();
    cudaDeviceSynchronize();
    start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
      runCublas();
    cudaDeviceSynchronize();
    double cublas = seconds(start) / iterations;

    // The last repetition's products, compared (before bias/ReLU only for
    // cases without them).
    double maxDiff = 0;
    if (!c.biasRelu) {
      size_t last = outputs.size() - c.layers.size();
      for (size_t l = 0; l < c.layers.size(); ++l) {
        size_t count = c.m * c.layers[l].n;
        std::vector<float> ours(count), theirs(count);
        device.get()->copyToHost(ours.data(), outputs[last + l], count * 4);
        device.get()->copyToHost(theirs.data(), reference[l], count * 4);
        for (size_t i = 0; i < count; ++i)
          maxDiff = std::max<double>(maxDiff,
                                     std::abs(ours[i] - theirs[i]) /
                                         std::max(1e-3f, std::abs(theirs[i])));
      }
    }
    double work = flops(c) * repeats;
    llvm::outs() << llvm::formatv(
        "{0,-32} {1,12:F1} {2,12:F1} {3,8:F2} {4,10:E1}\n", c.name,
        work / generated / 1e9, work / cublas / 1e9, cublas / generated,
        maxDiff);
    llvm::outs().flush();

    device.get()->release(x);
    device.get()->release(scratch);
    for (float *p : weights)
      device.get()->release(p);
    for (float *p : outputs)
      device.get()->release(p);
    for (float *p : reference)
      device.get()->release(p);
  }
  cublasDestroy(handle);
  return 0;
}
