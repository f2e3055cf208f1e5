// Where a generation stands in a grammar, with llama.cpp's semantics: the set of pushdown
// stacks (each a path of grammar positions whose top is a character class, or empty when
// the grammar is complete) plus an incomplete UTF-8 sequence from the last token.
//
// Stacks are hash-consed (a stack is a node id: top position + the node below), sets of
// stacks are interned, and "set x code point -> set" transitions are memoized, so walking
// the token trie costs one table look-up per trie edge for ASCII and a few character-class
// tests otherwise (results are memoized per set and per subset of stacks the code point
// matches, since that subset alone decides the next set).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/token_trie.h"

namespace smollm::grammar {

struct MaskResult {
    size_t n_allowed = 0;      // tokens set in the mask (end-of-generation ones included)
    bool end_allowed = false;  // the grammar is complete here: end-of-generation tokens are allowed
    // No token can continue: the caller must stop and say so (it is never a hang).
    bool no_token_allowed() const { return n_allowed == 0; }
};

class GrammarMatcher {
public:
    explicit GrammarMatcher(std::shared_ptr<const Grammar> grammar);
    GrammarMatcher(const GrammarMatcher& other);
    GrammarMatcher& operator=(const GrammarMatcher& other);
    GrammarMatcher(GrammarMatcher&&) = default;
    GrammarMatcher& operator=(GrammarMatcher&&) = default;

    // Sets bit (id & 31) of mask[id >> 5] for every token the grammar allows next (the
    // vector is resized to the trie's vocabulary and cleared first).
    MaskResult fill_mask(const TokenTrie& trie, std::vector<uint32_t>& mask);
    // Advances by one token; false (state unchanged) when the grammar does not allow it.
    // An end-of-generation token is accepted only when the grammar is complete, and ends it.
    bool accept_token(const TokenTrie& trie, int32_t token);
    // Advances by raw text (for prompts that are forced, and tests); false (state unchanged)
    // when the text leaves the grammar.
    bool accept_text(std::string_view text);

    bool can_end() const;          // some stack is complete
    bool finished() const { return finished_; }  // an end-of-generation token was accepted
    size_t n_stacks() const { return sets_[current_].size(); }

private:
    struct StackNode {
        uint32_t pos;     // grammar element at the top
        uint32_t parent;  // node below (0: bottom)
    };
    static constexpr uint32_t kEmptyStack = 0;  // node 0: the complete (empty) stack
    static constexpr uint32_t kDeadSet = 0;     // set 0: no stack left
    static constexpr uint32_t kUnknown = UINT32_MAX;

    uint32_t intern_node(uint32_t pos, uint32_t parent);
    // Node `node` with its top popped or kept, then rule references expanded until every
    // resulting stack has a character class on top (or is empty); appends them to out.
    void expand(uint32_t node, std::vector<uint32_t>& out);
    uint32_t intern_set(std::vector<uint32_t>& stacks);  // sorts and dedups stacks
    uint32_t step(uint32_t set, uint32_t code_point);
    uint32_t step_uncached(uint32_t set, uint32_t code_point);
    // The set after `piece` (from the current state), and its partial sequence; kDeadSet or
    // n_remain < 0 when the piece is not allowed.
    uint32_t walk_piece(std::string_view piece, PartialUtf8* partial);
    bool partial_allowed(uint32_t set, PartialUtf8 partial) const;
    void walk_trie(const TokenTrie& trie, uint32_t node, uint32_t set, std::vector<uint32_t>& mask, size_t& n);
    void compact_if_large();

    std::shared_ptr<const Grammar> grammar_;
    std::vector<StackNode> nodes_;
    std::unordered_map<uint64_t, uint32_t> node_ids_;
    std::vector<std::vector<uint32_t>> expansions_;  // node -> its expansion (computed lazily)
    std::vector<bool> expanded_;
    // Interned stack sets. The index's keys view the sets' own bytes, so a copy builds its
    // own index (a matcher may be copied, e.g. to try a token).
    void reindex_sets();
    std::vector<std::vector<uint32_t>> sets_;
    std::unordered_map<std::string_view, uint32_t> set_ids_;  // key: the set's bytes
    std::vector<std::array<uint32_t, 128>> ascii_steps_;      // set -> ASCII code point -> set
    std::vector<std::vector<std::pair<uint64_t, uint32_t>>> by_signature_;  // set -> (matched stacks -> set)
    std::unordered_map<uint64_t, uint32_t> other_steps_;      // sets of > 64 stacks: (set, code point) -> set
    std::vector<uint32_t> code_points_;
    // Stack set -> its mask (end-of-generation tokens not included) and count, for one trie.
    std::unordered_map<uint32_t, std::pair<std::vector<uint32_t>, size_t>> mask_cache_;
    uint64_t mask_cache_trie_ = 0;  // TokenTrie::id() of the trie the cached masks are for
    uint32_t current_ = kDeadSet;
    PartialUtf8 partial_;
    bool finished_ = false;
};

}  // namespace smollm::grammar
