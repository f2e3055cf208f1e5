#include "text/byte_level.h"

#include <array>

#include "text/unicode.h"

namespace smollm::byte_level {

namespace {

struct Alphabet {
    std::array<uint32_t, 256> to_cp{};
    std::array<std::string, 256> to_text;
    std::array<int16_t, 512> from_cp{};   // every alphabet code point is below U+0200

    Alphabet() {
        from_cp.fill(-1);
        uint32_t next_extra = 256;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            to_cp[b] = printable ? b : next_extra++;
            from_cp[to_cp[b]] = static_cast<int16_t>(b);
            unicode::append_utf8(&to_text[b], to_cp[b]);
        }
    }
};

const Alphabet& alphabet() {
    static const Alphabet a;
    return a;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) { return alphabet().to_cp[b]; }

const std::string& byte_to_text(uint8_t b) { return alphabet().to_text[b]; }

int codepoint_to_byte(uint32_t cp) { return cp < 512 ? alphabet().from_cp[cp] : -1; }

std::string decode_text(std::string_view token_text) {
    std::string out;
    out.reserve(token_text.size());
    append_decoded_text(&out, token_text);
    return out;
}

void append_decoded_text(std::string* out, std::string_view token_text) {
    size_t pos = 0;
    while (pos < token_text.size()) {
        const size_t start = pos;
        const uint32_t cp = unicode::decode_utf8(token_text, &pos);
        const int b = codepoint_to_byte(cp);
        if (b >= 0) {
            out->push_back(static_cast<char>(b));
        } else {
            out->append(token_text.data() + start, pos - start);
        }
    }
}

}  // namespace smollm::byte_level
