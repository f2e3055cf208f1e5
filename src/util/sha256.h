// SHA-256 (FIPS 180-4), incremental: feed the bytes of a file in as many pieces as they
// arrive, then take the digest. The JS loader hashes model files in wasm linear memory with it,
// chunk by chunk as the download lands, because WebCrypto can only hash one whole buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace smollm {

class Sha256 {
public:
    Sha256();

    // Appends `size` bytes to the message. Any split of a message gives the same digest.
    void update(const uint8_t* data, size_t size);

    // Pads and returns the digest. The object is reset afterwards, ready for a new message.
    std::array<uint8_t, 32> finish();

    // finish() as 64 lower-case hex digits.
    std::string finish_hex();

    // Bytes hashed so far in the current message.
    uint64_t size() const { return total_bytes_; }

    void reset();

private:
    void compress(const uint8_t* block);

    std::array<uint32_t, 8> state_;
    std::array<uint8_t, 64> buffer_;
    size_t buffered_ = 0;
    uint64_t total_bytes_ = 0;
};

// The hex digest of one buffer.
std::string sha256_hex(const uint8_t* data, size_t size);

}  // namespace smollm
