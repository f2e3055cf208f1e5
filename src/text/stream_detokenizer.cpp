#include "text/tokenizer.h"
#include "text/unicode.h"

namespace smollm {

std::string StreamDetokenizer::push(int32_t id) {
    pending_ += tok_.token_to_piece(id);
    std::string out;
    const size_t consumed = unicode::append_sanitized_utf8(pending_, &out);
    pending_.erase(0, consumed);
    return out;
}

std::string StreamDetokenizer::flush() {
    std::string out = unicode::sanitize_utf8(pending_);
    pending_.clear();
    return out;
}

}  // namespace smollm
