//===- ThreadPool.cpp - Persistent workers of the CPU runtime -------------===//

#include "ThreadPool.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

namespace lowrank::runtime {

namespace {
// state = generation << 40 | numTasks << 20 | nextTask.
constexpr int kFieldBits = 20;
constexpr uint64_t kFieldMask = (uint64_t(1) << kFieldBits) - 1;
uint64_t getGeneration(uint64_t state) { return state >> (2 * kFieldBits); }
uint64_t getNumTasks(uint64_t state) {
  return (state >> kFieldBits) & kFieldMask;
}
uint64_t getNextTask(uint64_t state) { return state & kFieldMask; }

/// How long an idle worker, or a caller waiting for the workers, spins
/// before it sleeps or yields.
constexpr std::chrono::microseconds kSpinTime(1000);

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Spins until `done()` or for kSpinTime; returns done().
template <typename Predicate> bool spinUntil(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  while (!done()) {
    for (int i = 0; i < 64; ++i)
      cpuRelax();
    if (std::chrono::steady_clock::now() > deadline)
      return done();
  }
  return true;
}
} // namespace

ThreadPool::ThreadPool(int numThreads) {
  for (int i = 1; i < numThreads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleepMutex);
    stopping.store(true);
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

void ThreadPool::runTasks(uint64_t generation) {
  uint64_t s = state.load(std::memory_order_acquire);
  while (getGeneration(s) == generation && getNextTask(s) < getNumTasks(s)) {
    if (!state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire))
      continue;
    // A claim of this generation succeeded, so its run is not finished and
    // fn and context are still its own.
    fn.load(std::memory_order_relaxed)(context.load(std::memory_order_relaxed),
                                       static_cast<int>(getNextTask(s)));
    pending.fetch_sub(1, std::memory_order_acq_rel);
    s = state.load(std::memory_order_acquire);
  }
}

bool ThreadPool::waitForRun(uint64_t seen) {
  auto changed = [&] {
    return stopping.load() || getGeneration(state.load()) != seen;
  };
  if (!spinUntil(changed)) {
    std::unique_lock<std::mutex> lock(sleepMutex);
    // Announce the sleep before the last look at the state; run() stores
    // the state before it looks for sleepers, so one of the two sees the
    // other.
    sleepers.fetch_add(1);
    wake.wait(lock, changed);
    sleepers.fetch_sub(1);
  }
  return !stopping.load();
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  while (waitForRun(seen)) {
    seen = getGeneration(state.load(std::memory_order_acquire));
    runTasks(seen);
  }
}

void ThreadPool::run(int tasks, TaskFn taskFn, void *taskContext) {
  if (tasks <= 1 || workers.empty()) {
    for (int t = 0; t < tasks; ++t)
      taskFn(taskContext, t);
    return;
  }
  std::lock_guard<std::mutex> serialize(runMutex);
  uint64_t generation = getGeneration(state.load()) + 1;
  uint64_t numTasks = std::min<uint64_t>(tasks, kFieldMask);
  fn.store(taskFn, std::memory_order_relaxed);
  context.store(taskContext, std::memory_order_relaxed);
  pending.store(static_cast<int>(numTasks), std::memory_order_relaxed);
  state.store(generation << (2 * kFieldBits) | numTasks << kFieldBits);
  if (sleepers.load() > 0) {
    // Taking the mutex orders the notification after a sleeper's last look
    // at the state.
    { std::lock_guard<std::mutex> lock(sleepMutex); }
    wake.notify_all();
  }
  runTasks(generation);
  auto finished = [&] { return pending.load(std::memory_order_acquire) == 0; };
  // The other threads' tasks finish about when the caller's do; a worker
  // that was descheduled may take longer.
  while (!spinUntil(finished))
    std::this_thread::yield();
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
