// Special-token splitting: the indexed partition gives exactly what the old token-by-token
// scan gave (kept here as the reference), and its work grows with the text, not with the
// number of special tokens (issue 15: 4M user-defined tokens and a 10 KB prompt took 7.8 s).
#include <catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "text/special_partition.h"
#include "text/vocab.h"

using namespace smollm;

namespace {

// The old algorithm (O(special tokens x text length)), the reference for equality.
std::vector<TextFragment> reference_partition(const Vocab& vocab, std::string_view text, bool parse_special) {
    std::vector<TextFragment> out, scratch;
    if (text.empty()) return out;
    out.push_back({-1, 0, static_cast<uint32_t>(text.size())});
    for (const int32_t id : vocab.special_tokens()) {
        if (!parse_special && (vocab.attr(id) & (kAttrControl | kAttrUnknown))) continue;
        const std::string_view special = vocab.text(id);
        if (special.empty() || text.find(special) == std::string_view::npos) continue;
        scratch.clear();
        for (const TextFragment& f : out) {
            if (f.token >= 0) {
                scratch.push_back(f);
                continue;
            }
            const std::string_view region = text.substr(0, static_cast<size_t>(f.offset) + f.length);
            size_t pos = f.offset;
            for (size_t m; (m = region.find(special, pos)) != std::string_view::npos;) {
                if (m > pos) scratch.push_back({-1, static_cast<uint32_t>(pos), static_cast<uint32_t>(m - pos)});
                scratch.push_back({id, 0, 0});
                pos = m + special.size();
            }
            if (pos < region.size()) {
                scratch.push_back({-1, static_cast<uint32_t>(pos), static_cast<uint32_t>(region.size() - pos)});
            }
        }
        out.swap(scratch);
    }
    return out;
}

std::string describe(const std::vector<TextFragment>& fragments) {
    std::string s;
    for (const TextFragment& f : fragments) {
        s += f.token >= 0 ? "[" + std::to_string(f.token) + "]" : "(" + std::to_string(f.offset) + "+" + std::to_string(f.length) + ")";
    }
    return s;
}

// Byte tokens "a".."z" as normal tokens, then `specials` with their types.
VocabSpec vocab_with(const std::vector<std::pair<std::string, TokenType>>& specials) {
    VocabSpec spec;
    spec.model = "gpt2";
    spec.pre = "gpt2";
    for (char c = 'a'; c <= 'z'; ++c) {
        spec.tokens.push_back(std::string(1, c));
        spec.token_types.push_back(static_cast<int32_t>(TokenType::Normal));
    }
    for (const auto& [text, type] : specials) {
        spec.tokens.push_back(text);
        spec.token_types.push_back(static_cast<int32_t>(type));
    }
    return spec;
}

void check_same(const Vocab& vocab, const std::string& text) {
    for (const bool parse_special : {false, true}) {
        std::vector<TextFragment> got;
        partition_special(vocab, text, parse_special, &got);
        const std::vector<TextFragment> want = reference_partition(vocab, text, parse_special);
        INFO("text '" << text << "' parse_special " << parse_special);
        REQUIRE(describe(got) == describe(want));
    }
}

}  // namespace

TEST_CASE("special splitting: the cases where priority, not position, decides", "[text][special]") {
    // "bcd" outranks "ab" (longer), so "abcd" is a + [bcd], never [ab] + cd; equal lengths go
    // by id; a control token counts only when parsing specials, and then hides a user-defined
    // token with the same text that otherwise counts.
    const VocabSpec spec = vocab_with({{"ab", TokenType::UserDefined},
                                       {"bcd", TokenType::UserDefined},
                                       {"cd", TokenType::Control},
                                       {"dc", TokenType::UserDefined},
                                       {"cd", TokenType::UserDefined},
                                       {"aaa", TokenType::Control},
                                       {"aa", TokenType::UserDefined},
                                       {"", TokenType::UserDefined}});
    const Vocab vocab(spec);
    for (const char* text : {"abcd", "xabcdab", "cdcd", "dcdc", "aaaaaaa", "aaab", "abab", "", "z", "cdabcdaaa"}) {
        check_same(vocab, text);
    }
    std::vector<TextFragment> got;
    partition_special(vocab, "abcd", true, &got);
    REQUIRE(got.size() == 2);
    CHECK(got[0].token == -1);
    CHECK(got[1].token == 27);   // "bcd"
}

TEST_CASE("special splitting equals the old scan on random vocabularies and texts", "[text][special]") {
    std::mt19937 rng(15);
    const std::string alphabet("abc<|>\0", 7);   // NUL: the index orders by bytes, shorter first
    auto random_text = [&](size_t max_len) {
        std::string s(std::uniform_int_distribution<size_t>(0, max_len)(rng), ' ');
        for (char& c : s) c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
        return s;
    };
    const TokenType types[] = {TokenType::Control, TokenType::UserDefined, TokenType::Unknown, TokenType::Normal};
    for (int round = 0; round < 300; ++round) {
        std::vector<std::pair<std::string, TokenType>> specials;
        const int n = std::uniform_int_distribution<int>(1, 12)(rng);
        for (int i = 0; i < n; ++i) {
            std::string t = random_text(5);
            if (t.empty()) t = "a";
            specials.emplace_back(t, types[std::uniform_int_distribution<int>(0, 3)(rng)]);
        }
        const VocabSpec spec = vocab_with(specials);
        const Vocab vocab(spec);
        for (int k = 0; k < 20; ++k) check_same(vocab, random_text(40));
    }
}

TEST_CASE("special splitting work grows with the text, not the number of special tokens", "[text][special]") {
    // 200k user-defined tokens "<t0>".."<t199999>" and a 10 KB prompt that mentions some: the
    // old scan did one search of the prompt per token (2e9 byte comparisons); the index does
    // at most (longest match + 1) binary searches per position.
    constexpr int kTokens = 200000;
    std::vector<std::pair<std::string, TokenType>> specials;
    for (int i = 0; i < kTokens; ++i) specials.emplace_back("<t" + std::to_string(i) + ">", TokenType::UserDefined);
    const VocabSpec spec = vocab_with(specials);
    const Vocab vocab(spec);
    std::string prompt;
    size_t mentioned = 0;
    for (; prompt.size() < 10000; ++mentioned) prompt += "some words <t" + std::to_string(mentioned * 7919 % kTokens) + "> and <t";
    size_t longest = 0;
    for (const auto& s : specials) longest = std::max(longest, s.first.size());

    uint64_t steps = 0;
    std::vector<TextFragment> got;
    partition_special(vocab, prompt, false, &got, &steps);
    const double per_search = std::ceil(std::log2(static_cast<double>(kTokens))) + 1;
    const double bound = static_cast<double>(prompt.size()) * (longest + 2) * 2 * per_search;
    INFO("steps " << steps << ", bound " << bound << ", specials x text " << 1.0 * kTokens * prompt.size());
    CHECK(static_cast<double>(steps) < bound);
    CHECK(static_cast<double>(steps) < 1e-2 * kTokens * static_cast<double>(prompt.size()));
    // Every mentioned token was found (the reference scan itself would take seconds here).
    size_t tokens = 0;
    for (const TextFragment& f : got) tokens += f.token >= 0;
    CHECK(tokens == mentioned);
}
