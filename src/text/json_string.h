// JSON string literals for text that may not be valid UTF-8 (GGUF metadata, token pieces,
// decoded text): used by the web glue's header JSON and the tools' JSON-lines protocols.
#pragma once
#include <string>
#include <string_view>

namespace smollm {

// Appends `text` as a JSON string literal (quotes included). Invalid UTF-8 becomes U+FFFD, one
// per maximal invalid subpart (as the WHATWG decoder does); control characters and DEL are
// written as \u escapes.
void json_append_string(std::string& out, std::string_view text);

}  // namespace smollm
