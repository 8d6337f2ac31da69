// libpq loaded when the first connection is made, not when ecluse starts
// (the build's `static_link` option; see meson.build).
//
// Linked the usual way, libpq and the two dozen libraries beneath it
// (Kerberos, LDAP, GnuTLS, OpenSSL...) are mapped and their symbols bound
// at every start: 6 ms of the 8 that `ecluse --version` took, paid by
// `heads`, `check` and the pre-commit hook, which never connect. Here each
// libpq function that libpqxx or connection.cpp calls is defined as a
// forwarder to the same function in libpq.so.5, opened with dlopen on first
// use. The forwarders repeat libpq-fe.h's declarations, which the compiler
// checks them against (a C function declared twice must agree); a function
// that libpqxx needs and is missing here fails the link.
// scripts/libpq-forwarders.py writes them.

#include "pg/libpq_loader.hpp"
#include "util/error.hpp"

#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ecluse::pg {

namespace {

constexpr const char* k_libpq = "libpq.so.5";

struct Library {
    void* handle = nullptr;
    std::string error; // when it could not be opened
};

const Library& library() {
    static const Library loaded = [] {
        Library lib;
        lib.handle = ::dlopen(k_libpq, RTLD_NOW | RTLD_LOCAL);
        if (lib.handle == nullptr) {
            const char* error = ::dlerror();
            lib.error = error != nullptr ? error : "unknown error";
        }
        return lib;
    }();
    return loaded;
}

void* symbol(const char* name) {
    load_libpq(); // whichever libpq function is called first says when it cannot be
    void* address = ::dlsym(library().handle, name);
    if (address == nullptr) {
        // A libpq older than the one ecluse was built with.
        std::fprintf(stderr, "ecluse: internal error: %s has no %s (older than ecluse's)\n",
                     k_libpq, name);
        std::abort();
    }
    return address;
}

// The libpq function that `Forwarder` stands for, looked up once.
template <auto Forwarder>
auto real(const char* name) {
    static const auto function = reinterpret_cast<decltype(Forwarder)>(symbol(name));
    return function;
}

} // namespace

void load_libpq() {
    const Library& lib = library();
    if (lib.handle == nullptr) {
        throw Error(k_exit_failed,
                    std::string("cannot load PostgreSQL's client library: ") + lib.error,
                    "install it (on Debian: apt-get install libpq5)");
    }
}

} // namespace ecluse::pg

using ecluse::pg::real;

extern "C" {

int PQbackendPID(const PGconn* conn) {
    return real<&PQbackendPID>("PQbackendPID")(conn);
}

int PQcancel(PGcancel* cancel, char* errbuf, int errbufsize) {
    return real<&PQcancel>("PQcancel")(cancel, errbuf, errbufsize);
}

void PQclear(PGresult* res) {
    real<&PQclear>("PQclear")(res);
}

int PQclientEncoding(const PGconn* conn) {
    return real<&PQclientEncoding>("PQclientEncoding")(conn);
}

char* PQcmdStatus(PGresult* res) {
    return real<&PQcmdStatus>("PQcmdStatus")(res);
}

char* PQcmdTuples(PGresult* res) {
    return real<&PQcmdTuples>("PQcmdTuples")(res);
}

PostgresPollingStatusType PQconnectPoll(PGconn* conn) {
    return real<&PQconnectPoll>("PQconnectPoll")(conn);
}

PGconn* PQconnectStart(const char* conninfo) {
    return real<&PQconnectStart>("PQconnectStart")(conninfo);
}

PGconn* PQconnectdb(const char* conninfo) {
    return real<&PQconnectdb>("PQconnectdb")(conninfo);
}

void PQconninfoFree(PQconninfoOption* connOptions) {
    real<&PQconninfoFree>("PQconninfoFree")(connOptions);
}

PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
    return real<&PQconninfoParse>("PQconninfoParse")(conninfo, errmsg);
}

int PQconsumeInput(PGconn* conn) {
    return real<&PQconsumeInput>("PQconsumeInput")(conn);
}

char* PQdb(const PGconn* conn) {
    return real<&PQdb>("PQdb")(conn);
}

char* PQencryptPassword(const char* passwd, const char* user) {
    return real<&PQencryptPassword>("PQencryptPassword")(passwd, user);
}

int PQendcopy(PGconn* conn) {
    return real<&PQendcopy>("PQendcopy")(conn);
}

char* PQerrorMessage(const PGconn* conn) {
    return real<&PQerrorMessage>("PQerrorMessage")(conn);
}

unsigned char* PQescapeByteaConn(PGconn* conn, const unsigned char* from, size_t from_length,
                                 size_t* to_length) {
    return real<&PQescapeByteaConn>("PQescapeByteaConn")(conn, from, from_length, to_length);
}

char* PQescapeIdentifier(PGconn* conn, const char* str, size_t len) {
    return real<&PQescapeIdentifier>("PQescapeIdentifier")(conn, str, len);
}

size_t PQescapeStringConn(PGconn* conn, char* to, const char* from, size_t length, int* error) {
    return real<&PQescapeStringConn>("PQescapeStringConn")(conn, to, from, length, error);
}

PGresult* PQexec(PGconn* conn, const char* query) {
    return real<&PQexec>("PQexec")(conn, query);
}

PGresult* PQexecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                       const char* const* paramValues, const int* paramLengths,
                       const int* paramFormats, int resultFormat) {
    return real<&PQexecParams>("PQexecParams")(conn, command, nParams, paramTypes, paramValues,
                                               paramLengths, paramFormats, resultFormat);
}

PGresult* PQexecPrepared(PGconn* conn, const char* stmtName, int nParams,
                         const char* const* paramValues, const int* paramLengths,
                         const int* paramFormats, int resultFormat) {
    return real<&PQexecPrepared>("PQexecPrepared")(conn, stmtName, nParams, paramValues,
                                                   paramLengths, paramFormats, resultFormat);
}

void PQfinish(PGconn* conn) {
    real<&PQfinish>("PQfinish")(conn);
}

char* PQfname(const PGresult* res, int field_num) {
    return real<&PQfname>("PQfname")(res, field_num);
}

int PQfnumber(const PGresult* res, const char* field_name) {
    return real<&PQfnumber>("PQfnumber")(res, field_name);
}

void PQfreeCancel(PGcancel* cancel) {
    real<&PQfreeCancel>("PQfreeCancel")(cancel);
}

void PQfreemem(void* ptr) {
    real<&PQfreemem>("PQfreemem")(ptr);
}

Oid PQftable(const PGresult* res, int field_num) {
    return real<&PQftable>("PQftable")(res, field_num);
}

int PQftablecol(const PGresult* res, int field_num) {
    return real<&PQftablecol>("PQftablecol")(res, field_num);
}

Oid PQftype(const PGresult* res, int field_num) {
    return real<&PQftype>("PQftype")(res, field_num);
}

PGcancel* PQgetCancel(PGconn* conn) {
    return real<&PQgetCancel>("PQgetCancel")(conn);
}

int PQgetCopyData(PGconn* conn, char** buffer, int async) {
    return real<&PQgetCopyData>("PQgetCopyData")(conn, buffer, async);
}

PGresult* PQgetResult(PGconn* conn) {
    return real<&PQgetResult>("PQgetResult")(conn);
}

int PQgetisnull(const PGresult* res, int tup_num, int field_num) {
    return real<&PQgetisnull>("PQgetisnull")(res, tup_num, field_num);
}

int PQgetlength(const PGresult* res, int tup_num, int field_num) {
    return real<&PQgetlength>("PQgetlength")(res, tup_num, field_num);
}

char* PQgetvalue(const PGresult* res, int tup_num, int field_num) {
    return real<&PQgetvalue>("PQgetvalue")(res, tup_num, field_num);
}

char* PQhost(const PGconn* conn) {
    return real<&PQhost>("PQhost")(conn);
}

int PQisBusy(PGconn* conn) {
    return real<&PQisBusy>("PQisBusy")(conn);
}

int PQisthreadsafe() {
    return real<&PQisthreadsafe>("PQisthreadsafe")();
}

int PQnfields(const PGresult* res) {
    return real<&PQnfields>("PQnfields")(res);
}

PGnotify* PQnotifies(PGconn* conn) {
    return real<&PQnotifies>("PQnotifies")(conn);
}

int PQntuples(const PGresult* res) {
    return real<&PQntuples>("PQntuples")(res);
}

Oid PQoidValue(const PGresult* res) {
    return real<&PQoidValue>("PQoidValue")(res);
}

const char* PQparameterStatus(const PGconn* conn, const char* paramName) {
    return real<&PQparameterStatus>("PQparameterStatus")(conn, paramName);
}

char* PQport(const PGconn* conn) {
    return real<&PQport>("PQport")(conn);
}

PGresult* PQprepare(PGconn* conn, const char* stmtName, const char* query, int nParams,
                    const Oid* paramTypes) {
    return real<&PQprepare>("PQprepare")(conn, stmtName, query, nParams, paramTypes);
}

int PQprotocolVersion(const PGconn* conn) {
    return real<&PQprotocolVersion>("PQprotocolVersion")(conn);
}

int PQputCopyData(PGconn* conn, const char* buffer, int nbytes) {
    return real<&PQputCopyData>("PQputCopyData")(conn, buffer, nbytes);
}

int PQputCopyEnd(PGconn* conn, const char* errormsg) {
    return real<&PQputCopyEnd>("PQputCopyEnd")(conn, errormsg);
}

void PQreset(PGconn* conn) {
    real<&PQreset>("PQreset")(conn);
}

char* PQresultErrorField(const PGresult* res, int fieldcode) {
    return real<&PQresultErrorField>("PQresultErrorField")(res, fieldcode);
}

char* PQresultErrorMessage(const PGresult* res) {
    return real<&PQresultErrorMessage>("PQresultErrorMessage")(res);
}

ExecStatusType PQresultStatus(const PGresult* res) {
    return real<&PQresultStatus>("PQresultStatus")(res);
}

int PQsendQuery(PGconn* conn, const char* query) {
    return real<&PQsendQuery>("PQsendQuery")(conn, query);
}

int PQserverVersion(const PGconn* conn) {
    return real<&PQserverVersion>("PQserverVersion")(conn);
}

int PQsetClientEncoding(PGconn* conn, const char* encoding) {
    return real<&PQsetClientEncoding>("PQsetClientEncoding")(conn, encoding);
}

PGVerbosity PQsetErrorVerbosity(PGconn* conn, PGVerbosity verbosity) {
    return real<&PQsetErrorVerbosity>("PQsetErrorVerbosity")(conn, verbosity);
}

PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
    return real<&PQsetNoticeProcessor>("PQsetNoticeProcessor")(conn, proc, arg);
}

int PQsocket(const PGconn* conn) {
    return real<&PQsocket>("PQsocket")(conn);
}

ConnStatusType PQstatus(const PGconn* conn) {
    return real<&PQstatus>("PQstatus")(conn);
}

void PQtrace(PGconn* conn, FILE* debug_port) {
    real<&PQtrace>("PQtrace")(conn, debug_port);
}

unsigned char* PQunescapeBytea(const unsigned char* strtext, size_t* retbuflen) {
    return real<&PQunescapeBytea>("PQunescapeBytea")(strtext, retbuflen);
}

void PQuntrace(PGconn* conn) {
    real<&PQuntrace>("PQuntrace")(conn);
}

char* PQuser(const PGconn* conn) {
    return real<&PQuser>("PQuser")(conn);
}

int lo_close(PGconn* conn, int fd) {
    return real<&lo_close>("lo_close")(conn, fd);
}

Oid lo_creat(PGconn* conn, int mode) {
    return real<&lo_creat>("lo_creat")(conn, mode);
}

int lo_export(PGconn* conn, Oid lobjId, const char* filename) {
    return real<&lo_export>("lo_export")(conn, lobjId, filename);
}

Oid lo_import(PGconn* conn, const char* filename) {
    return real<&lo_import>("lo_import")(conn, filename);
}

int lo_lseek(PGconn* conn, int fd, int offset, int whence) {
    return real<&lo_lseek>("lo_lseek")(conn, fd, offset, whence);
}

int lo_open(PGconn* conn, Oid lobjId, int mode) {
    return real<&lo_open>("lo_open")(conn, lobjId, mode);
}

int lo_read(PGconn* conn, int fd, char* buf, size_t len) {
    return real<&lo_read>("lo_read")(conn, fd, buf, len);
}

int lo_tell(PGconn* conn, int fd) {
    return real<&lo_tell>("lo_tell")(conn, fd);
}

int lo_unlink(PGconn* conn, Oid lobjId) {
    return real<&lo_unlink>("lo_unlink")(conn, lobjId);
}

int lo_write(PGconn* conn, int fd, const char* buf, size_t len) {
    return real<&lo_write>("lo_write")(conn, fd, buf, len);
}

const char* pg_encoding_to_char(int encoding) {
    return real<&pg_encoding_to_char>("pg_encoding_to_char")(encoding);
}

} // extern "C"
