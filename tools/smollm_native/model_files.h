// Reads a GGUF model from disk into malloc'd buffers for Engine::load, following a split
// model's -00001-of-0000N.gguf naming to its other parts.
#pragma once
#include <string>
#include <vector>

#include "engine.h"

namespace smollm::tools {

// Throws std::runtime_error naming the file on a read error. The caller owns the buffers
// until Engine::load succeeds (free_model_files releases them otherwise).
std::vector<Engine::FileBuffer> read_model_files(const std::string& path);
void free_model_files(std::vector<Engine::FileBuffer>& parts);

// read_model_files + Engine::load, freeing the buffers when loading fails.
std::unique_ptr<Engine> load_engine_from_path(const std::string& path, const EngineOptions& options);

}  // namespace smollm::tools
