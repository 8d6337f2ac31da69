#include "util/hash.hpp"

#include "util/error.hpp"

// SHA-256 through OpenSSL's low-level functions where the library still has
// them: OpenSSL 3 deprecates them for EVP, but EVP's first digest fetches
// the default provider and consults the engines (5.3 M instructions, 7% of an
// up-to-date `upgrade heads` on 1,000 revisions, for the one digest of the
// lock key); SHA256_Init costs 14.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

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
#ifndef OPENSSL_NO_DEPRECATED_3_0
    SHA256_CTX context;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (SHA256_Init(&context) != 1 || SHA256_Update(&context, data.data(), data.size()) != 1 ||
        SHA256_Final(digest, &context) != 1) {
        throw Error(k_exit_failed, "OpenSSL could not compute a SHA-256 digest");
    }
    return to_hex(digest, sizeof digest);
#else
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
        throw Error(k_exit_failed, "OpenSSL could not compute a SHA-256 digest");
    }
    return to_hex(digest, size);
#endif
}

std::string random_hex(std::size_t length) {
    std::vector<unsigned char> bytes((length + 1) / 2);
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw Error(k_exit_failed, "OpenSSL could not produce random bytes");
    }
    return to_hex(bytes.data(), bytes.size()).substr(0, length);
}

} // namespace ecluse
