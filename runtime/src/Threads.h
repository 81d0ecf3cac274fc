//===- Threads.h - a session's thread count, end to end ---------*- C++ -*-===//
//
// Every parallel loop in the runtime (oneDNN's primitives, Gaon's kernels,
// the simulator's host side) runs on the one OpenMP pool. A session's thread
// count reaches all of them through the calling thread's OpenMP state, which
// ThreadScope sets for the duration of one API call and then restores, so
// that two sessions on two threads keep their own counts and an embedding
// application's own OpenMP settings are left as they were.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_THREADS_H
#define GAON_RUNTIME_THREADS_H

namespace gaon::rt {

/// The cores this process may run on (its affinity mask, which taskset and
/// container cpusets narrow), at least 1.
int availableCores();

/// The threads a session with `requested` threads uses: all available cores
/// for 0.
inline int resolveThreads(int requested) {
  return requested > 0 ? requested : availableCores();
}

/// For its lifetime, parallel regions started on this thread use `threads`
/// threads, and pool workers that run out of work go to sleep instead of
/// spinning (docs/runtime.md, Threads).
class ThreadScope {
public:
  explicit ThreadScope(int threads);
  ~ThreadScope();
  ThreadScope(const ThreadScope &) = delete;
  ThreadScope &operator=(const ThreadScope &) = delete;

private:
  int savedThreads;
  int savedBlocktime;
};

} // namespace gaon::rt

#endif // GAON_RUNTIME_THREADS_H
