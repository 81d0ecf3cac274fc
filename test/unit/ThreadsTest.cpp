//===- ThreadsTest.cpp - a session's thread count is honoured -------------===//
//
// --threads=1 must mean the calling thread alone, and a session's count must
// reach every parallel loop (oneDNN's, Gaon's kernels', the simulator's).
// Thread counts are observed in fresh child processes (death-test style
// "threadsafe" re-executes this binary), where no OpenMP pool exists yet.
//
//===----------------------------------------------------------------------===//

#include "gaon/runtime.h"
#include "runtime/src/Threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <omp.h>
#include <thread>
#include <vector>

namespace {

/// The threads of this process, from /proc/self/task.
int processThreads() {
  DIR *dir = opendir("/proc/self/task");
  if (!dir)
    return -1;
  int n = 0;
  while (dirent *e = readdir(dir))
    n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

/// Runs the demo CNN `runs` times on a session with `threads` threads and
/// exits with the process's thread count (the exit code is what the parent
/// checks), or 100 on a runtime error.
[[noreturn]] void runAndExitWithThreadCount(int threads, int runs) {
  gaon_model *model = nullptr;
  if (gaon_model_load_file(GAON_TEST_GNB, nullptr, &model))
    std::exit(100);
  gaon_session_options options{"cpu", threads};
  gaon_session *session = nullptr;
  if (gaon_session_create(model, &options, &session))
    std::exit(100);
  gaon_tensor in{}, out{};
  gaon_model_input(model, 0, nullptr, &in);
  gaon_model_output(model, 0, nullptr, &out);
  std::vector<float> input(in.byte_size / 4, 0.5f), output(out.byte_size / 4);
  in.data = input.data();
  out.data = output.data();
  for (int i = 0; i < runs; ++i)
    if (gaon_session_run(session, &in, 1, &out, 1))
      std::exit(100);
  int count = processThreads();
  gaon_session_release(session);
  gaon_model_release(model);
  std::exit(count);
}

TEST(Threads, OneThreadRunsOnTheCallingThreadAlone) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(runAndExitWithThreadCount(1, 5), ::testing::ExitedWithCode(1),
              "");
}

// The same observation can fail: two threads start one pool worker.
TEST(Threads, TwoThreadsStartOneWorker) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(runAndExitWithThreadCount(2, 5), ::testing::ExitedWithCode(2),
              "");
}

// oneDNN was built against libgomp's ABI; its calls must reach the libomp
// that the runtime controls, or the sleep policy would not apply to it.
TEST(Threads, OpenMpCallsReachLibomp) {
  for (const char *symbol : {"GOMP_parallel", "omp_get_max_threads"}) {
    void *address = dlsym(RTLD_DEFAULT, symbol);
    ASSERT_NE(address, nullptr) << symbol;
    Dl_info info;
    ASSERT_NE(dladdr(address, &info), 0) << symbol;
    EXPECT_NE(std::strstr(info.dli_fname, "libomp"), nullptr)
        << symbol << " resolves to " << info.dli_fname;
  }
}

// Each thread's scope sets its own count, and restores the caller's.
TEST(Threads, ScopesArePerThreadAndRestore) {
  omp_set_num_threads(3);
  {
    gaon::rt::ThreadScope outer(2);
    EXPECT_EQ(omp_get_max_threads(), 2);
    {
      gaon::rt::ThreadScope inner(1);
      EXPECT_EQ(omp_get_max_threads(), 1);
    }
    EXPECT_EQ(omp_get_max_threads(), 2);
  }
  EXPECT_EQ(omp_get_max_threads(), 3);

  std::atomic<int> inside{0};
  std::vector<int> seen(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      gaon::rt::ThreadScope scope(t + 1);
      ++inside;
      while (inside.load() < 2) // both scopes are open at once
        std::this_thread::yield();
      int n = 0;
#pragma omp parallel
      {
#pragma omp single
        n = omp_get_num_threads();
      }
      seen[t] = n;
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(seen[0], 1);
  EXPECT_EQ(seen[1], 2);
}

TEST(Threads, ZeroMeansTheAvailableCores) {
  EXPECT_EQ(gaon::rt::resolveThreads(0), gaon::rt::availableCores());
  EXPECT_EQ(gaon::rt::resolveThreads(3), 3);
  EXPECT_GE(gaon::rt::availableCores(), 1);
}

} // namespace
