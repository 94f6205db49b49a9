#pragma once
// A standalone HTML page of a figure, the equivalent of plotly.py's write_html: plotly.js and the
// figure are inlined, so the file plays offline, and its Content-Security-Policy forbids every
// network request.
//
// The page is standalone_template.html, shared with the web page: it is compiled in here (CMake
// turns it into a string), and scripts/build-web.mjs hands the same file to web/export.js, which
// fills the same placeholders with the same escaping. The template holds three placeholders:
//   {{TITLE}}        the title, HTML-escaped
//   {{PLOTLY_JS}}    plotly.js's source, made safe inside <script> (script_safe_js)
//   {{FIGURE_JSON}}  the figure {data, layout, frames}, as JSON safe inside <script>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pcarecon {

// The template's text, as compiled in.
std::string_view standalone_template();

// & < > " ' as character references.
std::string html_escape(std::string_view text);

// JavaScript source that cannot end or confuse its <script> element: every "</script"
// (any case) becomes "<\/script" and every "<!--" becomes "<\!--" (the same code inside string
// and regular-expression literals, where alone these sequences can occur).
std::string script_safe_js(std::string_view source);

// JSON text whose every '<' is written \u003c: the same value, safe inside <script>.
std::string script_safe_json(const nlohmann::json& value);

// Throws Error when plotly_js is empty or does not look like plotly.js.
std::string standalone_html(const nlohmann::json& figure, std::string_view plotly_js,
                            std::string_view title);

}  // namespace pcarecon
