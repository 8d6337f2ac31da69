#include "lint/statement_checks.hpp"

#include "lint/conventions.hpp"
#include "lint/tree.hpp"
#include "script/sql_splitter.hpp"

#include <array>

namespace ecluse::lint_detail {

namespace {

// Emits findings for one statement, knowing the revision so far.
class StatementChecker {
public:
    StatementChecker(RevisionContext& context, std::vector<RawFinding>& findings)
        : m_context(context), m_findings(findings) {}

    void check(const json& statement) {
        if (!statement.is_object() || statement.empty()) {
            return;
        }
        const std::string& kind = statement.begin().key();
        const json& node = statement.begin().value();
        if (kind == "DropStmt") {
            drop(node);
        } else if (kind == "AlterTableStmt") {
            alter_table(node);
        } else if (kind == "RenameStmt") {
            rename(node);
        } else if (kind == "AlterEnumStmt") {
            alter_enum(node);
        } else if (kind == "AlterObjectSchemaStmt") {
            set_schema(node);
        } else if (kind == "TruncateStmt") {
            truncate(node);
        } else if (kind == "IndexStmt") {
            create_index(node);
        } else if (kind == "CreateStmt") {
            create_table(node);
        } else if (kind == "CreateTableAsStmt") {
            create_table_as(node);
        } else if (kind == "ViewStmt") {
            create_view(node);
        } else if (kind == "CreateFunctionStmt") {
            create_function(node);
        } else if (kind == "CreateSeqStmt" || kind == "CreateSchemaStmt" ||
                   kind == "CreateExtensionStmt") {
            rerunnable(flag(node, "if_not_exists"), "CREATE without IF NOT EXISTS");
        } else {
            maintenance(kind, node);
        }
    }

private:
    bool pre() const { return m_context.branch == Branch::pre; }
    bool post() const { return m_context.branch == Branch::post; }
    bool created(const json& range_var) const {
        return m_context.created_tables.count(text(range_var, "relname")) != 0;
    }
    void add(const char* rule, std::string subject) {
        m_findings.push_back({rule, std::move(subject)});
    }
    // robustness-if-not-exists, for `transaction: none` revisions.
    void rerunnable(bool guarded, const std::string& subject) {
        if (!m_context.transactional && !guarded) {
            add("robustness-if-not-exists", subject);
        }
    }
    void concurrently(bool concurrent, const std::string& subject) {
        if (concurrent && m_context.transactional) {
            add("locking-concurrently-in-transaction", subject);
        }
    }

    void drop(const json& node) {
        std::string type = text(node, "removeType");
        bool concurrent = flag(node, "concurrent");
        std::vector<std::string> names;
        bool all_created = true;
        for (const json& object : field(node, "objects")) {
            std::string name;
            if (object.contains("List")) {
                name = dotted(field(field(object, "List"), "items"));
            } else if (object.contains("ObjectWithArgs")) {
                name = dotted(field(field(object, "ObjectWithArgs"), "objname"));
            } else if (object.contains("TypeName")) {
                name = dotted(field(field(object, "TypeName"), "names"));
            } else {
                name = text(field(object, "String"), "sval");
            }
            std::string bare =
                name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
            all_created = all_created && (m_context.created_tables.count(bare) != 0 ||
                                          m_context.created_indexes.count(bare) != 0);
            names.push_back(name);
        }
        std::string list;
        for (const auto& name : names) {
            list += (list.empty() ? "" : ", ") + name;
        }
        rerunnable(flag(node, "missing_ok"), "DROP without IF EXISTS " + list);
        if (type == "OBJECT_INDEX") {
            if (!concurrent && !all_created) {
                add("locking-index-not-concurrent", "DROP INDEX " + list);
            }
            concurrently(concurrent, "DROP INDEX CONCURRENTLY " + list);
            return;
        }
        if (!pre() || all_created) {
            return;
        }
        static const std::array<std::array<const char*, 3>, 10> k_drops = {{
            {"OBJECT_TABLE", "pre-drop-table", "DROP TABLE "},
            {"OBJECT_VIEW", "pre-drop-view", "DROP VIEW "},
            {"OBJECT_MATVIEW", "pre-drop-view", "DROP MATERIALIZED VIEW "},
            {"OBJECT_FUNCTION", "pre-drop-function", "DROP FUNCTION "},
            {"OBJECT_PROCEDURE", "pre-drop-function", "DROP PROCEDURE "},
            {"OBJECT_ROUTINE", "pre-drop-function", "DROP ROUTINE "},
            {"OBJECT_TYPE", "pre-drop-type", "DROP TYPE "},
            {"OBJECT_DOMAIN", "pre-drop-type", "DROP DOMAIN "},
            {"OBJECT_SEQUENCE", "pre-drop-sequence", "DROP SEQUENCE "},
            {"OBJECT_SCHEMA", "pre-drop-schema", "DROP SCHEMA "},
        }};
        for (const auto& [object_type, rule_id, verb] : k_drops) {
            if (type == object_type) {
                add(rule_id, verb + list);
            }
        }
    }

    void alter_table(const json& node) {
        if (text(node, "objtype") != "OBJECT_TABLE") {
            return;
        }
        const json& relation = field(node, "relation");
        std::string table = relation_name(relation);
        bool fresh = created(relation);
        for (const json& item : field(node, "cmds")) {
            const json& command = field(item, "AlterTableCmd");
            std::string subtype = text(command, "subtype");
            std::string column = text(command, "name");
            std::string target = table + "." + column;
            if (subtype == "AT_DropColumn") {
                rerunnable(flag(command, "missing_ok"), "DROP COLUMN without IF EXISTS " + target);
                if (pre() && !fresh) {
                    add("pre-drop-column", "DROP COLUMN " + target);
                }
            } else if (subtype == "AT_AlterColumnType" && !fresh) {
                if (pre()) {
                    add("pre-alter-column-type", "ALTER COLUMN " + target + " TYPE");
                }
                add("locking-alter-column-type", "ALTER COLUMN " + target + " TYPE");
            } else if (subtype == "AT_SetNotNull" && !fresh) {
                if (pre()) {
                    add("pre-set-not-null", "SET NOT NULL on " + target);
                }
                std::string key = text(relation, "relname") + "." + column;
                if (m_context.not_null_proven.count(key) == 0) {
                    add("locking-set-not-null", "SET NOT NULL on " + target);
                }
            } else if (subtype == "AT_ColumnDefault" && !command.contains("def") && !fresh &&
                       pre()) {
                add("pre-drop-default", "DROP DEFAULT on " + target);
            } else if (subtype == "AT_AddColumn") {
                add_column(table, fresh, command);
            } else if (subtype == "AT_AddConstraint") {
                add_constraint(relation, fresh, field(command, "def"));
            } else if (subtype == "AT_DropConstraint") {
                rerunnable(flag(command, "missing_ok"),
                           "DROP CONSTRAINT without IF EXISTS " + column + " on " + table);
            } else if (subtype == "AT_ValidateConstraint") {
                validate_constraint(table, column);
            }
        }
    }

    void add_column(const std::string& table, bool fresh, const json& command) {
        const json& column = field(field(command, "def"), "ColumnDef");
        std::string target = table + "." + text(column, "colname");
        rerunnable(flag(command, "missing_ok"), "ADD COLUMN without IF NOT EXISTS " + target);
        check_column_conventions(table, column, m_findings);
        if (fresh) {
            return;
        }
        if (post()) {
            add("post-add-column", "ADD COLUMN " + target);
        }
        std::string type = dotted(field(field(column, "typeName"), "names"));
        if (type.rfind("pg_catalog.", 0) == 0) {
            type.erase(0, 11); // int4 rather than pg_catalog.int4 in messages
        }
        bool not_null = false;
        bool has_default = false;
        bool rewrites = type == "serial" || type == "bigserial" || type == "smallserial" ||
                        type == "serial4" || type == "serial8" || type == "serial2";
        for (const json& item : field(column, "constraints")) {
            const json& constraint = field(item, "Constraint");
            std::string contype = text(constraint, "contype");
            if (contype == "CONSTR_NOTNULL") {
                not_null = true;
            } else if (contype == "CONSTR_DEFAULT") {
                has_default = true;
                rewrites = rewrites || is_volatile(field(constraint, "raw_expr"));
            } else if (contype == "CONSTR_IDENTITY" || contype == "CONSTR_GENERATED") {
                has_default = true;
                rewrites = true;
            } else if (contype == "CONSTR_CHECK" || contype == "CONSTR_FOREIGN") {
                add("locking-constraint-not-valid",
                    std::string(contype == "CONSTR_CHECK" ? "CHECK" : "REFERENCES") +
                        " on new column " + target);
            } else if (contype == "CONSTR_UNIQUE" || contype == "CONSTR_PRIMARY") {
                add("locking-unique-without-index",
                    std::string(contype == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY") +
                        " on new column " + target);
                if (pre()) {
                    add("pre-add-constraint",
                        std::string(contype == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY") +
                            " on new column " + target);
                }
            }
        }
        if (not_null && !has_default && pre()) {
            add("pre-add-not-null-column", "ADD COLUMN " + target + " NOT NULL without DEFAULT");
        }
        if (rewrites) {
            add("locking-volatile-default", "ADD COLUMN " + target + " " +
                                                (type.empty() ? std::string("") : type + " ") +
                                                "with a value computed per row");
        }
    }

    // Whether an expression calls a function that is volatile in PostgreSQL
    // (ADD COLUMN then rewrites the table). Other calls are assumed stable.
    static bool is_volatile(const json& expression) {
        static const std::array<const char*, 10> k_volatile = {
            "random",           "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
            "uuid_generate_v4", "clock_timestamp", "timeofday",        "nextval",
            "setseed",          "txid_current"};
        if (expression.is_object()) {
            if (expression.contains("FuncCall")) {
                std::string name = dotted(field(expression["FuncCall"], "funcname"));
                name = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
                for (const char* candidate : k_volatile) {
                    if (name == candidate) {
                        return true;
                    }
                }
            }
            for (const auto& item : expression.items()) {
                if (is_volatile(item.value())) {
                    return true;
                }
            }
        } else if (expression.is_array()) {
            for (const json& item : expression) {
                if (is_volatile(item)) {
                    return true;
                }
            }
        }
        return false;
    }

    void add_constraint(const json& relation, bool fresh, const json& definition) {
        const json& constraint = field(definition, "Constraint");
        std::string table = relation_name(relation);
        std::string contype = text(constraint, "contype");
        std::string name = text(constraint, "conname");
        std::string subject = "ADD CONSTRAINT " + (name.empty() ? "" : name + " ") + "on " + table;
        check_constraint_conventions(table, constraint, m_findings);
        bool not_valid = flag(constraint, "skip_validation");
        if (contype == "CONSTR_CHECK") {
            const json& test = field(field(constraint, "raw_expr"), "NullTest");
            std::string column = dotted(field(field(field(test, "arg"), "ColumnRef"), "fields"));
            if (!not_valid && text(test, "nulltesttype") == "IS_NOT_NULL" && !column.empty()) {
                m_context.not_null_proven.insert(text(relation, "relname") + "." + column);
            }
        }
        if (not_valid) {
            m_context.not_valid_added.insert(name);
        }
        if (fresh) {
            return;
        }
        if (contype == "CONSTR_CHECK" || contype == "CONSTR_FOREIGN") {
            if (!not_valid) {
                add("locking-constraint-not-valid", subject);
                if (pre()) {
                    add("pre-add-constraint", subject);
                }
            }
        } else if (contype == "CONSTR_UNIQUE" || contype == "CONSTR_PRIMARY") {
            if (text(constraint, "indexname").empty()) {
                add("locking-unique-without-index", subject);
            }
            if (pre()) {
                add("pre-add-constraint", subject);
            }
        } else if (contype == "CONSTR_EXCLUSION" && pre()) {
            add("pre-add-constraint", subject);
        }
    }

    void validate_constraint(const std::string& table, const std::string& name) {
        std::string subject = "VALIDATE CONSTRAINT " + name + " on " + table;
        if (pre()) {
            add("pre-validate-constraint", subject);
        }
        if (m_context.transactional && m_context.not_valid_added.count(name) != 0) {
            add("locking-validate-same-transaction", subject);
        }
        if (m_context.known_checks != nullptr) {
            m_context.looked_up.push_back(name);
            if (auto it = m_context.known_checks->find(name); it != m_context.known_checks->end()) {
                m_context.not_null_proven.insert(it->second.first + "." + it->second.second);
            }
        }
    }

    void rename(const json& node) {
        std::string type = text(node, "renameType");
        const json& relation = field(node, "relation");
        std::string to = text(node, "newname");
        if (type == "OBJECT_TABLE") {
            if (!created(relation)) {
                add("rename-table", "RENAME TABLE " + relation_name(relation) + " TO " + to);
            }
        } else if (type == "OBJECT_COLUMN") {
            if (!created(relation)) {
                add("rename-column", "RENAME COLUMN " + relation_name(relation) + "." +
                                         text(node, "subname") + " TO " + to);
            }
        } else if (type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_SEQUENCE" ||
                   type == "OBJECT_ATTRIBUTE") {
            if (!created(relation)) {
                add("rename-object", "RENAME " + relation_name(relation) + " TO " + to);
            }
        } else if (type == "OBJECT_FUNCTION" || type == "OBJECT_PROCEDURE" ||
                   type == "OBJECT_ROUTINE" || type == "OBJECT_TYPE" || type == "OBJECT_DOMAIN" ||
                   type == "OBJECT_SCHEMA") {
            const json& object = field(node, "object");
            std::string name = text(node, "subname");
            if (object.contains("ObjectWithArgs")) {
                name = dotted(field(object["ObjectWithArgs"], "objname"));
            } else if (object.contains("List")) {
                name = dotted(field(object["List"], "items"));
            } else if (object.contains("String")) {
                name = text(object["String"], "sval");
            }
            add("rename-object", "RENAME " + name + " TO " + to);
        }
    }

    void alter_enum(const json& node) {
        std::string type = dotted(field(node, "typeName"));
        if (node.contains("oldVal")) {
            add("rename-enum-value", "RENAME VALUE '" + text(node, "oldVal") + "' of " + type);
        } else {
            rerunnable(flag(node, "skipIfNewValExists"),
                       "ADD VALUE without IF NOT EXISTS to " + type);
        }
    }

    void set_schema(const json& node) {
        std::string type = text(node, "objectType");
        const json& relation = field(node, "relation");
        if ((type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
             type == "OBJECT_SEQUENCE") &&
            !created(relation)) {
            add("rename-object",
                "SET SCHEMA " + text(node, "newschema") + " on " + relation_name(relation));
        } else if (type == "OBJECT_FUNCTION" || type == "OBJECT_TYPE" ||
                   type == "OBJECT_PROCEDURE") {
            add("rename-object", "SET SCHEMA " + text(node, "newschema"));
        }
    }

    void truncate(const json& node) {
        std::string list;
        bool all_created = true;
        for (const json& item : field(node, "relations")) {
            list += (list.empty() ? "" : ", ") + relation_name(field(item, "RangeVar"));
            all_created = all_created && created(field(item, "RangeVar"));
        }
        if (pre() && !all_created) {
            add("pre-truncate", "TRUNCATE " + list);
        }
    }

    void create_index(const json& node) {
        const json& relation = field(node, "relation");
        std::string name = text(node, "idxname");
        std::string subject =
            std::string(flag(node, "unique") ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
            (name.empty() ? "" : name + " ") + "ON " + relation_name(relation);
        bool concurrent = flag(node, "concurrent");
        bool fresh = created(relation);
        rerunnable(flag(node, "if_not_exists"), subject + " without IF NOT EXISTS");
        concurrently(concurrent, subject + " CONCURRENTLY");
        check_index_conventions(name, m_findings);
        if (!name.empty()) {
            m_context.created_indexes.insert(name);
        }
        if (fresh) {
            return;
        }
        if (!concurrent) {
            add("locking-index-not-concurrent", subject);
        }
        if (post()) {
            add("post-create-index", subject);
        }
        if (pre() && flag(node, "unique")) {
            add("pre-add-constraint", subject);
        }
    }

    void create_table(const json& node) {
        const json& relation = field(node, "relation");
        std::string name = relation_name(relation);
        rerunnable(flag(node, "if_not_exists"), "CREATE TABLE " + name + " without IF NOT EXISTS");
        check_table_conventions(node, m_findings);
        m_context.created_tables.insert(text(relation, "relname"));
        if (post()) {
            add("post-create-table", "CREATE TABLE " + name);
        }
    }

    void create_table_as(const json& node) {
        const json& relation = field(field(node, "into"), "rel");
        bool view = text(node, "objtype") == "OBJECT_MATVIEW";
        std::string subject =
            (view ? "CREATE MATERIALIZED VIEW " : "CREATE TABLE ") + relation_name(relation);
        rerunnable(flag(node, "if_not_exists"), subject + " without IF NOT EXISTS");
        m_context.created_tables.insert(text(relation, "relname"));
        if (post()) {
            add(view ? "post-create-view" : "post-create-table", subject);
        }
    }

    void create_view(const json& node) {
        const json& relation = field(node, "view");
        std::string subject = "CREATE VIEW " + relation_name(relation);
        rerunnable(flag(node, "replace"), subject + " without OR REPLACE");
        m_context.created_tables.insert(text(relation, "relname"));
        if (post()) {
            add("post-create-view", subject);
        }
    }

    void create_function(const json& node) {
        std::string subject =
            std::string(flag(node, "is_procedure") ? "CREATE PROCEDURE " : "CREATE FUNCTION ") +
            dotted(field(node, "funcname"));
        rerunnable(flag(node, "replace"), subject + " without OR REPLACE");
        if (post()) {
            add("post-create-function", subject);
        }
    }

    // REINDEX, VACUUM, CLUSTER, LOCK, REFRESH, BEGIN/COMMIT/ROLLBACK.
    void maintenance(const std::string& kind, const json& node) {
        if (kind == "ReindexStmt") {
            bool concurrent = false;
            for (const json& item : field(node, "params")) {
                concurrent =
                    concurrent || text(field(item, "DefElem"), "defname") == "concurrently";
            }
            std::string subject =
                "REINDEX " + (node.contains("relation") ? relation_name(field(node, "relation"))
                                                        : text(node, "name"));
            if (!concurrent) {
                add("locking-reindex-not-concurrent", subject);
            }
            concurrently(concurrent, subject + " CONCURRENTLY");
        } else if (kind == "VacuumStmt" && flag(node, "is_vacuumcmd")) {
            for (const json& item : field(node, "options")) {
                if (text(field(item, "DefElem"), "defname") == "full") {
                    add("locking-vacuum-full", "VACUUM FULL");
                }
            }
        } else if (kind == "ClusterStmt") {
            add("locking-cluster", "CLUSTER " + relation_name(field(node, "relation")));
        } else if (kind == "LockStmt") {
            std::string list;
            for (const json& item : field(node, "relations")) {
                list += (list.empty() ? "" : ", ") + relation_name(field(item, "RangeVar"));
            }
            add("locking-lock-table", "LOCK TABLE " + list);
        } else if (kind == "RefreshMatViewStmt") {
            const json& relation = field(node, "relation");
            if (!flag(node, "concurrent") && !created(relation)) {
                add("locking-refresh-not-concurrent",
                    "REFRESH MATERIALIZED VIEW " + relation_name(relation));
            }
        } else if (kind == "TransactionStmt" && m_context.transactional) {
            std::string control = transaction_control_name(text(node, "kind"));
            if (!control.empty()) {
                add("locking-transaction-control", control);
            }
        }
    }

    RevisionContext& m_context;
    std::vector<RawFinding>& m_findings;
};

} // namespace

void check_statement(const json& statement, RevisionContext& context,
                     std::vector<RawFinding>& findings) {
    StatementChecker(context, findings).check(statement);
}

void collect_not_null_checks(const json& statement, NotNullChecks& checks) {
    const json& alter = field(statement, "AlterTableStmt");
    for (const json& item : field(alter, "cmds")) {
        const json& command = field(item, "AlterTableCmd");
        const json& constraint = field(field(command, "def"), "Constraint");
        if (text(command, "subtype") != "AT_AddConstraint" ||
            text(constraint, "contype") != "CONSTR_CHECK") {
            continue;
        }
        const json& test = field(field(constraint, "raw_expr"), "NullTest");
        std::string column = dotted(field(field(field(test, "arg"), "ColumnRef"), "fields"));
        if (text(test, "nulltesttype") == "IS_NOT_NULL" && !column.empty() &&
            !text(constraint, "conname").empty()) {
            checks[text(constraint, "conname")] = {text(field(alter, "relation"), "relname"),
                                                   column};
        }
    }
}

} // namespace ecluse::lint_detail
