//! The three tables' schemas, each defined once here: the builders fill exactly these columns,
//! the Parquet files hold them, and `docs/arrow-tables.md` is generated from them
//! ([`markdown`], checked against the file by a test).
//!
//! Every table ends with two columns that say where a row belongs: `host` (from `--host`, the
//! trail file's name or its per-host directory) and `day` (the UTC day of the record's time).
//! A Parquet export puts them in the directory names (`host=H/day=D/`) rather than in the
//! files, so that DuckDB, Spark and Trino read them back as the same two columns.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use bsm_format::token::fields::{Field as TokenField, Kind};
use knox_model::ocsf::Class;

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// One row per record: its event, subject, objects and outcome as typed columns, with the
    /// process model's process, parent and command line.
    Records,
    /// One row per token: the record's place, the token's index and type, and one typed column
    /// per token field (null where the token has no such field).
    Tokens,
    /// One row per OCSF 1.8.0 event, its objects as nested structs; one table per class.
    Ocsf,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 3] = [Table::Records, Table::Tokens, Table::Ocsf];

    /// The table's name (`records`, `tokens`, `ocsf`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Records => "records",
            Table::Tokens => "tokens",
            Table::Ocsf => "ocsf",
        }
    }

    /// The table's schema, with its `host` and `day` columns last.
    pub fn schema(self) -> SchemaRef {
        match self {
            Table::Records => records(),
            Table::Tokens => tokens(),
            Table::Ocsf => ocsf(),
        }
    }
}

impl std::str::FromStr for Table {
    type Err = String;

    fn from_str(s: &str) -> Result<Table, String> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown table {s:?}: records, tokens or ocsf"))
    }
}

/// The columns that place a row, last in every table: `host` and `day`.
pub const PLACE: [&str; 2] = ["host", "day"];

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn int(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

fn list(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", item, true))),
        true,
    )
}

fn strukt(name: &str, fields: Vec<Field>) -> Field {
    Field::new(name, DataType::Struct(Fields::from(fields)), true)
}

/// A timestamp column: milliseconds, UTC. An offset rather than a zone name, so that readers
/// need no time zone database; Parquet marks the column as UTC-adjusted either way.
pub fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into()))
}

fn place() -> [Field; 2] {
    [utf8("host"), int("day", DataType::Date32)]
}

/// A column and what it holds, for the documentation.
struct Doc(&'static str, &'static str);

const RECORDS_DOC: &[Doc] = &[
    Doc("time", "the header's time (UTC, milliseconds)"),
    Doc(
        "file",
        "the input the record was read from, as messages name it (`-` for stdin)",
    ),
    Doc("offset", "the record's byte offset in that input"),
    Doc("length", "the record's byte count"),
    Doc(
        "kind",
        "its header token: `header32`, `header32_ex`, `header64`, `header64_ex`",
    ),
    Doc("event", "the event number"),
    Doc(
        "event_name",
        "the event's name in the event table (`AUE_EXECVE`)",
    ),
    Doc(
        "act",
        "what the event did, from `knox_model::act` (`exec`, `file.open`, `net.connect`, ...)",
    ),
    Doc("modifier", "the header's event modifier"),
    Doc(
        "success",
        "whether the call succeeded; null without a return token",
    ),
    Doc("errno", "the BSM errno of a failure"),
    Doc("errno_name", "its name (`ENOENT`), when BSM has one"),
    Doc(
        "errno_text",
        "praudit's text for it (`No such file or directory`, `Unknown error: 255`)",
    ),
    Doc("return_value", "the return token's value, signed"),
    Doc("pid", "the subject's pid"),
    Doc("ppid", "its parent's pid (process model)"),
    Doc(
        "process_id",
        "the subject's stable process id `[host/]pid@start` (process model)",
    ),
    Doc(
        "parent_id",
        "its parent's stable process id (process model)",
    ),
    Doc(
        "command_line",
        "the program the subject runs, shell-quoted (process model)",
    ),
    Doc("auid", "the subject's audit user id"),
    Doc("euid", "its effective user id"),
    Doc("egid", "its effective group id"),
    Doc("ruid", "its real user id"),
    Doc("rgid", "its real group id"),
    Doc("session", "its audit session id"),
    Doc("terminal", "its terminal: port and address"),
    Doc(
        "user",
        "the effective user's name (`--passwd`, else this machine's accounts)",
    ),
    Doc(
        "paths",
        "every path token, in order (text; bytes that are not UTF-8 replaced)",
    ),
    Doc("argv", "the exec arguments"),
    Doc("envp", "the exec environment"),
    Doc("text", "the first text token"),
    Doc(
        "remote_address",
        "the remote end of a network call (`addr:port`, or a UNIX socket's path)",
    ),
    Doc("local_address", "the local end"),
    Doc("seq", "the seq token's number"),
    Doc("exit_status", "the exit token's status"),
    Doc(
        "error",
        "the first problem decoding the record's tokens (the facts before it are kept)",
    ),
];

/// A schema made once.
macro_rules! once {
    ($make:expr) => {{
        static SCHEMA: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
        SCHEMA.get_or_init(|| $make).clone()
    }};
}

/// The `records` table.
pub fn records() -> SchemaRef {
    once!(make_records())
}

fn make_records() -> SchemaRef {
    use DataType::*;
    let mut f = vec![
        Field::new("time", time_type(), true),
        utf8("file"),
        int("offset", Int64),
        int("length", Int64),
        utf8("kind"),
        int("event", Int32),
        utf8("event_name"),
        utf8("act"),
        int("modifier", Int32),
        Field::new("success", Boolean, true),
        int("errno", Int32),
        utf8("errno_name"),
        utf8("errno_text"),
        int("return_value", Int64),
        int("pid", Int64),
        int("ppid", Int64),
        utf8("process_id"),
        utf8("parent_id"),
        utf8("command_line"),
        int("auid", Int64),
        int("euid", Int64),
        int("egid", Int64),
        int("ruid", Int64),
        int("rgid", Int64),
        int("session", Int64),
        utf8("terminal"),
        utf8("user"),
        list("paths", Utf8),
        list("argv", Utf8),
        list("envp", Utf8),
        utf8("text"),
        utf8("remote_address"),
        utf8("local_address"),
        int("seq", Int64),
        int("exit_status", Int64),
        utf8("error"),
    ];
    f.extend(place());
    Arc::new(Schema::new(f))
}

/// The tokens table's column of a token field: its name in `knox json`, nested objects joined
/// with `_` (`tid_port`, `time_sec`); the IP header's `offset` is `ip_offset`, since `offset`
/// is the record's, and a header's `host` is `header_host`, since `host` is the row's place.
pub fn token_column(f: TokenField) -> String {
    match (f, f.parent()) {
        (TokenField::IpOffset, _) => "ip_offset".into(),
        (TokenField::Host, _) => "header_host".into(),
        (_, Some(p)) => format!("{p}_{}", f.name()),
        (_, None) => f.name().into(),
    }
}

/// The Arrow type of a token field's column.
pub fn token_type(k: Kind) -> DataType {
    match k {
        Kind::Int => DataType::UInt32,
        Kind::Int64 => DataType::UInt64,
        Kind::Bool => DataType::Boolean,
        Kind::Text | Kind::Bytes => DataType::Utf8,
        Kind::BytesList | Kind::TextList => {
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
        }
        Kind::IntList => DataType::List(Arc::new(Field::new("item", DataType::UInt32, true))),
    }
}

/// Whether a token field has a `_base64` column beside it (bytes from the trail that are not
/// UTF-8, or hold a NUL, go there, as `knox json` writes them).
pub fn has_base64(k: Kind) -> bool {
    matches!(k, Kind::Bytes | Kind::BytesList)
}

/// The `tokens` table: `file`, `offset`, `index`, `type`, then every token field.
pub fn tokens() -> SchemaRef {
    once!(tokens_of(TokenField::ALL, true))
}

/// The key of a schema's metadata that names the token type its rows all have.
pub const TOKEN_TYPE: &str = "knox.token_type";

/// The tokens table's columns for some fields only (in the table's order), with `type` or
/// not.
pub fn tokens_of(fields: &[TokenField], with_type: bool) -> SchemaRef {
    let mut f = vec![
        utf8("file"),
        int("offset", DataType::Int64),
        int("index", DataType::Int32),
    ];
    if with_type {
        f.push(utf8("type"));
    }
    for &t in fields {
        let name = token_column(t);
        f.push(Field::new(&name, token_type(t.kind()), true));
        if has_base64(t.kind()) {
            f.push(Field::new(
                format!("{name}_base64"),
                token_type(t.kind()),
                true,
            ));
        }
    }
    f.extend(place());
    Arc::new(Schema::new(f))
}

/// A schema marked as holding the rows of one token type.
pub fn with_token_type(s: &SchemaRef, name: &str) -> SchemaRef {
    let mut meta = s.metadata().clone();
    meta.insert(TOKEN_TYPE.into(), name.into());
    Arc::new(Schema::new_with_metadata(s.fields().clone(), meta))
}

fn user(name: &str) -> Field {
    strukt(
        name,
        vec![utf8("uid"), utf8("name"), int("type_id", DataType::Int32)],
    )
}

fn session(name: &str) -> Field {
    strukt(name, vec![utf8("uid")])
}

/// The OCSF process object as knox fills it.
pub fn process_fields() -> Vec<Field> {
    use DataType::*;
    vec![
        int("pid", Int64),
        utf8("uid"),
        int("created_time", Int64),
        utf8("name"),
        utf8("cmd_line"),
        strukt(
            "file",
            vec![utf8("path"), utf8("name"), int("type_id", Int32)],
        ),
        strukt("parent_process", vec![int("pid", Int64), utf8("uid")]),
        user("user"),
        int("auid", Int64),
        int("euid", Int64),
        int("egid", Int64),
    ]
}

fn process(name: &str) -> Field {
    strukt(name, process_fields())
}

fn file(name: &str) -> Field {
    strukt(
        name,
        vec![
            utf8("path"),
            utf8("name"),
            int("type_id", DataType::Int32),
            user("owner"),
        ],
    )
}

fn endpoint(name: &str) -> Field {
    strukt(
        name,
        vec![
            utf8("name"),
            utf8("ip"),
            int("port", DataType::Int32),
            utf8("hostname"),
        ],
    )
}

/// The attributes every OCSF class has, in order.
fn ocsf_common() -> Vec<Field> {
    use DataType::*;
    vec![
        int("class_uid", Int32),
        utf8("class_name"),
        int("category_uid", Int32),
        utf8("category_name"),
        int("activity_id", Int32),
        utf8("activity_name"),
        int("type_uid", Int64),
        utf8("type_name"),
        int("severity_id", Int32),
        utf8("severity"),
        Field::new("time", time_type(), true),
        int("status_id", Int32),
        utf8("status"),
        utf8("status_code"),
        utf8("status_detail"),
        utf8("message"),
        strukt(
            "metadata",
            vec![
                utf8("version"),
                strukt(
                    "product",
                    vec![utf8("name"), utf8("vendor_name"), utf8("version")],
                ),
                list("profiles", Utf8),
                utf8("event_code"),
                utf8("log_name"),
                utf8("uid"),
            ],
        ),
        strukt(
            "device",
            vec![
                int("type_id", Int32),
                utf8("name"),
                utf8("hostname"),
                utf8("ip"),
            ],
        ),
        strukt(
            "actor",
            vec![process("process"), user("user"), session("session")],
        ),
    ]
}

/// The attributes of one class beyond the common ones, in order.
fn ocsf_class(c: Class) -> Vec<Field> {
    use DataType::*;
    match c {
        Class::Base => vec![],
        Class::Process => vec![process("process"), int("exit_code", Int32)],
        Class::FileSystem => vec![file("file"), file("file_result")],
        Class::Network => vec![
            endpoint("src_endpoint"),
            endpoint("dst_endpoint"),
            strukt("connection_info", vec![int("direction_id", Int32)]),
        ],
        Class::Authentication => vec![
            user("user"),
            session("session"),
            strukt("service", vec![utf8("name")]),
        ],
        Class::AccountChange => vec![user("user")],
        Class::EventLog => vec![utf8("log_name")],
    }
}

fn unmapped() -> Field {
    use DataType::*;
    strukt(
        "unmapped",
        vec![strukt(
            "bsm",
            vec![
                utf8("file"),
                int("offset", Int64),
                int("event", Int32),
                utf8("event_name"),
                int("modifier", Int32),
            ],
        )],
    )
}

/// The `ocsf` table across classes: the common attributes, every class's own, `unmapped`, and
/// the place columns. A row leaves the attributes of other classes null.
pub fn ocsf() -> SchemaRef {
    once!(make_ocsf())
}

fn make_ocsf() -> SchemaRef {
    use DataType::*;
    let mut f = ocsf_common();
    f.extend([
        process("process"),
        int("exit_code", Int32),
        file("file"),
        file("file_result"),
        endpoint("src_endpoint"),
        endpoint("dst_endpoint"),
        strukt("connection_info", vec![int("direction_id", Int32)]),
        user("user"),
        session("session"),
        strukt("service", vec![utf8("name")]),
        utf8("log_name"),
        unmapped(),
    ]);
    f.extend(place());
    Arc::new(Schema::new(f))
}

/// The names of the columns one class's table holds (without the place columns), in the
/// order of [`ocsf`].
pub fn ocsf_columns(c: Class) -> Vec<String> {
    let own: Vec<String> = ocsf_class(c).iter().map(|f| f.name().clone()).collect();
    let all = ocsf();
    all.fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| {
            ocsf_common().iter().any(|x| x.name() == n) || own.contains(n) || n == "unmapped"
        })
        .collect()
}

/// The schema without its place columns: what a Parquet file of the table holds.
pub fn without_place(s: &Schema) -> SchemaRef {
    Arc::new(Schema::new(
        s.fields()
            .iter()
            .filter(|f| !PLACE.contains(&f.name().as_str()))
            .cloned()
            .collect::<Vec<_>>(),
    ))
}

fn type_text(t: &DataType) -> String {
    match t {
        DataType::Utf8 => "string".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::Boolean => "bool".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(..) => "timestamp (ms, UTC)".into(),
        DataType::List(f) => format!("list<{}>", type_text(f.data_type())),
        DataType::Struct(fs) => format!(
            "struct<{}>",
            fs.iter()
                .map(|f| format!("{}: {}", f.name(), type_text(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("{other}"),
    }
}

/// The schemas as Markdown (`docs/arrow-tables.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# knox's Arrow tables\n\n\
         Generated by `knox export --tables` from `knox-arrow/src/schema.rs`, where each table's \
         schema is defined once; a test checks that this file is what the code builds. The same \
         rows come from `knox export --format parquet --schema TABLE`, from Python's \
         `knox.read(..., schema=TABLE)` and from Spark's `bsm` data source.\n\n\
         Every table ends with `host` (string: `--host`, the trail file name's host, or the \
         per-host directory) and `day` (date: the UTC day of the record). Parquet exports put \
         them in the directory names, `host=H/day=YYYY-MM-DD/` (OCSF: `class=C/host=H/day=D/`), \
         which DuckDB (`hive_partitioning = true`), Spark and Trino read back as columns.\n\n\
         ## records: one row per record\n\n| column | type | what |\n|---|---|---|\n",
    );
    let rec = records();
    for d in RECORDS_DOC {
        let f = rec.field_with_name(d.0).map(|f| type_text(f.data_type()));
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            d.0,
            f.unwrap_or_default(),
            d.1
        ));
    }
    s.push_str(
        "\n## tokens: one row per token\n\n\
         `file` and `offset` name the record (join with `records` on them), `index` is the \
         token's place in its record (0 is the header), `type` its name as `knox json` writes \
         it (`header32`, `path`, `subject32_ex`, `unknown_0x12`). Then one column per token \
         field, named as in `knox json` with nested objects joined by `_`, null where the \
         token has no such field. Bytes from the trail that are not UTF-8 (or hold a NUL) are \
         null in their column and in its `_base64` column as `knox json` writes them, so \
         nothing is lost. Numbers are unsigned, of 32 bits or, where the token holds 64, of 64. Two fields \
         take two forms: `kind` is the header's kind or an IPC object's type (as text), `host` \
         a header's address or its unknown address type (as text). Two are renamed: the IP header's \
         `offset` is `ip_offset` (`offset` is the record's) and a header's `host` is `header_host` \
         (`host` is the row's place).\n\n\
         | column | type | tokens |\n|---|---|---|\n\
         | `file` | string | |\n| `offset` | int64 | |\n| `index` | int32 | |\n| `type` | string | |\n",
    );
    let tok = tokens();
    for &f in TokenField::ALL {
        let name = token_column(f);
        let t = tok
            .field_with_name(&name)
            .map(|x| type_text(x.data_type()))
            .unwrap_or_default();
        s.push_str(&format!("| `{name}` | {t} | {} |\n", token_note(f)));
        if has_base64(f.kind()) {
            s.push_str(&format!("| `{name}_base64` | {t} | |\n"));
        }
    }
    s.push_str(
        "\n## ocsf: one row per OCSF 1.8.0 event, one table per class\n\n\
         The attributes, classes and activities are those of `knox export --format ocsf` \
         (`docs/ocsf-mapping.md`), as typed nested structs; `unmapped.bsm` names the record \
         (`file`, `offset`: join with `tokens` for every token). A Parquet export writes each \
         class under `class=<name>/` with the common attributes and its own only.\n\n\
         | class | columns |\n|---|---|\n",
    );
    for c in Class::ALL {
        s.push_str(&format!(
            "| {} (`{}`) | {} |\n",
            c.name(),
            c.schema_name(),
            ocsf_columns(c)
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s.push_str("\n| column | type |\n|---|---|\n");
    for f in ocsf().fields() {
        s.push_str(&format!(
            "| `{}` | {} |\n",
            f.name(),
            type_text(f.data_type())
        ));
    }
    s
}

/// Which tokens have a field, for the documentation.
fn token_note(f: TokenField) -> &'static str {
    use TokenField::*;
    match f {
        Kind => "header (its kind); ipc (the object type)",
        Size => "header, trailer",
        Version | Event | Modifier => "header",
        Host => "header32_ex, header64_ex",
        TimeSec | TimeMsec => "header, file",
        Magic => "trailer",
        Name => "file (the other trail file)",
        Path => "path, sockunix",
        Text => "text, arg, arg_uuid, return_uuid",
        Width => "subject, process, return, arg, attr",
        Ex | Auid | Euid | Egid | Ruid | Rgid | Pid | Sid | TidPort | TidAddr => {
            "subject, process (all widths and _ex)"
        }
        Errno => "return",
        Value => "return, arg",
        Argno => "arg, arg_uuid",
        Mode | Uid | Gid => "attr, ipc_perm",
        Fsid | Nodeid | Device => "attr",
        Count => "exec_args, exec_env, krb5_principal, cert_hash, data",
        Present | Strings => "exec_args, exec_env, krb5_principal, cert_hash",
        Status => "exit, return_uuid",
        Retval => "exit",
        Seq => "seq, ipc_perm",
        Family => "sockinet32, sockinet128, sockunix",
        Port => "sockinet32, sockinet128, iport (as written)",
        Addr => "in_addr, in_addr_ex, sockinet32, sockinet128",
        Domain => "socket_ex",
        SocketType | LocalPort | LocalAddr | RemotePort | RemoteAddr => "socket, socket_ex",
        HowToPrint | UnitType | Items => "data",
        Id => "ip, ipc, unknown tokens",
        Hex => "opaque, unknown tokens",
        VersionIhl | Tos | Len | IpOffset | Ttl | Protocol | Checksum | Src | Dst => "ip",
        Cuid | Cgid | Key => "ipc_perm",
        SetType | Privs => "privset",
        Success | Privilege => "upriv",
        Gids => "newgroups",
        Zone => "zonename",
        Words => "rights",
        Uuid => "arg_uuid, return_uuid",
        SignerType | SigningId | SigningIdTruncated | TeamId | TeamIdTruncated | Cdhash => {
            "identity"
        }
    }
}
