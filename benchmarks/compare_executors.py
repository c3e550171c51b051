"""The three executors of compare.py: lowrank-opt's compiled code, ONNX
Runtime and IREE. Each is built from an ONNX file and its inputs, and called
without arguments returns the outputs as arrays; a failure to build or run
raises ExecutorError with a one-line message."""

import ctypes
import pathlib
import subprocess
import time

import numpy as np
import onnx

class ExecutorError(Exception):
    """An executor cannot build or run a model; the message is one line."""


def run(cmd, what):
    try:
        result = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    except OSError as error:
        raise ExecutorError(f"{what} failed: {error}") from error
    if result.returncode != 0:
        lines = [l for l in result.stdout.splitlines() if l.strip()]
        raise ExecutorError(f"{what} failed: "
                            f"{lines[-1] if lines else 'exit ' + str(result.returncode)}")


def fresh(output, *inputs):
    """Whether `output` exists and is newer than every input (reuse it)."""
    output = pathlib.Path(output)
    return output.exists() and all(
        output.stat().st_mtime >= pathlib.Path(i).stat().st_mtime for i in inputs)



def reference_outputs(path, feeds):
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)




def output_types(path, feeds):
    """(shape, numpy dtype) of each graph output: the pinned static shapes,
    or what ONNX Runtime computes when a dimension is not static."""
    outputs = onnx.load(str(path), load_external_data=False).graph.output
    types = []
    for value in outputs:
        tensor = value.type.tensor_type
        dims = tensor.shape.dim
        if not all(d.HasField("dim_value") for d in dims):
            return [(a.shape, a.dtype) for a in reference_outputs(path, feeds)]
        types.append(([d.dim_value for d in dims],
                      onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)))
    return types



def descriptor(array):
    """An MLIR strided memref descriptor of `array`."""
    rank = array.ndim

    class MemRef(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p),
                    ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]

    pointer = array.ctypes.data
    strides = [s // array.itemsize for s in array.strides]
    return MemRef(pointer, pointer, 0, (ctypes.c_int64 * rank)(*array.shape),
                  (ctypes.c_int64 * rank)(*strides))


class Ours:
    name = "ours"

    def __init__(self, path, feeds, args):
        obj, lib = path.with_suffix(".o"), path.with_suffix(".so")
        if not fresh(lib, path, args.opt, args.runtime):
            run([args.opt, path, "--emit=obj", "-o", obj],
                "lowrank-opt --emit=obj")
            run([args.cc, "-shared", "-o", lib, obj, args.runtime, "-lstdc++",
                 "-lm", "-lpthread"], "linking")
        self.lib = ctypes.CDLL(str(lib))
        self.lib.lowrank_cpu_set_num_threads(args.threads)
        self.entry = self.lib._mlir_ciface_main_graph
        self.entry.restype = ctypes.c_int32
        self.outputs = [np.empty(shape, dtype)
                        for shape, dtype in output_types(path, feeds)]
        # The descriptors stay valid: the arrays they point to are kept.
        self.arrays = [np.ascontiguousarray(a) for a in feeds.values()]
        self.descriptors = [descriptor(a) for a in self.arrays + self.outputs]
        self.args = [ctypes.byref(d) for d in self.descriptors]

    def __call__(self):
        status = self.entry(*self.args)
        if status != 0:
            raise ExecutorError(f"the compiled model returned status {status}")
        return self.outputs


class OnnxRuntime:
    name = "ORT"

    def __init__(self, path, feeds, args):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - any failure is reported
            raise ExecutorError(str(error).splitlines()[0]) from error
        self.feeds = feeds

    def __call__(self):
        return self.session.run(None, self.feeds)


class Iree:
    name = "IREE"
    device = None

    def __init__(self, path, feeds, args):
        import iree.runtime as rt
        mlir, vmfb = path.with_suffix(".iree.mlir"), path.with_suffix(".vmfb")
        bindir = pathlib.Path(args.python).parent
        if not fresh(vmfb, path):
            run([bindir / "iree-import-onnx", path, "--no-externalize-params",
                 "-o", mlir], "iree-import-onnx")
            run([bindir / "iree-compile", mlir,
                 "--iree-hal-target-device=local",
                 "--iree-hal-local-target-device-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host", "-o", vmfb], "iree-compile")
            mlir.unlink()
        if Iree.device is None:
            rt.flags.parse_flags(f"--task_topology_group_count={args.threads}")
            Iree.device = rt.get_device("local-task")
        config = rt.Config(device=Iree.device)
        self.context = rt.SystemContext(config=config)
        self.context.add_vm_module(rt.VmModule.mmap(config.vm_instance,
                                                    str(vmfb)))
        graph = onnx.load(str(path), load_external_data=False).graph.name
        self.function = getattr(self.context.modules.module, graph)
        self.inputs = [rt.asdevicearray(Iree.device, a)
                       for a in feeds.values()]

    def __call__(self):
        results = self.function(*self.inputs)
        if not isinstance(results, (tuple, list)):
            results = [results]
        return [r.to_host() for r in results]


def relative_difference(ours, theirs):
    scale = max(float(np.max(np.abs(o))) for o in ours) or 1.0
    return max(float(np.max(np.abs(np.asarray(t, np.float64) - o))) / scale
               for o, t in zip(ours, theirs))


def mean_call_time(fn, min_time):
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls
