//===- ThreadPool.h - Persistent workers of the CPU runtime -----*- C++ -*-===//
//
// Kernels split a product into as many tasks as there are threads; the
// workers live for the whole process so that a call costs a wake-up, not a
// thread creation.
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
  void runTasks();

  std::vector<std::thread> workers;
  std::mutex runMutex; // one run at a time
  std::mutex mutex;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  bool stopping = false;
  TaskFn fn = nullptr;
  void *context = nullptr;
  int numTasks = 0;
  int active = 0; // workers inside runTasks, guarded by mutex
  std::atomic<int> nextTask{0};
  std::atomic<int> pending{0};
};

/// The process-wide pool, created on first use with
/// lowrank_cpu_get_num_threads() threads.
ThreadPool &getThreadPool();

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_THREADPOOL_H
