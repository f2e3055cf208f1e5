#include <string>

#include <catch.hpp>

#include "text/json_string.h"

namespace {

std::string quoted(const std::string& text) {
    std::string out;
    smollm::json_append_string(out, text);
    return out;
}

}  // namespace

TEST_CASE("json_append_string escapes what JSON requires and keeps valid UTF-8", "[text]") {
    CHECK(quoted("") == "\"\"");
    CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(quoted("\n\r\t") == "\"\\n\\r\\t\"");
    CHECK(quoted(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
    CHECK(quoted("caf\xC3\xA9 \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

TEST_CASE("json_append_string replaces invalid UTF-8 with U+FFFD per maximal subpart", "[text]") {
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(quoted("a\xFFz") == "\"a" + fffd + "z\"");
    CHECK(quoted("\xE2\x82") == "\"" + fffd + "\"");                  // truncated sequence
    CHECK(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");  // encoded surrogate
    CHECK(quoted("\xC0\xAF") == "\"" + fffd + fffd + "\"");            // overlong
}
