// Command-line parsing for gguf_writer, kept apart from main() so tests can check it.
#pragma once
#include <string>
#include <vector>

#include "gguf_writer/llama_model_writer.h"

namespace smollm::tools {

struct WriterCommand {
    ModelSpec spec;
    std::string output;
    bool help = false;
};

// The exact usage text `gguf_writer --help` prints.
const char* writer_usage();

// Throws std::invalid_argument("--flag: why") for unknown flags, missing or malformed values.
WriterCommand parse_writer_args(const std::vector<std::string>& args);

// One line: path, tensor count, bytes, vocabulary and a per-type tensor count.
std::string describe_written_model(const std::string& path, const WrittenModel& m);

}  // namespace smollm::tools
