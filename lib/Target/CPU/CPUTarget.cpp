//===- CPUTarget.cpp - LLVM IR and object code for the host CPU -----------===//

#include "lowrank/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

#include <dlfcn.h>

using namespace mlir;

namespace lowrank {

void registerCPUTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

std::unique_ptr<llvm::TargetMachine>
createHostTargetMachine(std::optional<llvm::Reloc::Model> relocationModel) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return nullptr;
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  builder->setRelocationModel(relocationModel);
  auto machine = builder->createTargetMachine();
  if (!machine) {
    llvm::consumeError(machine.takeError());
    return nullptr;
  }
  return std::move(*machine);
}

/// `attrs` without the entries named `onnx.*`; null when none is.
static DictionaryAttr withoutForeignAttrs(DictionaryAttr attrs) {
  if (!attrs || llvm::none_of(attrs, [](NamedAttribute attr) {
        return attr.getName().getValue().starts_with("onnx.");
      }))
    return nullptr;
  SmallVector<NamedAttribute> kept;
  for (NamedAttribute attr : attrs)
    if (!attr.getName().getValue().starts_with("onnx."))
      kept.push_back(attr);
  return DictionaryAttr::get(attrs.getContext(), kept);
}

/// The argument or result attributes in `all` without `onnx.*` entries;
/// std::nullopt when there are none to remove. Rewritten in one array:
/// removing them one argument at a time rebuilds the array of all arguments
/// each time (quadratic in the number of model inputs).
static std::optional<SmallVector<DictionaryAttr>>
stripForeignAttrs(ArrayAttr all) {
  if (!all)
    return std::nullopt;
  SmallVector<DictionaryAttr> stripped;
  bool changed = false;
  for (Attribute attrs : all) {
    DictionaryAttr kept = withoutForeignAttrs(cast<DictionaryAttr>(attrs));
    changed |= static_cast<bool>(kept);
    stripped.push_back(kept ? kept : cast<DictionaryAttr>(attrs));
  }
  if (!changed)
    return std::nullopt;
  return stripped;
}

void stripNonLLVMAttributes(ModuleOp module) {
  module.walk([&](LLVM::LLVMFuncOp llvmFunc) {
    auto func = cast<FunctionOpInterface>(llvmFunc.getOperation());
    for (NamedAttribute attr : llvm::to_vector(func->getDiscardableAttrs()))
      if (attr.getName().getValue().starts_with("onnx."))
        func->removeDiscardableAttr(attr.getName());
    if (auto args = stripForeignAttrs(func.getArgAttrsAttr()))
      func.setAllArgAttrs(*args);
    if (auto results = stripForeignAttrs(func.getResAttrsAttr()))
      func.setAllResultAttrs(*results);
  });
}

std::unique_ptr<llvm::Module>
translateToUnoptimizedHostLLVMIR(ModuleOp module, llvm::LLVMContext &context,
                                 TimingScope *timing) {
  TimingScope translation =
      timing ? timing->nest("Translation to LLVM IR") : TimingScope();
  std::unique_ptr<llvm::TargetMachine> machine = createHostTargetMachine();
  if (!machine) {
    module.emitError("cannot create a target machine for the host CPU");
    return nullptr;
  }
  stripNonLLVMAttributes(module);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  module.getBody()->clear();
  return llvmModule;
}

llvm::Error optimizeHostLLVMIR(llvm::Module &llvmModule, unsigned optLevel,
                               llvm::TargetMachine &machine) {
  return makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                   &machine)(&llvmModule);
}

std::unique_ptr<llvm::Module> translateToHostLLVMIR(ModuleOp module,
                                                    llvm::LLVMContext &context,
                                                    unsigned optLevel,
                                                    TimingScope *timing) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateToUnoptimizedHostLLVMIR(module, context, timing);
  if (!llvmModule)
    return nullptr;
  TimingScope optimization =
      timing ? timing->nest("LLVM optimization") : TimingScope();
  std::unique_ptr<llvm::TargetMachine> machine = createHostTargetMachine();
  if (!machine) {
    module.emitError("cannot create a target machine for the host CPU");
    return nullptr;
  }
  if (llvm::Error err = optimizeHostLLVMIR(*llvmModule, optLevel, *machine)) {
    module.emitError("LLVM optimization failed: ")
        << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

void instrumentWithAddressSanitizer(llvm::Module &llvmModule) {
  for (llvm::Function &function : llvmModule)
    if (!function.isDeclaration())
      function.addFnAttr(llvm::Attribute::SanitizeAddress);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  llvm::ModulePassManager passes;
  llvm::AddressSanitizerOptions options;
  options.UseAfterScope = true;
  // Globals are registered from an array by the module constructor: the
  // JIT links no ELF sections whose start and stop symbols the default
  // (garbage-collectable metadata) would need.
  passes.addPass(llvm::AddressSanitizerPass(options, /*UseGlobalGC=*/false,
                                            /*UseOdrIndicator=*/false));
  passes.run(llvmModule, modules);
}

bool hasAddressSanitizerRuntime() {
  // The runtime is linked into a sanitized build and preloaded otherwise
  // (LD_PRELOAD=libclang_rt.asan-x86_64.so).
  return ::dlsym(RTLD_DEFAULT, "__asan_init") != nullptr;
}

LogicalResult emitObjectFile(llvm::Module &llvmModule,
                             llvm::TargetMachine &machine,
                             llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return failure();
  passes.run(llvmModule);
  return success();
}

} // namespace lowrank
