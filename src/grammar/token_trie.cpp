#include "grammar/token_trie.h"

#include <algorithm>
#include <atomic>
#include <numeric>

#include "text/tokenizer.h"

namespace smollm::grammar {

PartialUtf8 decode_utf8_piece(std::string_view piece, PartialUtf8 start, std::vector<uint32_t>& code_points) {
    static const int kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
    code_points.clear();
    const size_t nul = piece.find('\0');
    if (nul != std::string_view::npos) piece = piece.substr(0, nul);
    size_t pos = 0;
    uint32_t value = start.value;
    int32_t n_remain = start.n_remain;
    // Finish the sequence the previous piece left open.
    while (pos < piece.size() && n_remain > 0) {
        const uint8_t byte = static_cast<uint8_t>(piece[pos]);
        if ((byte >> 6) != 2) return {0, -1};
        value = (value << 6) + (byte & 0x3F);
        ++pos;
        --n_remain;
    }
    if (start.n_remain > 0 && n_remain == 0) code_points.push_back(value);
    while (pos < piece.size()) {
        const uint8_t first = static_cast<uint8_t>(piece[pos]);
        n_remain = kLength[first >> 4] - 1;
        if (n_remain < 0) {
            code_points.clear();
            return {0, -1};
        }
        value = first & ((1u << (7 - n_remain)) - 1);
        ++pos;
        // Like llama.cpp, bytes after a lead byte are taken as its continuation unchecked.
        while (pos < piece.size() && n_remain > 0) {
            value = (value << 6) + (static_cast<uint8_t>(piece[pos]) & 0x3F);
            ++pos;
            --n_remain;
        }
        if (n_remain == 0) code_points.push_back(value);
    }
    return {value, n_remain};
}

namespace {

std::atomic<uint64_t> next_trie_id{1};

struct Decoded {
    std::vector<uint32_t> cps;
    PartialUtf8 partial;
    int32_t token;
};

}  // namespace

TokenTrie::TokenTrie(std::vector<std::string> pieces, const std::vector<bool>& end_of_generation)
    : id_(next_trie_id++), pieces_(std::move(pieces)), eog_flag_(pieces_.size(), false), usable_(pieces_.size(), false) {
    std::vector<Decoded> decoded;
    decoded.reserve(pieces_.size());
    std::vector<uint32_t> cps;
    for (size_t id = 0; id < pieces_.size(); ++id) {
        const int32_t token = static_cast<int32_t>(id);
        if (id < end_of_generation.size() && end_of_generation[id]) {
            eog_flag_[id] = usable_[id] = true;
            eog_.push_back(token);
            continue;
        }
        const std::string& piece = pieces_[id];
        if (piece.empty() || piece[0] == '\0') continue;
        usable_[id] = true;  // even when invalid alone: it may complete a split character
        const PartialUtf8 partial = decode_utf8_piece(piece, {}, cps);
        if (partial.n_remain < 0) continue;
        decoded.push_back({cps, partial, token});
    }
    std::vector<uint32_t> order(decoded.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return decoded[a].cps < decoded[b].cps; });

    // Nodes are laid out depth-first; a node's edges are contiguous. [lo, hi) of `order` share
    // their first `depth` code points.
    auto build = [&](auto&& self, size_t lo, size_t hi, size_t depth) -> uint32_t {
        const uint32_t index = static_cast<uint32_t>(nodes_.size());
        nodes_.push_back({});
        // This node's tokens are appended before any child's, so each node's lists are contiguous.
        Node node{};
        node.token_begin = static_cast<uint32_t>(tokens_.size());
        node.partial_begin = static_cast<uint32_t>(partials_.size());
        for (; lo < hi && decoded[order[lo]].cps.size() == depth; ++lo) {
            const Decoded& d = decoded[order[lo]];
            if (d.partial.n_remain == 0) {
                tokens_.push_back(d.token);
            } else {
                partials_.push_back({d.token, d.partial});
            }
        }
        node.token_end = static_cast<uint32_t>(tokens_.size());
        node.partial_end = static_cast<uint32_t>(partials_.size());
        std::vector<Edge> edges;
        size_t i = lo;
        while (i < hi) {
            const uint32_t cp = decoded[order[i]].cps[depth];
            size_t j = i;
            while (j < hi && decoded[order[j]].cps[depth] == cp) ++j;
            edges.push_back({cp, self(self, i, j, depth + 1)});
            i = j;
        }
        node.edge_begin = static_cast<uint32_t>(edges_.size());
        edges_.insert(edges_.end(), edges.begin(), edges.end());
        node.edge_end = static_cast<uint32_t>(edges_.size());
        nodes_[index] = node;
        return index;
    };
    build(build, 0, order.size(), 0);
}

TokenTrie TokenTrie::from_tokenizer(const Tokenizer& tokenizer) {
    const int32_t n = tokenizer.n_vocab();
    std::vector<std::string> pieces(static_cast<size_t>(n));
    std::vector<bool> eog(static_cast<size_t>(n));
    for (int32_t id = 0; id < n; ++id) {
        pieces[static_cast<size_t>(id)] = tokenizer.token_to_piece(id, /*render_special=*/true);
        eog[static_cast<size_t>(id)] = tokenizer.is_end_of_generation(id);
    }
    return TokenTrie(std::move(pieces), eog);
}

}  // namespace smollm::grammar
