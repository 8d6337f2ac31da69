#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ecluse {

// The SHA-256 of `data`, as 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);

// XXH64 (seed 0) of `data`: a fast non-cryptographic 64-bit hash, for
// detecting accidental corruption of our own files (about 10 times faster
// than SHA-256 here), never for anything an attacker controls.
std::uint64_t xxh64(std::string_view data);

// `value` as 16 lowercase hex characters.
std::string hex64(std::uint64_t value);

// `length` lowercase hex characters from a cryptographic random source.
std::string random_hex(std::size_t length);

// PostgreSQL's SCRAM-SHA-256 secret of `password` (RFC 5802 and 7677, as
// `CREATE ROLE ... PASSWORD` stores it: 4096 iterations, a 16-byte salt,
// random when `salt` is empty). Sent in the password's place, it keeps the
// password itself out of the server's statement log and saves the server
// the hashing. `password` must be printable ASCII (SASLprep leaves it as it
// is); anything else throws.
std::string scram_sha256_secret(std::string_view password, std::string_view salt = {});

} // namespace ecluse
