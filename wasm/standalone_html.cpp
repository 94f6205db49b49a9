#include "standalone_html.h"

#include <cctype>
#include <cstddef>

#include "error.h"
#include "standalone_template.h"  // generated: detail::kStandaloneTemplate

namespace pcarecon {
namespace {

bool starts_with_ignoring_case(std::string_view text, size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[at + i]);
    if (std::tolower(c) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view standalone_template() { return detail::kStandaloneTemplate; }

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string script_safe_js(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '<' && starts_with_ignoring_case(source, i + 1, "/script")) {
      out += "<\\/";
      ++i;  // the '/' is written above
    } else if (source[i] == '<' && source.substr(i + 1, 3) == "!--") {
      out += "<\\!";
      ++i;
    } else {
      out += source[i];
    }
  }
  return out;
}

std::string script_safe_json(const nlohmann::json& value) {
  const std::string text = value.dump();
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<')
      out += "\\u003c";  // '<' occurs only inside JSON strings, where \u003c is the same character
    else
      out += c;
  }
  return out;
}

std::string standalone_html(const nlohmann::json& figure, std::string_view plotly_js,
                            std::string_view title) {
  if (plotly_js.empty()) throw Error("the plotly.js source is empty");
  if (plotly_js.find("Plotly") == std::string_view::npos ||
      plotly_js.find("newPlot") == std::string_view::npos)
    throw Error("the plotly.js source does not look like plotly.js (no Plotly.newPlot in it)");
  if (!figure.is_object() || !figure.contains("data") || !figure.contains("layout"))
    throw internal_error("the figure has no data or layout");

  const std::string_view page = standalone_template();
  std::string out;
  out.reserve(page.size() + plotly_js.size() + (1 << 20));
  // One pass over the template: text put in is never searched for placeholders again. Only the
  // three names are placeholders (web/export.js matches exactly these too).
  size_t at = 0;
  for (size_t open = page.find("{{"); open != std::string_view::npos;
       open = page.find("{{", open + 1)) {
    if (open < at) continue;
    const std::string_view rest = page.substr(open);
    std::string value;
    size_t length = 0;
    if (rest.substr(0, 9) == "{{TITLE}}") {
      value = html_escape(title);
      length = 9;
    } else if (rest.substr(0, 13) == "{{PLOTLY_JS}}") {
      value = script_safe_js(plotly_js);
      length = 13;
    } else if (rest.substr(0, 15) == "{{FIGURE_JSON}}") {
      value = script_safe_json(figure);
      length = 15;
    } else {
      continue;
    }
    out.append(page.substr(at, open - at));
    out += value;
    at = open + length;
  }
  out.append(page.substr(at));
  return out;
}

}  // namespace pcarecon
