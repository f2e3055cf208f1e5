// Text <-> token ids for the vocabularies a llama GGUF can carry: byte-level BPE
// (tokenizer.ggml.model "gpt2": pre-tokenizers smollm, llama-bpe, gpt2) and SentencePiece
// ("llama"). Built once from GGUF metadata.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smollm {

class GgufFile;

// A vocabulary of a kind this engine has no tokenizer for (tokenizer.ggml.model), as opposed to
// metadata that is broken: the engine reports the two differently.
class UnsupportedTokenizer : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Throws std::runtime_error naming the missing or bad key when the metadata is unusable,
    // UnsupportedTokenizer when it names a tokenizer model this engine does not have.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& file);

    // No BOS/EOS is added here (callers add bos_id() when add_bos() says so).
    // parse_special: text like "<|im_start|>" becomes its control token; otherwise plain text.
    // Invalid UTF-8 is replaced (U+FFFD semantics), never a crash.
    virtual std::vector<int32_t> encode(std::string_view text, bool parse_special) const = 0;

    // The raw bytes a token stands for (byte tokens give their byte; control tokens give their
    // text only when `render_special`).
    virtual std::string token_to_piece(int32_t id, bool render_special = false) const = 0;
    std::string decode(const int32_t* ids, size_t n, bool render_special = false) const;

    virtual int32_t n_vocab() const = 0;
    virtual int32_t bos_id() const = 0;      // -1 when none
    virtual int32_t eos_id() const = 0;      // -1 when none
    virtual bool add_bos() const = 0;        // tokenizer.ggml.add_bos_token, default per model
    // End of generation: eos, eot, <|im_end|>, <|endoftext|> and the like.
    virtual bool is_end_of_generation(int32_t id) const = 0;
    virtual bool is_control(int32_t id) const = 0;
    virtual std::string_view model_name() const = 0;   // "gpt2" or "llama"
    virtual std::string_view pre_tokenizer() const = 0; // "smollm", "llama-bpe", "gpt2", ...
};

// Turns a stream of token ids into UTF-8 text pieces without ever splitting a character:
// bytes of an incomplete sequence are held until the sequence completes (or proves invalid,
// in which case U+FFFD is emitted).
class StreamDetokenizer {
public:
    explicit StreamDetokenizer(const Tokenizer& tok) : tok_(tok) {}
    std::string push(int32_t id);   // text that is complete after this token (may be empty)
    std::string flush();            // whatever is still held, made valid
    void reset() { pending_.clear(); }

private:
    const Tokenizer& tok_;
    std::string pending_;
};

}  // namespace smollm
