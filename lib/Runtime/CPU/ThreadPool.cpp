//===- ThreadPool.cpp - Persistent workers of the CPU runtime -------------===//

#include "ThreadPool.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include <cstdlib>
#include <memory>

namespace lowrank::runtime {

ThreadPool::ThreadPool(int numThreads) {
  for (int i = 1; i < numThreads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

void ThreadPool::runTasks() {
  for (int t = nextTask.fetch_add(1); t < numTasks; t = nextTask.fetch_add(1)) {
    fn(context, t);
    if (pending.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mutex);
      done.notify_all();
    }
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
      ++active;
    }
    runTasks();
    std::lock_guard<std::mutex> lock(mutex);
    if (--active == 0)
      done.notify_all();
  }
}

void ThreadPool::run(int tasks, TaskFn taskFn, void *taskContext) {
  if (tasks <= 1 || workers.empty()) {
    for (int t = 0; t < tasks; ++t)
      taskFn(taskContext, t);
    return;
  }
  std::lock_guard<std::mutex> serialize(runMutex);
  {
    std::lock_guard<std::mutex> lock(mutex);
    fn = taskFn;
    context = taskContext;
    numTasks = tasks;
    nextTask.store(0);
    pending.store(tasks);
    ++generation;
  }
  wake.notify_all();
  runTasks();
  std::unique_lock<std::mutex> lock(mutex);
  // Workers still inside runTasks would read the next run's task counter.
  done.wait(lock, [&] { return pending.load() == 0 && active == 0; });
}

static int getDefaultNumThreads() {
  if (const char *env = std::getenv("LOWRANK_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return n;
  }
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

static std::mutex poolMutex;
static int requestedThreads = 0;
// Never destroyed: kernels may run from other static destructors, and idle
// workers blocked on a condition variable do not keep the process alive.
static ThreadPool *pool = nullptr;

ThreadPool &getThreadPool() {
  std::lock_guard<std::mutex> lock(poolMutex);
  int wanted = requestedThreads > 0 ? requestedThreads : getDefaultNumThreads();
  if (!pool || pool->getNumThreads() != wanted) {
    delete pool;
    pool = new ThreadPool(wanted);
  }
  return *pool;
}

} // namespace lowrank::runtime

using namespace lowrank::runtime;

extern "C" void lowrank_cpu_set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(poolMutex);
  requestedThreads = n > 0 ? n : 0;
}

extern "C" int lowrank_cpu_get_num_threads(void) {
  return getThreadPool().getNumThreads();
}
