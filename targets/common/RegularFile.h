//===- RegularFile.h - open only regular files, without blocking -*- C++ -*-===//
//
// Every file Gaon reads by name (models, external data, weights sidecars,
// tensors, NPU configurations) goes through this: a FIFO, a device or a
// directory is refused with a message instead of blocking the tool or
// streaming forever. The open itself does not block (O_NONBLOCK), so a FIFO
// with no writer is refused at once. Plain POSIX, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_COMMON_REGULARFILE_H
#define GAON_TARGETS_COMMON_REGULARFILE_H

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gaon {

/// Opens `path` read-only if it is a regular file; returns the descriptor
/// (with its size in `size`) or -1 with the reason in `error`.
inline int openRegularFile(const std::string &path, uint64_t &size,
                           std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "'" + path + "' is not a regular file";
    return -1;
  }
  size = uint64_t(st.st_size);
  return fd;
}

/// Reads all of a regular file of at most `maxBytes` into `data`.
inline bool readRegularFile(const std::string &path, std::string &data,
                            std::string &error,
                            uint64_t maxBytes = UINT64_MAX) {
  uint64_t size = 0;
  int fd = openRegularFile(path, size, error);
  if (fd < 0)
    return false;
  if (size > maxBytes) {
    ::close(fd);
    error = "'" + path + "' is " + std::to_string(size) +
            " bytes; at most " + std::to_string(maxBytes) + " are read";
    return false;
  }
  data.resize(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data.data() + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      error = "cannot read '" + path + "'";
      return false;
    }
    done += uint64_t(n);
  }
  ::close(fd);
  return true;
}

} // namespace gaon

#endif // GAON_TARGETS_COMMON_REGULARFILE_H
