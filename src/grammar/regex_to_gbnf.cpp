#include "grammar/regex_to_gbnf.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

namespace smollm::grammar {
namespace {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
// {m,n} is expanded by the GBNF parser; beyond this the grammar would be huge.
constexpr int64_t kMaxRepeat = 1000;
constexpr int kMaxDepth = 100;
constexpr uint32_t kNoChar = 0xFFFFFFFF;

// A set of code points as sorted, disjoint, non-adjacent closed ranges.
using CharSet = std::vector<std::pair<uint32_t, uint32_t>>;

CharSet normalized(CharSet s) {
    std::sort(s.begin(), s.end());
    CharSet out;
    for (const auto& r : s) {
        if (!out.empty() && r.first <= out.back().second + 1) {
            out.back().second = std::max(out.back().second, r.second);
        } else {
            out.push_back(r);
        }
    }
    return out;
}

CharSet complement(const CharSet& s) {
    CharSet out;
    uint32_t next = 0;
    for (const auto& r : normalized(s)) {
        if (r.first > next) out.emplace_back(next, r.first - 1);
        next = r.second + 1;
    }
    if (next <= kMaxCodePoint) out.emplace_back(next, kMaxCodePoint);
    return out;
}

const CharSet kDigits = {{'0', '9'}};
const CharSet kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
// ECMA-262 WhiteSpace and LineTerminator.
const CharSet kSpace = {{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                        {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
// `.` matches anything but a line terminator.
const CharSet kDot = complement({{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}});

std::string class_char(uint32_t cp) {
    if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return std::string(1, static_cast<char>(cp));
    char buf[16];
    if (cp < 0x80) {
        std::snprintf(buf, sizeof buf, "\\x%02X", cp);
    } else if (cp < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04X", cp);
    } else {
        std::snprintf(buf, sizeof buf, "\\U%08X", cp);
    }
    return buf;
}

std::string class_range(uint32_t lo, uint32_t hi) {
    std::string out = class_char(lo);
    if (hi > lo) out.append("-").append(class_char(hi));
    return out;
}

// GBNF for a hex digit of either case.
std::string hex_digit(uint32_t v) {
    const char* digits = "0123456789abcdef";
    if (v < 10) return std::string("\"") + digits[v] + "\"";
    return std::string("[") + digits[v] + static_cast<char>(digits[v] - 'a' + 'A') + "]";
}

// How JSON writes a character it must escape: the short form where there is one, else \u00XX.
std::string escaped_char(uint32_t cp) {
    switch (cp) {
        case '"': return R"("\\\"")";
        case '\\': return R"("\\\\")";
        case 0x08: return R"("\\b")";
        case 0x0C: return R"("\\f")";
        case 0x0A: return R"("\\n")";
        case 0x0D: return R"("\\r")";
        case 0x09: return R"("\\t")";
        default: return "\"\\\\u00\" " + hex_digit(cp >> 4) + " " + hex_digit(cp & 0xF);
    }
}

bool must_escape(uint32_t cp) { return cp < 0x20 || cp == '"' || cp == '\\' || cp == 0x7F; }

// A GBNF primary (one item that a quantifier may follow) for one JSON-encoded character of
// `set`. Controls are written either way JSON allows: \n or \u000a (either case of hex).
std::string charset_gbnf(const CharSet& set) {
    auto contains = [&](uint32_t cp) {
        return std::any_of(set.begin(), set.end(), [cp](const auto& r) { return cp >= r.first && cp <= r.second; });
    };
    std::string raw;
    for (const auto& [lo, hi] : set) {
        uint32_t start = lo;
        for (uint32_t cp = lo; cp <= hi && cp <= 0x7F; ++cp) {
            if (!must_escape(cp)) continue;
            if (cp > start) raw += class_range(start, cp - 1);
            start = cp + 1;
        }
        if (start <= hi) raw += class_range(start, hi);
    }
    std::vector<std::string> alts;
    if (!raw.empty()) alts.push_back(std::string("[").append(raw).append("]"));
    for (uint32_t cp : {uint32_t{'"'}, uint32_t{'\\'}, 0x08u, 0x09u, 0x0Au, 0x0Cu, 0x0Du}) {
        if (contains(cp)) alts.push_back(escaped_char(cp));
    }
    for (uint32_t high : {0x00u, 0x10u}) {
        std::string low;
        for (uint32_t v = 0; v < 16; ++v) {
            if (!contains(high + v)) continue;
            low += static_cast<char>("0123456789abcdef"[v]);
            if (v >= 10) low += static_cast<char>("0123456789ABCDEF"[v]);
        }
        if (!low.empty()) alts.push_back(std::string("\"\\\\u00") + (high ? "1" : "0") + "\" [" + low + "]");
    }
    if (contains(0x7F)) alts.push_back(R"("\\u007" [fF])");
    if (alts.size() == 1) return alts[0];
    std::string out = "(";
    for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
    return out + ")";
}

std::string literal_gbnf(uint32_t cp) {
    if (must_escape(cp)) return escaped_char(cp);
    std::string utf8;
    if (cp < 0x80) {
        utf8 += static_cast<char>(cp);
    } else if (cp < 0x800) {
        utf8 += static_cast<char>(0xC0 | (cp >> 6));
        utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        utf8 += static_cast<char>(0xE0 | (cp >> 12));
        utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        utf8 += static_cast<char>(0xF0 | (cp >> 18));
        utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return "\"" + utf8 + "\"";
}

std::vector<uint32_t> decode_utf8(std::string_view s) {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < s.size();) {
        const uint8_t b = static_cast<uint8_t>(s[i]);
        const size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) throw InvalidPattern("the pattern is not valid UTF-8");
        uint32_t cp = len == 1 ? b : b & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
            const uint8_t c = static_cast<uint8_t>(s[i + k]);
            if ((c & 0xC0) != 0x80) throw InvalidPattern("the pattern is not valid UTF-8");
            cp = (cp << 6) | (c & 0x3F);
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

// Whether `gbnf` is a single string literal ("ab", "\\\""), which can join its neighbours.
bool is_one_literal(const std::string& gbnf) {
    if (gbnf.size() < 2 || gbnf.front() != '"') return false;
    size_t i = 1;
    while (i < gbnf.size() && gbnf[i] != '"') i += gbnf[i] == '\\' ? 2 : 1;
    return i == gbnf.size() - 1;
}

class RegexConverter {
public:
    RegexConverter(std::string_view pattern, const std::string& name, const std::function<std::string()>& char_rule,
                   const std::function<std::string(const std::string&, const std::string&)>& add_rule)
        : text_(decode_utf8(pattern)), name_(name), char_rule_(char_rule), add_rule_(add_rule) {}

    std::string convert() {
        // Top level: each alternative may start with ^ and end with $; a side without its
        // anchor may have anything there.
        std::vector<std::string> alts;
        do {
            const bool anchored_start = eat('^');
            std::string body = sequence(0, true);
            const bool anchored_end = eat('$');
            const std::string any = anchored_start && anchored_end ? "" : char_rule_() + "*";
            std::string alt = (anchored_start ? "" : any + " ") + body + (anchored_end ? "" : " " + any);
            alts.push_back(alt);
        } while (eat('|'));
        if (!at_end()) throw InvalidPattern(where() + "unmatched ')'");
        // Reported only now, so a malformed regex is called malformed even when it also
        // uses an unsupported feature.
        if (!unsupported_.empty()) throw UnsupportedPattern(unsupported_);
        std::string body;
        for (size_t i = 0; i < alts.size(); ++i) body += (i ? " | " : "") + alts[i];
        return "\"\\\"\" (" + body + ") \"\\\"\"";
    }

private:
    bool at_end() const { return pos_ >= text_.size(); }
    uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : 0; }
    bool eat(uint32_t c) {
        if (at_end() || text_[pos_] != c) return false;
        ++pos_;
        return true;
    }
    std::string where() const { return "at offset " + std::to_string(pos_) + ": "; }
    // Records the first unsupported feature; parsing goes on to find syntax errors.
    void unsupported(size_t at, const std::string& what) {
        if (unsupported_.empty()) unsupported_ = "at offset " + std::to_string(at) + ": " + what + " is not supported";
    }

    std::string alternation(int depth) {
        std::string out;
        bool first = true;
        do {
            out += (first ? "" : " | ") + sequence(depth, false);
            first = false;
        } while (eat('|'));
        return out;
    }

    // Items up to '|', ')' or the end (and, at the top level, a final '$').
    std::string sequence(int depth, bool top) {
        std::string out;
        bool last_plain = false;
        while (!at_end() && peek() != '|' && peek() != ')') {
            if (top && peek() == '$' && pos_ + 1 == text_.size()) break;
            if (top && peek() == '$' && peek(1) == '|') break;
            const std::string item = quantified(atom(depth));
            // Adjacent plain literals join into one ("a" "b" -> "ab").
            const bool plain = is_one_literal(item);
            if (plain && last_plain && !out.empty()) {
                out.pop_back();
                out += item.substr(1);
            } else {
                out += (out.empty() ? "" : " ") + item;
            }
            last_plain = plain;
        }
        // An empty sequence: an empty group matches the empty string.
        return out.empty() ? "\"\"" : out;
    }

    std::string atom(int depth) {
        const uint32_t c = text_[pos_];
        if (c == '(') {
            const size_t start = pos_++;
            if (eat('?')) {
                if (eat(':')) {
                } else if (peek() == '=' || peek() == '!') {
                    unsupported(start, "lookahead");
                    ++pos_;
                } else if (peek() == '<' && (peek(1) == '=' || peek(1) == '!')) {
                    unsupported(start, "lookbehind");
                    pos_ += 2;
                } else if (eat('<')) {  // a named group: a plain group here (no backreferences)
                    while (!at_end() && peek() != '>') ++pos_;
                    if (!eat('>')) throw InvalidPattern(where() + "unterminated group name");
                } else {
                    unsupported(start, "the group syntax '(?" + std::string(1, static_cast<char>(peek())) + "'");
                }
            }
            if (depth + 1 > kMaxDepth) throw UnsupportedPattern(where() + "nesting deeper than 100 groups is not supported");
            const std::string inner = alternation(depth + 1);
            if (!eat(')')) throw InvalidPattern(where() + "missing ')'");
            return "(" + inner + ")";
        }
        if (c == '[') return character_class();
        if (c == '.') {
            ++pos_;
            return rule_for(kDot);
        }
        if (c == '^' || c == '$') {
            unsupported(pos_++, std::string("'") + static_cast<char>(c) + "' inside the pattern");
            return "\"\"";
        }
        if (c == '*' || c == '+' || c == '?') throw InvalidPattern(where() + "nothing to repeat");
        if (c == '{' && repeat_bounds_ahead()) throw InvalidPattern(where() + "nothing to repeat");
        if (c == '\\') {
            CharSet set;
            const uint32_t cp = escape(false, &set);
            if (!set.empty()) return rule_for(set);
            return cp == kNoChar ? "\"\"" : literal_gbnf(cp);
        }
        ++pos_;
        return literal_gbnf(c);  // includes a lone ']', '{' or '}' (literal in ECMAScript)
    }

    std::string rule_for(const CharSet& set) {
        if (set.empty()) {
            unsupported(pos_, "an empty character class (it matches nothing)");
            return "\"\"";
        }
        const std::string gbnf = charset_gbnf(set);
        return gbnf[0] == '(' ? add_rule_(name_ + "-char", gbnf.substr(1, gbnf.size() - 2)) : gbnf;
    }

    // After a backslash: a class escape fills *set, anything else returns the character, or
    // kNoChar for an unsupported escape (recorded). Inside a class \b is backspace.
    uint32_t escape(bool in_class, CharSet* set) {
        const size_t start = pos_++;  // the backslash
        if (at_end()) throw InvalidPattern(where() + "trailing backslash");
        const uint32_t c = text_[pos_++];
        auto skip_braced = [&](uint32_t open, uint32_t close) {
            if (!eat(open)) return;
            while (!at_end() && peek() != close) ++pos_;
            if (!eat(close)) throw InvalidPattern(where() + "unterminated escape");
        };
        switch (c) {
            case 'd': *set = kDigits; return kNoChar;
            case 'D': *set = complement(kDigits); return kNoChar;
            case 'w': *set = kWord; return kNoChar;
            case 'W': *set = complement(kWord); return kNoChar;
            case 's': *set = kSpace; return kNoChar;
            case 'S': *set = complement(kSpace); return kNoChar;
            case 't': return 0x09;
            case 'n': return 0x0A;
            case 'v': return 0x0B;
            case 'f': return 0x0C;
            case 'r': return 0x0D;
            case 'b':
                if (in_class) return 0x08;
                unsupported(start, "the word boundary '\\b'");
                return kNoChar;
            case 'B': unsupported(start, "the word boundary '\\B'"); return kNoChar;
            case '0':
                if (peek() < '0' || peek() > '9') return 0;
                unsupported(start, "an octal escape");
                while (peek() >= '0' && peek() <= '9') ++pos_;
                return kNoChar;
            case 'x': return hex_escape(start, 2);
            case 'u':
                if (peek() != '{') return hex_escape(start, 4);
                unsupported(start, "the escape '\\u{...}'");
                skip_braced('{', '}');
                return kNoChar;
            case 'c':
                if ((peek() | 0x20) >= 'a' && (peek() | 0x20) <= 'z') return text_[pos_++] % 32;
                throw InvalidPattern(where() + "'\\c' must be followed by a letter");
            case 'p':
            case 'P':
                unsupported(start, "the Unicode property escape '\\" + std::string(1, static_cast<char>(c)) + "'");
                skip_braced('{', '}');
                return kNoChar;
            case 'k':
                unsupported(start, "the backreference '\\k'");
                skip_braced('<', '>');
                return kNoChar;
            default: break;
        }
        if (c >= '1' && c <= '9') {
            unsupported(start, "a backreference");
            while (peek() >= '0' && peek() <= '9') ++pos_;
            return kNoChar;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            pos_ = start;
            throw InvalidPattern(where() + "unknown escape '\\" + std::string(1, static_cast<char>(c)) + "'");
        }
        return c;  // an escaped punctuation or other character stands for itself
    }

    uint32_t hex_escape(size_t start, size_t digits) {
        uint32_t v = 0;
        for (size_t k = 0; k < digits; ++k) {
            const uint32_t h = peek();
            const int d = h >= '0' && h <= '9' ? static_cast<int>(h - '0')
                          : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? static_cast<int>((h | 0x20) - 'a' + 10) : -1;
            if (d < 0) throw InvalidPattern(where() + "expected " + std::to_string(digits) + " hex digits");
            v = v * 16 + static_cast<uint32_t>(d);
            ++pos_;
        }
        if (v < 0xD800 || v > 0xDFFF) return v;
        unsupported(start, "a UTF-16 surrogate escape (write the character itself)");
        return kNoChar;
    }

    std::string character_class() {
        ++pos_;  // '['
        const bool negated = eat('^');
        CharSet set;
        while (!at_end() && peek() != ']') {
            CharSet item_set;
            const uint32_t lo = class_atom(&item_set);
            if (!item_set.empty() || lo == kNoChar) {
                set.insert(set.end(), item_set.begin(), item_set.end());
                continue;
            }
            if (peek() == '-' && peek(1) != ']' && pos_ + 1 < text_.size()) {
                ++pos_;
                CharSet hi_set;
                const uint32_t hi = class_atom(&hi_set);
                if (!hi_set.empty() || hi == kNoChar) {  // [a-\d]: ECMAScript reads 'a', '-' and \d
                    set.insert(set.end(), hi_set.begin(), hi_set.end());
                    set.emplace_back(lo, lo);
                    set.emplace_back('-', '-');
                    continue;
                }
                if (hi < lo) throw InvalidPattern(where() + "range out of order in character class");
                set.emplace_back(lo, hi);
            } else {
                set.emplace_back(lo, lo);
            }
        }
        if (!eat(']')) throw InvalidPattern(where() + "unterminated character class");
        set = normalized(set);
        return rule_for(negated ? complement(set) : set);
    }

    uint32_t class_atom(CharSet* set) {
        if (peek() == '\\') return escape(true, set);
        if (peek() == '[' && (peek(1) == ':' || peek(1) == '=' || peek(1) == '.')) unsupported(pos_, "a POSIX class");
        return text_[pos_++];
    }

    // Whether a {m}, {m,} or {m,n} quantifier starts here.
    bool repeat_bounds_ahead() const {
        size_t p = pos_ + 1;
        auto digits = [&] {
            const size_t start = p;
            while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9') ++p;
            return p > start;
        };
        if (!digits()) return false;
        if (p < text_.size() && text_[p] == ',') {
            ++p;
            digits();
        }
        return p < text_.size() && text_[p] == '}';
    }

    int64_t number() {
        int64_t v = 0;
        while (peek() >= '0' && peek() <= '9') {
            v = std::min<int64_t>(v * 10 + (text_[pos_++] - '0'), kMaxRepeat + 1);
        }
        return v;
    }

    std::string quantified(const std::string& item) {
        std::string q;
        if (peek() == '*' || peek() == '+' || peek() == '?') {
            q = std::string(1, static_cast<char>(text_[pos_++]));
        } else if (peek() == '{' && repeat_bounds_ahead()) {
            const size_t start = pos_++;
            int64_t lo = number();
            int64_t hi = lo;
            if (eat(',')) hi = peek() == '}' ? -1 : number();
            ++pos_;  // '}'
            if (lo > kMaxRepeat || hi > kMaxRepeat) {
                unsupported(start, "a repetition count above 1000");
                lo = std::min(lo, kMaxRepeat);
                hi = std::min(hi, kMaxRepeat);
            }
            if (hi >= 0 && hi < lo) throw InvalidPattern(where() + "numbers out of order in {} quantifier");
            q = "{" + std::to_string(lo) + (hi == lo ? "" : "," + (hi < 0 ? std::string() : std::to_string(hi))) + "}";
        } else {
            return item;
        }
        eat('?');  // lazy: the same language
        if (peek() == '*' || peek() == '+' || peek() == '?' || (peek() == '{' && repeat_bounds_ahead())) {
            throw InvalidPattern(where() + "nothing to repeat");
        }
        const bool primary = item.front() == '(' || item.find(' ') == std::string::npos;
        return (primary ? item : "(" + item + ")") + q;
    }

    std::vector<uint32_t> text_;
    size_t pos_ = 0;
    std::string name_;
    const std::function<std::string()>& char_rule_;
    std::string unsupported_;  // the first unsupported feature met
    const std::function<std::string(const std::string&, const std::string&)>& add_rule_;
};

}  // namespace

std::string regex_to_json_string_gbnf(std::string_view pattern, const std::string& name, const std::function<std::string()>& char_rule,
                                      const std::function<std::string(const std::string&, const std::string&)>& add_rule) {
    return RegexConverter(pattern, name, char_rule, add_rule).convert();
}

}  // namespace smollm::grammar
