// What the model layer throws when a file cannot be run; the engine turns it into an
// EngineError. Messages name the key or tensor at fault.
#pragma once
#include <stdexcept>

namespace smollm {

class ModelError : public std::runtime_error {
public:
    // unsupported: a well-formed model of a kind this engine does not run (architecture,
    // tensor type, layout); otherwise the file itself is inconsistent.
    explicit ModelError(const std::string& message, bool unsupported = false)
        : std::runtime_error(message), unsupported_(unsupported) {}
    bool unsupported() const { return unsupported_; }

private:
    bool unsupported_;
};

}  // namespace smollm
