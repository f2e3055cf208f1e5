// SentencePiece BPE (tokenizer.ggml.model "llama", the Llama-2 / TinyLlama family): spaces
// become U+2581, a space is prefixed to each text fragment that starts the input or follows a
// special token, then the highest-scoring adjacent pair is merged while the pair is a token;
// leftovers fall back to <0xXX> byte tokens. This follows llama.cpp's llm_tokenizer_spm.
#pragma once
#include <array>
#include <string>

#include "text/tokenizer.h"
#include "text/vocab.h"

namespace smollm {

class SpmTokenizer final : public Tokenizer {
public:
    explicit SpmTokenizer(const VocabSpec& spec);

    std::vector<int32_t> encode(std::string_view text, bool parse_special) const override;
    std::string token_to_piece(int32_t id, bool render_special = false) const override;
    int32_t n_vocab() const override { return vocab_.size(); }
    int32_t bos_id() const override { return vocab_.bos_id(); }
    int32_t eos_id() const override { return vocab_.eos_id(); }
    bool add_bos() const override { return vocab_.add_bos(); }
    bool is_end_of_generation(int32_t id) const override { return vocab_.is_end_of_generation(id); }
    bool is_control(int32_t id) const override { return vocab_.valid(id) && (vocab_.attr(id) & kAttrControl); }
    std::string_view model_name() const override { return "llama"; }
    std::string_view pre_tokenizer() const override { return pre_name_; }

    // The space encode() prefixes is not part of the text: decode drops it from the first token.
    bool adds_space_prefix() const { return add_space_prefix_; }

private:
    void encode_fragment(std::string_view text, std::vector<int32_t>* out) const;
    void emit_bytes(std::string_view bytes, std::vector<int32_t>* out) const;

    Vocab vocab_;
    std::string pre_name_;
    bool add_space_prefix_ = true;
    std::array<int32_t, 256> byte_token_{};   // <0xXX> (or the byte itself) per byte, -1 if none
};

}  // namespace smollm
