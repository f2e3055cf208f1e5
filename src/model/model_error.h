// What the model layer throws when a file cannot be run; the engine turns it into an
// EngineError. Messages name the key or tensor at fault.
#pragma once
#include <stdexcept>

namespace smollm {

class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace smollm
