//===- ThreadPoolTest.cpp - Every task of every run, exactly once ---------===//
//
// Runs follow each other without pause, as a model's kernel calls do, so
// that workers still spinning or finishing one run meet the next: a task
// claimed twice, skipped, or run with the previous run's context shows up
// as a wrong count.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Runtime/CPU/ThreadPool.h"

#include "gtest/gtest.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

struct Counts {
  std::vector<std::atomic<int>> perTask;
  explicit Counts(int tasks) : perTask(tasks) {}
};

void countTask(void *context, int task) {
  static_cast<Counts *>(context)->perTask[task].fetch_add(1);
}

class ThreadPoolTest : public testing::TestWithParam<int> {};

TEST_P(ThreadPoolTest, BackToBackRunsRunEachTaskOnce) {
  lowrank::runtime::ThreadPool pool(GetParam());
  for (int run = 0; run < 20000; ++run) {
    int tasks = 1 + run % 7;
    Counts counts(tasks);
    pool.run(tasks, countTask, &counts);
    for (int t = 0; t < tasks; ++t)
      ASSERT_EQ(counts.perTask[t].load(), 1) << "run " << run << " task " << t;
  }
}

TEST_P(ThreadPoolTest, RunsAfterWorkersFellAsleep) {
  lowrank::runtime::ThreadPool pool(GetParam());
  for (int run = 0; run < 3; ++run) {
    // Longer than the workers spin: they wait on the condition variable.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Counts counts(8);
    pool.run(8, countTask, &counts);
    for (int t = 0; t < 8; ++t)
      ASSERT_EQ(counts.perTask[t].load(), 1) << "run " << run << " task " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadPoolTest, testing::Values(1, 2, 4));

} // namespace
