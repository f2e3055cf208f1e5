// Code point classes (the tables must say what llama.cpp's say) and UTF-8 handling.
#include <catch.hpp>

#include "text/byte_level.h"
#include "text/unicode.h"

using namespace smollm;
using namespace smollm::unicode;

TEST_CASE("code point classes across scripts", "[text][unicode]") {
    for (uint32_t cp : {0x41u, 0x7Au, 0xE9u, 0x3A9u, 0x436u, 0x5D0u, 0x627u, 0x928u, 0xE01u, 0x65E5u, 0x30C6u, 0xD55Cu,
                        0x2000Bu, 0x2C6u /* modifier letter */}) {
        INFO(std::hex << cp);
        CHECK(is_letter(cp));
    }
    for (uint32_t cp : {0x30u, 0x39u, 0xB2u, 0xBDu, 0x663u, 0x967u, 0xFF11u, 0x216Bu /* Ⅻ */, 0x1D7CEu}) {
        INFO(std::hex << cp);
        CHECK(is_number(cp));
    }
    CHECK(codepoint_class(0x301) == UnicodeClass::Mark);      // combining acute
    CHECK(codepoint_class(0x94D) == UnicodeClass::Mark);      // Devanagari virama
    CHECK(codepoint_class(0x2014) == UnicodeClass::Punctuation);
    CHECK(codepoint_class(0x3002) == UnicodeClass::Punctuation);   // ideographic full stop
    CHECK(codepoint_class(0x1F999) == UnicodeClass::Symbol);  // llama emoji
    CHECK(codepoint_class(0x20AC) == UnicodeClass::Symbol);   // euro sign
    CHECK(codepoint_class(0x200D) == UnicodeClass::Control);  // zero-width joiner (Cf)
    CHECK(codepoint_class(0xE000) == UnicodeClass::Control);  // private use
    CHECK(codepoint_class(0x378) == UnicodeClass::Unassigned);
    CHECK(codepoint_class(0x110000) == UnicodeClass::Unassigned);
    CHECK(codepoint_class(0x2FFC) == UnicodeClass::Symbol);   // added in Unicode 15.1, as in llama.cpp's tables
    CHECK(codepoint_class(0x897) == UnicodeClass::Unassigned);  // added in 16.0: not yet in llama.cpp's tables
    // \s is the White_Space property: these and nothing else.
    const uint32_t spaces[] = {0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029,
                               0x202F, 0x205F, 0x3000};
    size_t count = 0;
    for (uint32_t cp = 0; cp < 0x110000; ++cp) count += is_whitespace(cp);
    CHECK(count == 25);
    for (uint32_t cp : spaces) CHECK(is_whitespace(cp));
    CHECK_FALSE(is_whitespace(0x200B));   // zero-width space is not White_Space
}

TEST_CASE("decode_utf8 replaces each bad byte like llama.cpp", "[text][unicode]") {
    const auto decode_all = [](std::string_view s) {
        std::vector<uint32_t> cps;
        for (size_t pos = 0; pos < s.size();) cps.push_back(decode_utf8(s, &pos));
        return cps;
    };
    CHECK(decode_all("a\xC3\xA9\xE6\x97\xA5\xF0\x9F\xA6\x99") == std::vector<uint32_t>{0x61, 0xE9, 0x65E5, 0x1F999});
    CHECK(decode_all("\xE6\x97" "A") == std::vector<uint32_t>{0xFFFD, 0xFFFD, 0x41});   // truncated
    CHECK(decode_all("\x80\xBF") == std::vector<uint32_t>{0xFFFD, 0xFFFD});            // stray continuations
    CHECK(decode_all("\xC0\x80") == std::vector<uint32_t>{0xFFFD, 0xFFFD});            // overlong NUL
    CHECK(decode_all("\xED\xA0\x80") == std::vector<uint32_t>{0xFFFD, 0xFFFD, 0xFFFD});  // surrogate
    CHECK(decode_all("\xF4\x90\x80\x80") == std::vector<uint32_t>(4, 0xFFFD));         // above U+10FFFF
    CHECK(decode_all("\xFF") == std::vector<uint32_t>{0xFFFD});
    CHECK(decode_all(std::string_view("\0x", 2)) == std::vector<uint32_t>{0, 0x78});
}

TEST_CASE("append_utf8 round-trips every scalar value", "[text][unicode]") {
    std::string s;
    for (uint32_t cp = 0; cp <= kMaxCodepoint; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        s.clear();
        append_utf8(&s, cp);
        size_t pos = 0;
        const uint32_t back = decode_utf8(s, &pos);
        if (back != cp || pos != s.size()) FAIL("code point " << cp);
    }
    s.clear();
    append_utf8(&s, 0xD800);
    CHECK(s == "\xEF\xBF\xBD");
}

TEST_CASE("sanitize_utf8 uses one U+FFFD per maximal invalid subpart", "[text][unicode]") {
    CHECK(sanitize_utf8("ok") == "ok");
    CHECK(sanitize_utf8("\xE6\x97" "A") == "\xEF\xBF\xBD" "A");
    CHECK(sanitize_utf8("\xC0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(sanitize_utf8("a\xF0\x9F\xA6") == "a\xEF\xBF\xBD");   // incomplete at the end
    std::string out;
    CHECK(append_sanitized_utf8("a\xF0\x9F\xA6", &out) == 1);   // holds the incomplete tail
    CHECK(out == "a");
}

TEST_CASE("GPT-2 byte alphabet is a bijection onto 256 printable code points", "[text][unicode]") {
    CHECK(byte_level::byte_to_codepoint(' ') == 0x120);   // "Ġ"
    CHECK(byte_level::byte_to_codepoint('\n') == 0x10A);  // "Ċ"
    CHECK(byte_level::byte_to_codepoint('A') == 'A');
    for (int b = 0; b < 256; ++b) {
        CHECK(byte_level::codepoint_to_byte(byte_level::byte_to_codepoint(static_cast<uint8_t>(b))) == b);
    }
    CHECK(byte_level::decode_text("\xC4\xA0hello\xC4\x8A") == " hello\n");
}
