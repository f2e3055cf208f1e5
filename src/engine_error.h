// What the engine throws: a kind and a message. The kind is the contract (the JS package maps
// each one to one error class, js/src/errors.js), the message is for people and may be
// reworded freely; nothing may branch on its text.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace smollm {

enum class ErrorKind : uint8_t {
    Internal,           // a broken invariant or an unexpected failure: nothing the caller did
    InvalidArgument,    // a call the engine refuses: a token outside the vocabulary, a bad option, misuse
    InvalidModel,       // the file cannot be used as it is: truncated, corrupt, inconsistent
    UnsupportedModel,   // a well-formed file of a kind this engine does not run (architecture, type, version)
    ContextLength,      // more tokens than the context holds
    OutOfMemory,        // more memory than wasm32 can give, planned up front or failed to allocate
};

// Every kind, for bindings and tests that must cover all of them.
inline constexpr ErrorKind kErrorKinds[] = {ErrorKind::Internal,     ErrorKind::InvalidArgument,  ErrorKind::InvalidModel,
                                            ErrorKind::UnsupportedModel, ErrorKind::ContextLength, ErrorKind::OutOfMemory};

// The kind's name as the JS side spells it ("InvalidModel", ...).
const char* error_kind_name(ErrorKind kind);

// Every failure the engine reports: the message says what went wrong and what to do.
class EngineError : public std::runtime_error {
public:
    // needed/limit quantify ContextLength (tokens, context size) and OutOfMemory (bytes, the
    // limit); 0 where not known.
    EngineError(ErrorKind kind, const std::string& message, uint64_t needed = 0, uint64_t limit = 0)
        : std::runtime_error(message), kind_(kind), needed_(needed), limit_(limit) {}

    ErrorKind kind() const { return kind_; }
    uint64_t needed() const { return needed_; }
    uint64_t limit() const { return limit_; }

private:
    ErrorKind kind_;
    uint64_t needed_;
    uint64_t limit_;
};

}  // namespace smollm
