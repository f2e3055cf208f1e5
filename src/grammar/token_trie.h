// The vocabulary as a trie over the code points of its token pieces, built once per
// vocabulary: the matcher walks it with the live grammar states, so one step costs the trie
// nodes those states can reach, not vocabulary size x grammar. Pieces are decoded from UTF-8
// the way llama.cpp's grammar decodes them (including a trailing incomplete sequence and
// the rule that a token with invalid UTF-8 is never allowed).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smollm {
class Tokenizer;
}

namespace smollm::grammar {

// An incomplete UTF-8 sequence at the end of accepted text: its value so far and how many
// continuation bytes are still missing (0: none pending; -1: the bytes were invalid).
struct PartialUtf8 {
    uint32_t value = 0;
    int32_t n_remain = 0;
};

// Decodes `piece` continuing from `start` into `code_points` (cleared first); returns the
// state at its end. Decoding stops at a NUL byte (llama.cpp reads pieces as C strings).
// Invalid UTF-8 returns n_remain -1 and no code points.
PartialUtf8 decode_utf8_piece(std::string_view piece, PartialUtf8 start, std::vector<uint32_t>& code_points);

class TokenTrie {
public:
    // pieces[id]: the bytes of token id as llama.cpp's grammar sees them (special tokens
    // rendered); end_of_generation[id]: whether id ends generation (allowed only when the
    // grammar is complete).
    TokenTrie(std::vector<std::string> pieces, const std::vector<bool>& end_of_generation);
    static TokenTrie from_tokenizer(const Tokenizer& tokenizer);

    struct Edge {
        uint32_t code_point;
        uint32_t child;
    };
    struct PartialToken {
        int32_t token;
        PartialUtf8 partial;  // the incomplete sequence the piece ends with
    };
    struct Node {
        uint32_t edge_begin, edge_end;        // into edges()
        uint32_t token_begin, token_end;      // tokens whose piece ends exactly here
        uint32_t partial_begin, partial_end;  // tokens that end here plus an incomplete sequence
    };

    int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
    // Distinct for every trie built (copies share it): what matchers key their mask caches on.
    uint64_t id() const { return id_; }
    const std::vector<Node>& nodes() const { return nodes_; }  // nodes()[0] is the root
    const std::vector<Edge>& edges() const { return edges_; }
    const std::vector<int32_t>& tokens() const { return tokens_; }
    const std::vector<PartialToken>& partial_tokens() const { return partials_; }
    const std::vector<int32_t>& end_of_generation_tokens() const { return eog_; }
    bool is_end_of_generation(int32_t id) const { return eog_flag_[static_cast<size_t>(id)]; }
    // Whether a grammar can ever allow the token: an end-of-generation token, or a piece that
    // is not empty and does not start with NUL (llama.cpp never allows those).
    bool usable(int32_t id) const { return usable_[static_cast<size_t>(id)]; }
    std::string_view piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }

private:
    uint64_t id_;
    std::vector<std::string> pieces_;
    std::vector<Node> nodes_;
    std::vector<Edge> edges_;
    std::vector<int32_t> tokens_;
    std::vector<PartialToken> partials_;
    std::vector<int32_t> eog_;
    std::vector<bool> eog_flag_, usable_;
};

}  // namespace smollm::grammar
