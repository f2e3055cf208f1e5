#include "engine_error.h"

namespace smollm {

const char* error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Internal: return "Internal";
        case ErrorKind::InvalidArgument: return "InvalidArgument";
        case ErrorKind::InvalidModel: return "InvalidModel";
        case ErrorKind::UnsupportedModel: return "UnsupportedModel";
        case ErrorKind::ContextLength: return "ContextLength";
        case ErrorKind::OutOfMemory: return "OutOfMemory";
    }
    return "Internal";
}

}  // namespace smollm
