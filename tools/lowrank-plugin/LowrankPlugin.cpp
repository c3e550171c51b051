//===- LowrankPlugin.cpp - lowrank passes as an mlir-opt plugin -----------===//
//
// One shared library that is both a dialect plugin (the onnx dialect and
// the LinearOpInterface models of linalg ops) and a pass plugin (the
// lowrank passes and the lowrank-compress pipeline):
//
//   mlir-opt --load-dialect-plugin=liblowrank-plugin.so \
//            --load-pass-plugin=liblowrank-plugin.so \
//            --lowrank-compress='rank-ratio=0.5' input.mlir
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Interfaces/LinearOpInterface.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Lowrank", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            registry->insert<lowrank::onnx::ONNXDialect>();
            lowrank::registerLinalgLinearOpInterfaceModels(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Lowrank", LLVM_VERSION_STRING, []() {
            lowrank::registerLowrankTransforms();
            lowrank::registerLowrankConversionPasses();
          }};
}
