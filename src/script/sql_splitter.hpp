#pragma once

// Splits SQL the way psql runs it: PostgreSQL's own parser (libpg_query)
// finds the statements; psql's own syntax on top of SQL, `COPY ... FROM
// stdin` data blocks and backslash meta-commands, is handled here.

#include "script/revision_file.hpp"
#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

struct Statement {
    std::string sql;         // its first token to its last, without comments around it or ';'
    SourceLocation location; // of its first token, in the file
    // For `COPY ... FROM stdin`: the data lines, each ending in "\n",
    // without the terminating `\.` line.
    std::optional<std::string> copy_data;
    int copy_data_line = 0; // the file line of the data's first line (0: no data)
};

// The psql meta-commands a text may hold; each accepted one is ignored.
enum class MetaCommands {
    harmless,     // those listed at split_statements
    dump_markers, // only pg_dump's \restrict and \unrestrict: a data-only dump
};

// Splits `text`, whose first byte is at `start` (line and column 1-based)
// in `start.file`. Throws InputError at the offending file:line:column for
// a syntax error, a COPY data block without its `\.` line, or a psql
// meta-command other than the harmless ones (\echo, \qecho, \warn,
// \timing, \pset, pg_dump's \restrict and \unrestrict, \set of psql's own
// ON_ERROR_STOP, ECHO, QUIET, VERBOSITY, SHOW_CONTEXT), which are ignored;
// with MetaCommands::dump_markers, other than \restrict and \unrestrict.
// Linear in the size of `text`.
std::vector<Statement> split_statements(std::string_view text, const SourceLocation& start,
                                        MetaCommands accepted = MetaCommands::harmless);

// The statements of one section of a revision file, located in that file.
std::vector<Statement> split_section(const RevisionFile& revision, const Section& section);

// What a TransactionStmt of libpg_query (its `kind`, TRANS_STMT_...) does
// to the transaction ecluse runs a revision in: "BEGIN", "START
// TRANSACTION", "COMMIT" (END and AND CHAIN too), "ROLLBACK" (ABORT too),
// "PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK PREPARED"; "" for
// SAVEPOINT, RELEASE and ROLLBACK TO, which stay inside it. The one
// detection behind lint's locking-transaction-control and the refusal below.
std::string transaction_control_name(std::string_view kind);

// Throws InputError at the first statement of `statements` (a section of
// `revision`) that ends or opens a transaction, when the revision runs in
// one (not `transaction: none`): its COMMIT would commit part of the
// revision without its bookkeeping, its ROLLBACK would record as applied
// what was discarded.
void refuse_transaction_control(const RevisionFile& revision,
                                const std::vector<Statement>& statements);

} // namespace ecluse
