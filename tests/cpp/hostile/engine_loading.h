// Loading helpers for the hostile suite: every load goes through Engine::load exactly as the
// web binding does, with the bytes in a malloc'd buffer of exactly the stated size (so a read
// past the end is caught by ASan natively and by the bounds of the copy in wasm).
#pragma once
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch.hpp>

#include "engine.h"

namespace smollm::hostile {

inline EngineOptions small_options() {
    EngineOptions o;
    o.n_threads = 1;
    o.context_size = 64;
    return o;
}

// The EngineError message when loading fails; nullopt when the engine loaded (it is dropped).
// Any other exception escapes, and the test reports it: only EngineError is a clear refusal.
inline std::optional<std::string> load_error(const uint8_t* bytes, uint64_t n,
                                             const EngineOptions& options = small_options()) {
    uint8_t* buf = static_cast<uint8_t*>(std::malloc(n ? n : 1));
    REQUIRE(buf != nullptr);
    if (n) std::memcpy(buf, bytes, n);
    try {
        std::unique_ptr<Engine> engine = Engine::load({Engine::FileBuffer{buf, n}}, options);
        return std::nullopt;
    } catch (const EngineError& e) {
        std::free(buf);
        return std::string(e.what());
    } catch (...) {
        std::free(buf);
        throw;
    }
}

inline std::optional<std::string> load_error(const std::vector<uint8_t>& bytes,
                                             const EngineOptions& options = small_options()) {
    return load_error(bytes.data(), bytes.size(), options);
}

inline std::unique_ptr<Engine> load_copy(const std::vector<uint8_t>& bytes,
                                         const EngineOptions& options = small_options()) {
    uint8_t* buf = static_cast<uint8_t*>(std::malloc(bytes.size()));
    REQUIRE(buf != nullptr);
    std::memcpy(buf, bytes.data(), bytes.size());
    try {
        return Engine::load({Engine::FileBuffer{buf, bytes.size()}}, options);
    } catch (...) {
        std::free(buf);
        throw;
    }
}

// A header (without the tensor data) of a file of `file_size` bytes, which must parse.
inline std::unique_ptr<GgufFile> parse_header(const std::vector<uint8_t>& header, uint64_t file_size) {
    GgufParseResult r = gguf_parse(header.data(), header.size(), file_size);
    INFO(r.error);
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    return std::move(r.file);
}

// The engine works: two tokens evaluate to finite logits.
inline void check_engine_usable(Engine& engine) {
    const int32_t tokens[2] = {3 % engine.n_vocab(), 7 % engine.n_vocab()};
    engine.eval(tokens, 2, 0, false);
    const float* logits = engine.logits(0);
    REQUIRE(logits != nullptr);
    bool finite = true;
    for (int32_t i = 0; i < engine.n_vocab(); ++i) finite = finite && std::isfinite(logits[i]);
    CHECK(finite);
}

inline std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline bool mentions(const std::string& message, const std::string& word) {
    return lower(message).find(lower(word)) != std::string::npos;
}

}  // namespace smollm::hostile
