//===- ObjectInParts.cpp - One object file, optimized on several threads --===//

#include "lowrank/Target/CPU/ObjectInParts.h"

#include "lowrank/Target/CPU/CPUTarget.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/ObjCopy/ConfigManager.h"
#include "llvm/ObjCopy/ObjCopy.h"
#include "llvm/Object/Binary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <vector>

using namespace llvm;

namespace lowrank {

namespace {

/// One part of the module, from its bitcode to its object file.
struct Part {
  SmallVector<char, 0> bitcode;
  /// Created on the calling thread: target registration is not thread-safe.
  std::unique_ptr<TargetMachine> machine;
  std::string error;
};

/// A temporary file removed when this goes out of scope or on a signal.
class TemporaryFile {
public:
  static Expected<std::unique_ptr<TemporaryFile>> create(StringRef suffix) {
    auto file = std::unique_ptr<TemporaryFile>(new TemporaryFile());
    if (std::error_code ec = sys::fs::createTemporaryFile("lowrank-object-part",
                                                          suffix, file->path))
      return createStringError(ec, "cannot create a temporary file: %s",
                               ec.message().c_str());
    sys::RemoveFileOnSignal(file->path);
    file->remover.setFile(file->path);
    return file;
  }
  ~TemporaryFile() { sys::DontRemoveFileOnSignal(path); }
  StringRef getPath() const { return path; }

private:
  TemporaryFile() = default;
  SmallString<128> path;
  FileRemover remover;
};

} // namespace

static uint64_t countInstructions(const Module &module) {
  uint64_t count = 0;
  for (const Function &function : module)
    count += function.getInstructionCount();
  return count;
}

/// The names of the symbols defined with local linkage, naming the unnamed
/// ones: SplitModule makes them hidden globals so that parts can reach
/// each other's, and the joined object makes them local again.
static std::vector<std::string> nameLocalSymbols(Module &module) {
  std::vector<std::string> names;
  for (GlobalValue &value : module.global_values()) {
    if (!value.hasLocalLinkage() || value.isDeclaration())
      continue;
    if (!value.hasName())
      value.setName("__lowrank_unnamed"); // made unique by the module
    names.push_back(value.getName().str());
  }
  return names;
}

std::optional<std::string> findRelocatableLinker() {
  for (StringRef name : {"ld.lld", "ld"}) {
    if (ErrorOr<std::string> path =
            sys::findProgramByName(name, {LOWRANK_LLVM_TOOLS_DIR}))
      return *path;
    if (ErrorOr<std::string> path = sys::findProgramByName(name))
      return *path;
  }
  return std::nullopt;
}

static Error compileWhole(Module &module, unsigned optLevel,
                          raw_pwrite_stream &os, mlir::TimingScope &timing) {
  std::unique_ptr<TargetMachine> machine = createHostTargetMachine();
  if (!machine)
    return createStringError("cannot create a target machine for the host");
  {
    mlir::TimingScope optimization = timing.nest("LLVM optimization");
    if (Error err = optimizeHostLLVMIR(module, optLevel, *machine))
      return err;
  }
  mlir::TimingScope output = timing.nest("Output");
  if (failed(emitObjectFile(module, *machine, os)))
    return createStringError("the target cannot emit object files");
  return Error::success();
}

/// Runs on a pool thread: everything it touches is the part's own. The
/// object goes straight to its file: the parts' objects are not held in
/// memory at once.
static void compilePart(Part &part, unsigned optLevel, StringRef objectPath) {
  LLVMContext context;
  Expected<std::unique_ptr<Module>> module = parseBitcodeFile(
      MemoryBufferRef(StringRef(part.bitcode.data(), part.bitcode.size()),
                      "part"),
      context);
  if (!module) {
    part.error = toString(module.takeError());
    return;
  }
  part.bitcode = {};
  if (Error err = optimizeHostLLVMIR(**module, optLevel, *part.machine)) {
    part.error = toString(std::move(err));
    return;
  }
  std::error_code ec;
  raw_fd_ostream os(objectPath, ec);
  if (ec) {
    part.error = ("cannot write " + objectPath + ": " + ec.message()).str();
    return;
  }
  if (failed(emitObjectFile(**module, *part.machine, os))) {
    part.error = "the target cannot emit object files";
    return;
  }
  os.close();
  if (os.has_error()) {
    part.error =
        ("cannot write " + objectPath + ": " + os.error().message()).str();
    os.clear_error();
  }
}

/// The files of a compilation in parts, created before the module is cut:
/// without them it is compiled whole.
struct PartFiles {
  std::vector<std::unique_ptr<TemporaryFile>> objects;
  std::unique_ptr<TemporaryFile> joined;
  std::unique_ptr<TemporaryFile> log;

  static std::optional<PartFiles> create(unsigned parts) {
    auto make = [](StringRef suffix) -> std::unique_ptr<TemporaryFile> {
      Expected<std::unique_ptr<TemporaryFile>> file =
          TemporaryFile::create(suffix);
      if (!file) {
        consumeError(file.takeError());
        return nullptr;
      }
      return std::move(*file);
    };
    PartFiles files;
    for (unsigned i = 0; i < parts; ++i)
      if (!files.objects.emplace_back(make("o")))
        return std::nullopt;
    files.joined = make("o");
    files.log = make("log");
    if (!files.joined || !files.log)
      return std::nullopt;
    return files;
  }
};

/// `linker -r -o <joined> <objects...>`; the linker's first line of output
/// on failure.
static Error linkRelocatable(StringRef linker, const PartFiles &files) {
  SmallVector<StringRef> args = {linker, "-r", "-o", files.joined->getPath()};
  for (const std::unique_ptr<TemporaryFile> &object : files.objects)
    args.push_back(object->getPath());
  std::optional<StringRef> redirects[] = {StringRef(""), files.log->getPath(),
                                          files.log->getPath()};
  std::string message;
  int status = sys::ExecuteAndWait(linker, args, /*Env=*/std::nullopt,
                                   redirects, /*SecondsToWait=*/0,
                                   /*MemoryLimit=*/0, &message);
  if (status == 0)
    return Error::success();
  if (ErrorOr<std::unique_ptr<MemoryBuffer>> text =
          MemoryBuffer::getFile(files.log->getPath()))
    if (!(*text)->getBuffer().trim().empty())
      message = (*text)->getBuffer().trim().split('\n').first.str();
  return createStringError("relocatable link with %s failed: %s",
                           linker.str().c_str(), message.c_str());
}

/// Writes `object` to `os` with the symbols named in `localNames` local.
static Error writeLocalized(MemoryBufferRef object,
                            ArrayRef<std::string> localNames, raw_ostream &os) {
  Expected<std::unique_ptr<object::Binary>> binary =
      object::createBinary(object);
  if (!binary)
    return binary.takeError();
  objcopy::ConfigManager config;
  auto keepError = [](Error err) { return err; };
  for (const std::string &name : localNames)
    if (Error err = config.Common.SymbolsToLocalize.addMatcher(
            objcopy::NameOrPattern::create(name, objcopy::MatchStyle::Literal,
                                           keepError)))
      return err;
  return objcopy::executeObjcopyOnBinary(config, **binary, os);
}

static Error compileInParts(std::unique_ptr<Module> module, unsigned optLevel,
                            StringRef linker, const PartFiles &files,
                            ThreadPoolInterface *pool, raw_pwrite_stream &os,
                            mlir::TimingScope &timing) {
  unsigned parts = files.objects.size();
  std::vector<std::string> localNames = nameLocalSymbols(*module);
  // Sized once: the tasks hold references to their parts.
  std::vector<Part> work(parts);
  for (Part &part : work) {
    part.machine = createHostTargetMachine();
    if (!part.machine)
      return createStringError("cannot create a target machine for the host");
  }
  {
    mlir::TimingScope compile =
        timing.nest("LLVM optimization and code generation in parts");
    std::optional<ThreadPoolTaskGroup> tasks;
    if (pool)
      tasks.emplace(*pool);
    unsigned next = 0;
    // Each part starts compiling while the next is being cut. Round robin
    // over the functions sorted by size balances the parts' work.
    SplitModule(
        *module, parts,
        [&](std::unique_ptr<Module> partModule) {
          Part &part = work[next];
          StringRef objectPath = files.objects[next++]->getPath();
          raw_svector_ostream bitcode(part.bitcode);
          WriteBitcodeToFile(*partModule, bitcode);
          partModule.reset();
          if (tasks)
            tasks->async([&part, optLevel, objectPath] {
              compilePart(part, optLevel, objectPath);
            });
          else
            compilePart(part, optLevel, objectPath);
        },
        /*PreserveLocals=*/false, /*RoundRobin=*/true);
    module.reset();
    if (tasks)
      tasks->wait();
  }
  for (auto [index, part] : llvm::enumerate(work))
    if (!part.error.empty())
      return createStringError("part %zu of %u: %s", index, parts,
                               part.error.c_str());

  mlir::TimingScope link = timing.nest("Relocatable link");
  if (Error err = linkRelocatable(linker, files))
    return err;
  ErrorOr<std::unique_ptr<MemoryBuffer>> object =
      MemoryBuffer::getFile(files.joined->getPath(), /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!object)
    return createStringError(object.getError(), "cannot read %s",
                             files.joined->getPath().str().c_str());
  return writeLocalized((*object)->getMemBufferRef(), localNames, os);
}

Error compileToHostObject(std::unique_ptr<Module> llvmModule,
                          const HostObjectOptions &options,
                          ThreadPoolInterface *pool, raw_pwrite_stream &os,
                          mlir::TimingScope &timing) {
  uint64_t parts = 1;
  if (options.instructionsPerPart > 0) {
    uint64_t functions = llvm::count_if(
        *llvmModule, [](const Function &f) { return !f.isDeclaration(); });
    uint64_t instructions = countInstructions(*llvmModule);
    parts = std::min(
        functions, llvm::divideCeil(instructions, options.instructionsPerPart));
  }
  std::optional<std::string> linker;
  std::optional<PartFiles> files;
  if (parts > 1 && (linker = findRelocatableLinker()))
    files = PartFiles::create(parts);
  if (!files)
    return compileWhole(*llvmModule, options.optLevel, os, timing);
  return compileInParts(std::move(llvmModule), options.optLevel, *linker,
                        *files, pool, os, timing);
}

} // namespace lowrank
