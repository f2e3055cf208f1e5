#include "text/json_string.h"

#include <cstdint>

#include "text/unicode.h"

namespace smollm {

void json_append_string(std::string& out, std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    const std::string clean = unicode::sanitize_utf8(text);
    out += '"';
    for (const char ch : clean) {
        const auto c = static_cast<uint8_t>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

}  // namespace smollm
