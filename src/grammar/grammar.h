// A compiled GBNF grammar: llama.cpp's rule representation (each rule is a flat list of
// elements, alternatives separated by Alt and closed by End), so that the matcher follows
// llama.cpp's semantics step for step. All rules live in one element array, which lets a
// grammar position be a plain index.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace smollm::grammar {

enum class ElementType : uint8_t {
    End,        // end of a rule
    Alt,        // start of the next alternative
    RuleRef,    // value: rule id
    Char,       // value: code point; starts a positive char class
    CharNot,    // value: code point; starts a negated char class ([^...])
    CharRange,  // value: upper bound of a range whose lower bound is the element before
    CharAlt,    // value: another code point of the same class
    CharAny,    // "." (any code point)
};

struct Element {
    ElementType type;
    uint32_t value;
};

// A bad grammar: message names what is wrong and, for syntax errors, where (1-based line
// and column of the input text; 0 when the error is not about one place).
class GrammarError : public std::runtime_error {
public:
    GrammarError(const std::string& message, uint32_t line, uint32_t column);
    uint32_t line() const { return line_; }
    uint32_t column() const { return column_; }

private:
    uint32_t line_, column_;
};

struct Grammar {
    std::vector<Element> elements;       // every rule, each closed by End
    std::vector<uint32_t> rule_start;    // rule id -> index of its first element
    std::vector<std::string> rule_names; // rule id -> name (generated ones: "name_N")
    uint32_t root = 0;                   // rule id of "root"

    bool is_char_start(uint32_t pos) const {
        ElementType t = elements[pos].type;
        return t == ElementType::Char || t == ElementType::CharNot || t == ElementType::CharAny;
    }
    bool is_end_of_sequence(uint32_t pos) const {
        ElementType t = elements[pos].type;
        return t == ElementType::End || t == ElementType::Alt;
    }
    // Whether code point cp satisfies the char class starting at pos; *after gets the index
    // just past the class.
    bool match_char(uint32_t pos, uint32_t cp, uint32_t* after) const;
    // Whether some completion of a partial UTF-8 sequence (its value so far and the number of
    // continuation bytes still missing) could satisfy the char class at pos.
    bool match_partial_char(uint32_t pos, uint32_t partial_value, int32_t n_remain) const;
    // Back to GBNF text (one rule a line), for errors and tests.
    std::string to_gbnf() const;
};

}  // namespace smollm::grammar
