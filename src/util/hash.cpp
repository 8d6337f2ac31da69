#include "util/hash.hpp"

#include "util/error.hpp"

// SHA-256 through OpenSSL's low-level functions where the library still has
// them: OpenSSL 3 deprecates them for EVP, but EVP's first digest fetches
// the default provider and consults the engines (5.3 M instructions, 7% of an
// up-to-date `upgrade heads` on 1,000 revisions, for the one digest of the
// lock key); SHA256_Init costs 14.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
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
        throw OperationFailed("OpenSSL could not compute a SHA-256 digest");
    }
    return to_hex(digest, sizeof digest);
#else
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
        throw OperationFailed("OpenSSL could not compute a SHA-256 digest");
    }
    return to_hex(digest, size);
#endif
}

namespace {

constexpr std::uint64_t k_prime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t k_prime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t k_prime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t k_prime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t k_prime5 = 0x27D4EB2F165667C5ULL;

std::uint64_t rotl(std::uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

// Little-endian loads, whatever the host's order.
std::uint64_t read64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

std::uint32_t read32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t round64(std::uint64_t acc, std::uint64_t input) {
    acc += input * k_prime2;
    return rotl(acc, 31) * k_prime1;
}

std::uint64_t merge_round(std::uint64_t acc, std::uint64_t value) {
    acc ^= round64(0, value);
    return acc * k_prime1 + k_prime4;
}

} // namespace

std::uint64_t xxh64(std::string_view data) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const unsigned char* end = p + data.size();
    std::uint64_t h = 0;
    if (data.size() >= 32) {
        std::uint64_t v1 = k_prime1 + k_prime2;
        std::uint64_t v2 = k_prime2;
        std::uint64_t v3 = 0;
        std::uint64_t v4 = 0 - k_prime1;
        for (; p + 32 <= end; p += 32) {
            v1 = round64(v1, read64(p));
            v2 = round64(v2, read64(p + 8));
            v3 = round64(v3, read64(p + 16));
            v4 = round64(v4, read64(p + 24));
        }
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = merge_round(h, v1);
        h = merge_round(h, v2);
        h = merge_round(h, v3);
        h = merge_round(h, v4);
    } else {
        h = k_prime5;
    }
    h += static_cast<std::uint64_t>(data.size());
    for (; p + 8 <= end; p += 8) {
        h ^= round64(0, read64(p));
        h = rotl(h, 27) * k_prime1 + k_prime4;
    }
    if (p + 4 <= end) {
        h ^= static_cast<std::uint64_t>(read32(p)) * k_prime1;
        h = rotl(h, 23) * k_prime2 + k_prime3;
        p += 4;
    }
    for (; p < end; ++p) {
        h ^= (*p) * k_prime5;
        h = rotl(h, 11) * k_prime1;
    }
    h ^= h >> 33;
    h *= k_prime2;
    h ^= h >> 29;
    h *= k_prime3;
    h ^= h >> 32;
    return h;
}

std::string hex64(std::uint64_t value) {
    static const char* digits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = digits[value & 0x0F];
        value >>= 4;
    }
    return out;
}

namespace {

// `count` bytes from OpenSSL's cryptographic random source.
std::string random_bytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
        throw OperationFailed("OpenSSL could not produce random bytes");
    }
    return bytes;
}

} // namespace

std::string scram_sha256_secret(std::string_view password, std::string_view salt) {
    for (char c : password) {
        if (c < 0x20 || c > 0x7e) {
            throw OperationFailed("a password for SCRAM-SHA-256 must be printable ASCII");
        }
    }
    std::string random_salt = salt.empty() ? random_bytes(16) : std::string();
    if (salt.empty()) {
        salt = random_salt;
    }
    constexpr int k_iterations = 4096;
    unsigned char salted[SHA256_DIGEST_LENGTH];
    unsigned char client_key[SHA256_DIGEST_LENGTH];
    unsigned char stored_key[SHA256_DIGEST_LENGTH];
    unsigned char server_key[SHA256_DIGEST_LENGTH];
    unsigned int size = 0;
    auto hmac = [&](std::string_view text, unsigned char* out) {
        return HMAC(EVP_sha256(), salted, sizeof salted,
                    reinterpret_cast<const unsigned char*>(text.data()), text.size(), out,
                    &size) != nullptr;
    };
    bool ok =
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), k_iterations, EVP_sha256(), sizeof salted,
                          salted) == 1 &&
        hmac("Client Key", client_key) &&
        EVP_Digest(client_key, sizeof client_key, stored_key, &size, EVP_sha256(), nullptr) == 1 &&
        hmac("Server Key", server_key);
    if (!ok) {
        throw OperationFailed("OpenSSL could not compute a SCRAM-SHA-256 secret");
    }
    auto base64 = [](const void* data, std::size_t length) {
        std::string out(4 * ((length + 2) / 3) + 1, '\0');
        int written =
            EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            static_cast<const unsigned char*>(data), static_cast<int>(length));
        out.resize(static_cast<std::size_t>(written));
        return out;
    };
    return "SCRAM-SHA-256$" + std::to_string(k_iterations) + ":" +
           base64(salt.data(), salt.size()) + "$" + base64(stored_key, sizeof stored_key) + ":" +
           base64(server_key, sizeof server_key);
}

std::string random_hex(std::size_t length) {
    std::string bytes = random_bytes((length + 1) / 2);
    return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size())
        .substr(0, length);
}

} // namespace ecluse
