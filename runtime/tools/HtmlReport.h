//===- HtmlReport.h - one self-contained HTML report -------------*- C++ -*-===//
//
// gaonc --report=R.html and gaon-run --profile=P.html: one file with its
// data, styles and drawing code inline (no network fetches; users open
// these offline).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_HTMLREPORT_H
#define GAON_RUNTIME_TOOLS_HTMLREPORT_H

#include <string>

namespace gaon::tools {

/// Whether a report path asks for HTML (it ends in .html or .htm).
bool wantsHtml(const std::string &path);

/// The report page. `placementJson` is gaonc's placement report (or empty),
/// `profileJson` a run's profile, simulated or host (or empty); both are
/// the JSON the tools write.
std::string renderHtmlReport(const std::string &title,
                             const std::string &placementJson,
                             const std::string &profileJson);

} // namespace gaon::tools

#endif // GAON_RUNTIME_TOOLS_HTMLREPORT_H
