//===- Threads.cpp - a session's thread count, end to end -----------------===//

#include "Threads.h"

#include <omp.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

// libomp's extension (omp.h here is GCC's, which does not declare it).
extern "C" int kmp_get_blocktime(void);
extern "C" void kmp_set_blocktime(int milliseconds);

namespace gaon::rt {
namespace {

/// How long (ms) idle workers spin before they sleep when a core is free
/// for each: long enough to bridge the gap between two kernels of one run.
constexpr int kSpinMilliseconds = 1;
/// How often the machine's load is sampled.
constexpr double kSampleSeconds = 0.1;

/// The cores the machine's other processes kept busy, averaged over the last
/// sampling window: /proc/stat's busy time of all cores minus this process's
/// own CPU time (which includes its workers' spinning).
class MachineLoad {
public:
  /// The other processes' busy cores, or -1 where /proc cannot be read.
  double othersBusyCores() {
    std::lock_guard<std::mutex> lock(mutex);
    double now = seconds(CLOCK_MONOTONIC);
    if (haveSample && now - sampleWall < kSampleSeconds)
      return cached;
    double busy, self = seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (!machineBusySeconds(busy))
      return cached = -1;
    if (haveSample) {
      double window = now - sampleWall;
      cached = ((busy - sampleBusy) - (self - sampleSelf)) / window;
    } else {
      // Before the first window: the tasks running right now, less the
      // calling thread (the first scope of the process runs alone).
      cached = runningTasks() - 1;
    }
    haveSample = true;
    sampleWall = now;
    sampleBusy = busy;
    sampleSelf = self;
    return cached;
  }

private:
  static double seconds(clockid_t clock) {
    timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
  }

  /// All cores' busy time since boot, from the first line of /proc/stat.
  static bool machineBusySeconds(double &busy) {
    std::FILE *f = std::fopen("/proc/stat", "r");
    if (!f)
      return false;
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
    int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
                        &user, &nice, &system, &idle, &iowait, &irq, &softirq,
                        &steal);
    std::fclose(f);
    if (n != 8)
      return false;
    static const double tick = 1.0 / sysconf(_SC_CLK_TCK);
    busy = double(user + nice + system + irq + softirq + steal) * tick;
    return true;
  }

  /// The tasks running now on all cores (/proc/loadavg's fourth field), or
  /// 0 where it cannot be read.
  static int runningTasks() {
    std::FILE *f = std::fopen("/proc/loadavg", "r");
    if (!f)
      return 0;
    double l1, l5, l15;
    int running = 0, total;
    if (std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running,
                    &total) != 5)
      running = 0;
    std::fclose(f);
    return running;
  }

  std::mutex mutex;
  bool haveSample = false;
  double sampleWall = 0, sampleBusy = 0, sampleSelf = 0, cached = -1;
};

/// Whether each of `threads` threads can have a core that no other process
/// keeps busy.
bool coreForEachThread(int threads) {
  static MachineLoad load;
  double others = load.othersBusyCores();
  if (others < 0)
    return false;
  // A quarter core of slack absorbs the 10 ms granularity of /proc/stat.
  return availableCores() - others >= threads - 0.25;
}

} // namespace

int availableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return n;
  }
  return 1;
}

ThreadScope::ThreadScope(int threads) {
  savedThreads = omp_get_max_threads();
  savedBlocktime = kmp_get_blocktime();
  omp_set_num_threads(threads);
  // Spinning workers answer the next parallel region sooner, but when other
  // processes hold the cores a spinning worker takes the time slice that the
  // thread with work needs; libomp's default (200 ms of spinning) and
  // libgomp's (about 3 ms) then make a run several times slower. So workers
  // spin briefly only while the machine has a core free for each.
  kmp_set_blocktime(threads > 1 && coreForEachThread(threads)
                        ? kSpinMilliseconds
                        : 0);
}

ThreadScope::~ThreadScope() {
  kmp_set_blocktime(savedBlocktime);
  omp_set_num_threads(savedThreads);
}

} // namespace gaon::rt
