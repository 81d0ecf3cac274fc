//===- OpDesc.cpp - one kernel call, as the kernels see it ----------------===//

#include "targets/cpu/kernels/OpDesc.h"

namespace gaon::cpu {

int64_t OpDesc::getInt(const std::string &name, int64_t dflt) const {
  auto it = attributes.find(name);
  return it == attributes.end() || it->second.ints.empty()
             ? dflt
             : it->second.ints[0];
}
double OpDesc::getFloat(const std::string &name, double dflt) const {
  auto it = attributes.find(name);
  return it == attributes.end() || it->second.floats.empty()
             ? dflt
             : it->second.floats[0];
}
std::vector<int64_t> OpDesc::getInts(const std::string &name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::vector<int64_t>() : it->second.ints;
}
std::vector<double> OpDesc::getFloats(const std::string &name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::vector<double>() : it->second.floats;
}
std::string OpDesc::getString(const std::string &name,
                              const std::string &dflt) const {
  auto it = attributes.find(name);
  return it == attributes.end() || it->second.str.empty() ? dflt
                                                           : it->second.str;
}

} // namespace gaon::cpu
