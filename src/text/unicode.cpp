#include "text/unicode.h"

#include <algorithm>
#include <array>
#include <vector>

#include "text/unicode_tables.h"

namespace smollm::unicode {

namespace {

uint8_t lookup_ranges(uint32_t cp) {
    const uint32_t* begin = unicode_tables::kRanges;
    const uint32_t* end = begin + unicode_tables::kRangeCount;
    // First entry whose start is above cp, then step back one.
    const uint32_t* it = std::upper_bound(begin, end, cp, [](uint32_t value, uint32_t entry) {
        return value < (entry >> 4);
    });
    return static_cast<uint8_t>(*(it - 1) & 0xF);
}

// The Basic Multilingual Plane covers nearly all text; a flat table makes its lookups one load.
const std::vector<uint8_t>& bmp_table() {
    static const std::vector<uint8_t> table = [] {
        std::vector<uint8_t> t(0x10000);
        for (uint32_t cp = 0; cp < 0x10000; ++cp) t[cp] = lookup_ranges(cp);
        return t;
    }();
    return table;
}

}  // namespace

uint8_t codepoint_flags(uint32_t cp) {
    if (cp < 0x10000) return bmp_table()[cp];
    if (cp > kMaxCodepoint) return 0;
    return lookup_ranges(cp);
}

int well_formed_length(std::string_view text, size_t pos) {
    const size_t avail = text.size() - pos;
    const auto b = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
    const uint8_t b0 = b(0);
    if (b0 < 0x80) return 1;
    int need;
    uint8_t lo = 0x80, hi = 0xBF;   // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3;
        if (b0 == 0xE0) lo = 0xA0;        // overlong
        if (b0 == 0xED) hi = 0x9F;        // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4;
        if (b0 == 0xF0) lo = 0x90;        // overlong
        if (b0 == 0xF4) hi = 0x8F;        // above U+10FFFF
    } else {
        return 0;
    }
    for (int i = 1; i < need; ++i) {
        if (static_cast<size_t>(i) >= avail) return -1;
        const uint8_t c = b(i);
        const uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (c < l || c > h) return 0;
    }
    return need;
}

uint32_t decode_utf8(std::string_view text, size_t* pos) {
    const size_t p = *pos;
    const int len = well_formed_length(text, p);
    if (len <= 0) {
        *pos = p + 1;
        return kReplacement;
    }
    const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(text[p + i])); };
    uint32_t cp;
    switch (len) {
        case 1: cp = b(0); break;
        case 2: cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F); break;
        case 3: cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F); break;
        default:
            cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
            break;
    }
    *pos = p + static_cast<size_t>(len);
    return cp;
}

void append_utf8(std::string* out, uint32_t cp) {
    if (cp > kMaxCodepoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    if (cp < 0x80) {
        out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

namespace {

// Bytes in the maximal invalid subpart starting at pos: the lead byte plus the continuation
// bytes that were still acceptable before the sequence went wrong (at least 1).
size_t maximal_subpart(std::string_view text, size_t pos) {
    size_t n = 1;
    while (pos + n < text.size()) {
        const int len = well_formed_length(text.substr(0, pos + n + 1), pos);
        if (len != -1) break;   // the prefix including byte n is no longer a valid beginning
        ++n;
    }
    return n;
}

}  // namespace

size_t append_sanitized_utf8(std::string_view text, std::string* out) {
    size_t pos = 0;
    while (pos < text.size()) {
        const int len = well_formed_length(text, pos);
        if (len == -1) break;
        if (len > 0) {
            out->append(text.data() + pos, static_cast<size_t>(len));
            pos += static_cast<size_t>(len);
        } else {
            append_utf8(out, kReplacement);
            pos += maximal_subpart(text, pos);
        }
    }
    return pos;
}

std::string sanitize_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    if (append_sanitized_utf8(text, &out) < text.size()) append_utf8(&out, kReplacement);
    return out;
}

}  // namespace smollm::unicode
