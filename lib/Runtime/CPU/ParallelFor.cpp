//===- ParallelFor.cpp - Loop nests of compiled code on the pool ----------===//
//
// lowrank-linalg-to-parallel-calls outlines a large elementwise or reduction
// op into a function over a range of its outermost parallel dimension; this
// entry point cuts the range into one contiguous piece per thread.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include <algorithm>

using namespace lowrank::runtime;

namespace {
struct ParallelForJob {
  LowrankParallelBody body;
  void *args;
  int64_t extent;
  int numTasks;
};

void runParallelForTask(void *context, int task) {
  const auto &job = *static_cast<const ParallelForJob *>(context);
  int64_t begin = job.extent * task / job.numTasks;
  int64_t end = job.extent * (task + 1) / job.numTasks;
  if (begin < end)
    job.body(job.args, begin, end);
}
} // namespace

extern "C" void lowrank_parallel_for(LowrankParallelBody body, void *args,
                                     int64_t extent) {
  if (extent <= 0)
    return;
  ThreadPool &pool = getThreadPool();
  int tasks = static_cast<int>(std::min<int64_t>(pool.getNumThreads(), extent));
  ParallelForJob job{body, args, extent, tasks};
  pool.run(tasks, runParallelForTask, &job);
}

// The name compiled code calls: the pipeline requests C interfaces for every
// function, and without memref arguments the interface is the same call.
extern "C" void _mlir_ciface_lowrank_parallel_for(LowrankParallelBody body,
                                                  void *args, int64_t extent) {
  lowrank_parallel_for(body, args, extent);
}
