//===- ThreadPool.h - Persistent workers of the CPU runtime -----*- C++ -*-===//
//
// Kernels split a product into as many tasks as there are threads; the
// workers live for the whole process so that a call costs a wake-up, not a
// thread creation. Between calls the workers spin for a short while before
// they sleep: a model calls the kernels every few hundred microseconds, and
// waking a sleeping thread through the kernel costs tens of them.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNTIME_CPU_THREADPOOL_H
#define LOWRANK_RUNTIME_CPU_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace lowrank::runtime {

class ThreadPool {
public:
  using TaskFn = void (*)(void *context, int task);

  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int getNumThreads() const { return static_cast<int>(workers.size()) + 1; }

  /// Runs fn(context, t) for t in [0, numTasks) on the workers and the
  /// calling thread; returns when all are done. Calls are serialized.
  void run(int numTasks, TaskFn fn, void *context);

private:
  void workerLoop();
  /// Claims and runs tasks of run `generation` until none is left.
  void runTasks(uint64_t generation);
  /// Waits until the run state leaves `generation`; false when stopping.
  bool waitForRun(uint64_t seen);

  std::vector<std::thread> workers;
  std::mutex runMutex; // one run at a time

  // The current run: generation, task count and next task in one word, so
  // that a claim succeeds only for the run it was meant for.
  std::atomic<uint64_t> state{0};
  std::atomic<TaskFn> fn{nullptr};
  std::atomic<void *> context{nullptr};
  std::atomic<int> pending{0}; // tasks of the current run not yet finished

  // Sleeping workers wait here once they have spun long enough.
  std::mutex sleepMutex;
  std::condition_variable wake;
  std::atomic<int> sleepers{0};
  std::atomic<bool> stopping{false};
};

/// The process-wide pool, created on first use with
/// lowrank_cpu_get_num_threads() threads.
ThreadPool &getThreadPool();

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_THREADPOOL_H
