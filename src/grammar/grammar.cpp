#include "grammar/grammar.h"

namespace smollm::grammar {

GrammarError::GrammarError(const std::string& message, uint32_t line, uint32_t column)
    : std::runtime_error(line ? message + " at line " + std::to_string(line) + ", column " + std::to_string(column)
                              : message),
      line_(line), column_(column) {}

bool Grammar::match_char(uint32_t pos, uint32_t cp, uint32_t* after) const {
    const bool positive = elements[pos].type != ElementType::CharNot;
    bool found = false;
    do {
        const Element& e = elements[pos];
        if (elements[pos + 1].type == ElementType::CharRange) {
            found = found || (e.value <= cp && cp <= elements[pos + 1].value);
            pos += 2;
        } else {
            found = found || e.type == ElementType::CharAny || e.value == cp;
            pos += 1;
        }
    } while (elements[pos].type == ElementType::CharAlt);
    *after = pos;
    return found == positive;
}

bool Grammar::match_partial_char(uint32_t pos, uint32_t partial_value, int32_t n_remain) const {
    const bool positive = elements[pos].type != ElementType::CharNot;
    // An invalid sequence, or a 7-bit character spread over two bytes (overlong), can match
    // nothing.
    if (n_remain < 0 || (n_remain == 1 && partial_value < 2)) return false;
    // The code points this sequence can still complete to: [low, high].
    uint32_t low = partial_value << (n_remain * 6);
    const uint32_t high = low | ((1u << (n_remain * 6)) - 1);
    if (low == 0) {
        if (n_remain == 2) low = 1u << 11;
        if (n_remain == 3) low = 1u << 16;
    }
    do {
        const Element& e = elements[pos];
        if (elements[pos + 1].type == ElementType::CharRange) {
            if (e.value <= high && low <= elements[pos + 1].value) return positive;
            pos += 2;
        } else if (e.type == ElementType::CharAny) {
            return true;
        } else {
            if (low <= e.value && e.value <= high) return positive;
            pos += 1;
        }
    } while (elements[pos].type == ElementType::CharAlt);
    return !positive;
}

namespace {

void append_class_char(std::string& out, uint32_t cp) {
    static const char* hex = "0123456789ABCDEF";
    if (cp == '\\' || cp == ']' || cp == '[' || cp == '-' || cp == '"' || cp == '^') {
        out += '\\';
        out += static_cast<char>(cp);
    } else if (cp >= 0x20 && cp < 0x7f) {
        out += static_cast<char>(cp);
    } else if (cp <= 0xFF) {
        out += "\\x";
        out += hex[cp >> 4];
        out += hex[cp & 15];
    } else if (cp <= 0xFFFF) {
        out += "\\u";
        for (int s = 12; s >= 0; s -= 4) out += hex[(cp >> s) & 15];
    } else {
        out += "\\U";
        for (int s = 28; s >= 0; s -= 4) out += hex[(cp >> s) & 15];
    }
}

}  // namespace

std::string Grammar::to_gbnf() const {
    std::string out;
    for (size_t r = 0; r < rule_start.size(); ++r) {
        out += rule_names[r] + " ::=";
        for (uint32_t pos = rule_start[r]; elements[pos].type != ElementType::End;) {
            const Element& e = elements[pos];
            switch (e.type) {
                case ElementType::Alt: out += " |"; ++pos; break;
                case ElementType::RuleRef: out += " " + rule_names[e.value]; ++pos; break;
                case ElementType::CharAny: out += " ."; ++pos; break;
                case ElementType::Char:
                case ElementType::CharNot:
                    out += e.type == ElementType::CharNot ? " [^" : " [";
                    do {
                        append_class_char(out, elements[pos].value);
                        if (elements[pos + 1].type == ElementType::CharRange) {
                            out += '-';
                            append_class_char(out, elements[pos + 1].value);
                            pos += 2;
                        } else {
                            pos += 1;
                        }
                    } while (elements[pos].type == ElementType::CharAlt);
                    out += ']';
                    break;
                default: ++pos; break;  // CharAlt / CharRange are consumed with their class
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace smollm::grammar
