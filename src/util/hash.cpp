#include "util/hash.hpp"

#include "util/error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace ecluse {

static std::string to_hex(const unsigned char* bytes, std::size_t size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0x0F];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
        throw Error(k_exit_failed, "OpenSSL could not compute a SHA-256 digest");
    }
    return to_hex(digest, size);
}

std::string random_hex(std::size_t length) {
    std::vector<unsigned char> bytes((length + 1) / 2);
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw Error(k_exit_failed, "OpenSSL could not produce random bytes");
    }
    return to_hex(bytes.data(), bytes.size()).substr(0, length);
}

} // namespace ecluse
