#include "grammar/grammar_matcher.h"

#include <algorithm>

namespace smollm::grammar {
namespace {

// Past this many stack nodes the caches are rebuilt around the live stacks only, so a long
// generation cannot grow them without bound.
constexpr size_t kMaxNodes = 1u << 20;
// Masks kept for reuse (6 KB each for a 49,152-token vocabulary).
constexpr size_t kMaxCachedMasks = 256;

uint64_t pair_key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar) : grammar_(std::move(grammar)) {
    nodes_.push_back({0, 0});  // kEmptyStack
    expansions_.emplace_back();
    expanded_.push_back(false);
    std::vector<uint32_t> dead;
    intern_set(dead);  // kDeadSet
    // The start: one stack per alternative of root.
    std::vector<uint32_t> stacks;
    const Grammar& g = *grammar_;
    uint32_t pos = g.rule_start[g.root];
    for (;;) {
        expand(g.is_end_of_sequence(pos) ? kEmptyStack : intern_node(pos, kEmptyStack), stacks);
        while (!g.is_end_of_sequence(pos)) ++pos;
        if (g.elements[pos].type != ElementType::Alt) break;
        ++pos;
    }
    current_ = intern_set(stacks);
}

GrammarMatcher::GrammarMatcher(const GrammarMatcher& other)
    : grammar_(other.grammar_), nodes_(other.nodes_), node_ids_(other.node_ids_), expansions_(other.expansions_),
      expanded_(other.expanded_), sets_(other.sets_), ascii_steps_(other.ascii_steps_), by_signature_(other.by_signature_),
      other_steps_(other.other_steps_), mask_cache_(other.mask_cache_), mask_cache_trie_(other.mask_cache_trie_),
      current_(other.current_), partial_(other.partial_), finished_(other.finished_) {
    reindex_sets();
}

GrammarMatcher& GrammarMatcher::operator=(const GrammarMatcher& other) {
    if (this != &other) *this = GrammarMatcher(other);
    return *this;
}

void GrammarMatcher::reindex_sets() {
    set_ids_.clear();
    for (size_t id = 0; id < sets_.size(); ++id) {
        const std::vector<uint32_t>& set = sets_[id];
        set_ids_.emplace(std::string_view(reinterpret_cast<const char*>(set.data()), set.size() * sizeof(uint32_t)),
                         static_cast<uint32_t>(id));
    }
}

uint32_t GrammarMatcher::intern_node(uint32_t pos, uint32_t parent) {
    const uint64_t key = pair_key(pos, parent);
    auto it = node_ids_.find(key);
    if (it != node_ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(nodes_.size());
    node_ids_.emplace(key, id);
    nodes_.push_back({pos, parent});
    expansions_.emplace_back();
    expanded_.push_back(false);
    return id;
}

void GrammarMatcher::expand(uint32_t node, std::vector<uint32_t>& out) {
    if (!expanded_[node]) {
        std::vector<uint32_t> result;
        const Grammar& g = *grammar_;
        const uint32_t pos = nodes_[node].pos;
        if (node == kEmptyStack || g.elements[pos].type != ElementType::RuleRef) {
            result.push_back(node);
        } else {
            const uint32_t parent = nodes_[node].parent;
            const uint32_t base = g.is_end_of_sequence(pos + 1) ? parent : intern_node(pos + 1, parent);
            uint32_t sub = g.rule_start[g.elements[pos].value];
            for (;;) {
                expand(g.is_end_of_sequence(sub) ? base : intern_node(sub, base), result);
                while (!g.is_end_of_sequence(sub)) ++sub;
                if (g.elements[sub].type != ElementType::Alt) break;
                ++sub;
            }
            std::sort(result.begin(), result.end());
            result.erase(std::unique(result.begin(), result.end()), result.end());
        }
        expansions_[node] = std::move(result);
        expanded_[node] = true;
    }
    const std::vector<uint32_t>& e = expansions_[node];
    out.insert(out.end(), e.begin(), e.end());
}

uint32_t GrammarMatcher::intern_set(std::vector<uint32_t>& stacks) {
    std::sort(stacks.begin(), stacks.end());
    stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
    const std::string_view key(reinterpret_cast<const char*>(stacks.data()), stacks.size() * sizeof(uint32_t));
    auto it = set_ids_.find(key);
    if (it != set_ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(sets_.size());
    sets_.push_back(stacks);
    const std::vector<uint32_t>& stored = sets_.back();
    set_ids_.emplace(std::string_view(reinterpret_cast<const char*>(stored.data()), stored.size() * sizeof(uint32_t)), id);
    ascii_steps_.emplace_back();
    ascii_steps_.back().fill(kUnknown);
    by_signature_.emplace_back();
    return id;
}

uint32_t GrammarMatcher::step(uint32_t set, uint32_t code_point) {
    if (code_point < 128) {
        const uint32_t cached = ascii_steps_[set][code_point];
        if (cached != kUnknown) return cached;
    }
    // Which stacks the code point matches decides the result, so results are memoized per
    // (set, match signature): a new code point costs only the class tests.
    const Grammar& g = *grammar_;
    const std::vector<uint32_t>& stacks = sets_[set];
    uint32_t result = kDeadSet;
    if (stacks.size() <= 64) {
        uint64_t signature = 0;
        for (size_t i = 0; i < stacks.size(); ++i) {
            uint32_t after = 0;
            if (stacks[i] != kEmptyStack && g.match_char(nodes_[stacks[i]].pos, code_point, &after)) {
                signature |= uint64_t{1} << i;
            }
        }
        if (signature != 0) {
            std::vector<std::pair<uint64_t, uint32_t>>& known = by_signature_[set];
            auto it = std::find_if(known.begin(), known.end(), [&](const auto& p) { return p.first == signature; });
            if (it != known.end()) {
                result = it->second;
            } else {
                result = step_uncached(set, code_point);
                by_signature_[set].emplace_back(signature, result);
            }
        }
    } else {
        auto it = other_steps_.find(pair_key(set, code_point));
        if (it != other_steps_.end()) return it->second;
        result = step_uncached(set, code_point);
        other_steps_.emplace(pair_key(set, code_point), result);
    }
    if (code_point < 128) ascii_steps_[set][code_point] = result;
    return result;
}

uint32_t GrammarMatcher::step_uncached(uint32_t set, uint32_t code_point) {
    const Grammar& g = *grammar_;
    std::vector<uint32_t> next;
    for (uint32_t node : sets_[set]) {
        if (node == kEmptyStack) continue;
        uint32_t after = 0;
        if (!g.match_char(nodes_[node].pos, code_point, &after)) continue;
        const uint32_t parent = nodes_[node].parent;
        expand(g.is_end_of_sequence(after) ? parent : intern_node(after, parent), next);
    }
    return next.empty() ? kDeadSet : intern_set(next);
}

bool GrammarMatcher::partial_allowed(uint32_t set, PartialUtf8 partial) const {
    for (uint32_t node : sets_[set]) {
        if (node != kEmptyStack && grammar_->match_partial_char(nodes_[node].pos, partial.value, partial.n_remain)) {
            return true;
        }
    }
    return false;
}

uint32_t GrammarMatcher::walk_piece(std::string_view piece, PartialUtf8* partial) {
    *partial = decode_utf8_piece(piece, partial_, code_points_);
    if (partial->n_remain < 0) return kDeadSet;
    uint32_t set = current_;
    for (uint32_t cp : code_points_) {
        set = step(set, cp);
        if (set == kDeadSet) return kDeadSet;
    }
    return set;
}

bool GrammarMatcher::can_end() const {
    const std::vector<uint32_t>& stacks = sets_[current_];
    return !finished_ && !stacks.empty() && stacks.front() == kEmptyStack;
}

void GrammarMatcher::walk_trie(const TokenTrie& trie, uint32_t index, uint32_t set, std::vector<uint32_t>& mask,
                               size_t& n) {
    const TokenTrie::Node& node = trie.nodes()[index];
    for (uint32_t i = node.token_begin; i < node.token_end; ++i) {
        const int32_t token = trie.tokens()[i];
        mask[static_cast<size_t>(token) >> 5] |= 1u << (token & 31);
        ++n;
    }
    for (uint32_t i = node.partial_begin; i < node.partial_end; ++i) {
        const TokenTrie::PartialToken& p = trie.partial_tokens()[i];
        if (partial_allowed(set, p.partial)) {
            mask[static_cast<size_t>(p.token) >> 5] |= 1u << (p.token & 31);
            ++n;
        }
    }
    for (uint32_t e = node.edge_begin; e < node.edge_end; ++e) {
        const TokenTrie::Edge& edge = trie.edges()[e];
        const uint32_t next = step(set, edge.code_point);
        if (next != kDeadSet) walk_trie(trie, edge.child, next, mask, n);
    }
}

MaskResult GrammarMatcher::fill_mask(const TokenTrie& trie, std::vector<uint32_t>& mask) {
    compact_if_large();
    mask.assign((static_cast<size_t>(trie.n_vocab()) + 31) / 32, 0);
    MaskResult result;
    if (finished_ || current_ == kDeadSet) return result;
    if (partial_.n_remain == 0) {
        // A set seen before has the same mask (e.g. every step inside one JSON string).
        if (mask_cache_trie_ != trie.id()) {
            mask_cache_.clear();
            mask_cache_trie_ = trie.id();
        }
        auto cached = mask_cache_.find(current_);
        if (cached != mask_cache_.end()) {
            mask = cached->second.first;
            result.n_allowed = cached->second.second;
        } else {
            walk_trie(trie, 0, current_, mask, result.n_allowed);
            if (mask_cache_.size() >= kMaxCachedMasks) mask_cache_.clear();
            mask_cache_.emplace(current_, std::make_pair(mask, result.n_allowed));
        }
    } else {
        // The last token ended inside a character: pieces decode differently from here, so
        // each usable token is checked on its own (rare: only after split characters).
        PartialUtf8 partial;
        for (int32_t id = 0; id < trie.n_vocab(); ++id) {
            if (!trie.usable(id) || trie.is_end_of_generation(id)) continue;
            const uint32_t set = walk_piece(trie.piece(id), &partial);
            if (set == kDeadSet || (partial.n_remain > 0 && !partial_allowed(set, partial))) continue;
            mask[static_cast<size_t>(id) >> 5] |= 1u << (id & 31);
            ++result.n_allowed;
        }
    }
    result.end_allowed = can_end();
    if (result.end_allowed) {
        for (int32_t id : trie.end_of_generation_tokens()) {
            mask[static_cast<size_t>(id) >> 5] |= 1u << (id & 31);
            ++result.n_allowed;
        }
    }
    return result;
}

bool GrammarMatcher::accept_token(const TokenTrie& trie, int32_t token) {
    if (finished_ || token < 0 || token >= trie.n_vocab() || !trie.usable(token)) return false;
    if (trie.is_end_of_generation(token)) {
        if (!can_end()) return false;
        finished_ = true;
        return true;
    }
    PartialUtf8 partial;
    const uint32_t set = walk_piece(trie.piece(token), &partial);
    if (set == kDeadSet || (partial.n_remain > 0 && !partial_allowed(set, partial))) return false;
    current_ = set;
    partial_ = partial;
    return true;
}

bool GrammarMatcher::accept_text(std::string_view text) {
    if (finished_) return false;
    PartialUtf8 partial;
    const uint32_t set = walk_piece(text, &partial);
    if (set == kDeadSet || (partial.n_remain > 0 && !partial_allowed(set, partial))) return false;
    current_ = set;
    partial_ = partial;
    return true;
}

void GrammarMatcher::compact_if_large() {
    if (nodes_.size() < kMaxNodes) return;
    // Copy the live stacks into fresh tables; every cache is dropped with the old ones.
    std::vector<StackNode> old_nodes = std::move(nodes_);
    std::vector<uint32_t> live = sets_[current_];
    nodes_.clear();
    node_ids_.clear();
    expansions_.clear();
    expanded_.clear();
    sets_.clear();
    set_ids_.clear();
    ascii_steps_.clear();
    by_signature_.clear();
    mask_cache_.clear();
    other_steps_.clear();
    nodes_.push_back({0, 0});
    expansions_.emplace_back();
    expanded_.push_back(false);
    std::unordered_map<uint32_t, uint32_t> moved{{kEmptyStack, kEmptyStack}};
    auto copy = [&](auto&& self, uint32_t old) -> uint32_t {
        auto it = moved.find(old);
        if (it != moved.end()) return it->second;
        const uint32_t parent = self(self, old_nodes[old].parent);
        const uint32_t id = intern_node(old_nodes[old].pos, parent);
        moved.emplace(old, id);
        return id;
    };
    for (uint32_t& node : live) node = copy(copy, node);
    std::vector<uint32_t> dead;
    intern_set(dead);
    current_ = intern_set(live);
}

}  // namespace smollm::grammar
