//===- Progress.h - a progress bar for long work on a terminal --*- C++ -*-===//
//
// Shared by the compiler and the tools. A bar appears on stderr only for
// work that has run for two seconds, only when stderr is a terminal (or the
// user asked with --progress), and never with --quiet; it redraws at most
// ten times a second and clears its line when done.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_COMMON_PROGRESS_H
#define GAON_TARGETS_COMMON_PROGRESS_H

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace gaon {

class Progress {
public:
  enum class Mode { Auto, Always, Never };
  /// The process-wide choice (gaonc --progress / --quiet), kept in the
  /// environment (GAON_PROGRESS=always|never) so that every library of the
  /// process sees the same one.
  static Mode mode() {
    const char *v = std::getenv("GAON_PROGRESS");
    if (v && std::strcmp(v, "always") == 0)
      return Mode::Always;
    if (v && std::strcmp(v, "never") == 0)
      return Mode::Never;
    return Mode::Auto;
  }
  static void setMode(Mode m) {
    if (m == Mode::Auto)
      unsetenv("GAON_PROGRESS");
    else
      setenv("GAON_PROGRESS", m == Mode::Always ? "always" : "never", 1);
  }
  /// Whether bars are drawn at all in this process.
  static bool enabled() {
    return mode() == Mode::Always ||
           (mode() == Mode::Auto && isatty(STDERR_FILENO));
  }

  /// `total` 0: the amount of work is unknown (a count, no percentage).
  Progress(std::string what, uint64_t total)
      : what(std::move(what)), total(total), start(Clock::now()) {}
  ~Progress() { finish(); }
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  void update(uint64_t done, const std::string &detail = "") {
    if (!enabled())
      return;
    auto now = Clock::now();
    bool due = now - start >= kDelay && now - lastDraw >= kInterval;
    bool forced = mode() == Mode::Always && !drawn;
    if (!due && !forced)
      return;
    lastDraw = now;
    drawn = true;
    std::string line = "\r" + what + " ";
    if (total) {
      int filled = int(kWidth * std::min<uint64_t>(done, total) / total);
      line += "[" + std::string(filled, '#') + std::string(kWidth - filled, ' ') +
              "] " + std::to_string(100 * std::min<uint64_t>(done, total) / total) +
              "% " + std::to_string(done) + "/" + std::to_string(total);
    } else {
      line += std::to_string(done);
    }
    if (!detail.empty())
      line += " " + detail;
    if (line.size() > 100)
      line.resize(100);
    std::fprintf(stderr, "%s\033[K", line.c_str());
    std::fflush(stderr);
  }

  /// Clears the bar's line (the log that follows starts clean).
  void finish() {
    if (!drawn)
      return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn = false;
  }

private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kDelay = std::chrono::seconds(2);
  static constexpr auto kInterval = std::chrono::milliseconds(100);
  static constexpr int kWidth = 30;
  std::string what;
  uint64_t total;
  Clock::time_point start, lastDraw{};
  bool drawn = false;
};

} // namespace gaon

#endif // GAON_TARGETS_COMMON_PROGRESS_H
