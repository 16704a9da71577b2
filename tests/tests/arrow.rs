//! The Arrow tables checked against `knox json` and `knox export --format ocsf`, row by row and
//! field by field, on the oracle's inputs and the corpus: every token's fields in the tokens
//! table, the records' typed columns, the OCSF events' attributes; the Parquet export's split
//! batches (a batch per token type, per OCSF class) hold exactly the rows of the tables; the
//! published schemas are what the code builds.

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use knox_arrow::{Options, Output, Table};
use knox_tests::{oracle, root};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The corpus trails and the oracle's inputs.
fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = ["sample.bsm", "macos-h32.bsm", "damaged.bsm"]
        .iter()
        .map(|f| root().join("corpus").join(f))
        .collect();
    if let Some(o) = oracle() {
        for (_, d) in
            knox_tests::oracle_dirs(&o, &["records", "trails", "malformed", "openbsm-reference"])
        {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "bsm" || x == "trail") {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

struct Keep(Vec<RecordBatch>);

impl Output for Keep {
    fn batch(&mut self, b: RecordBatch) -> std::io::Result<()> {
        self.0.push(b);
        Ok(())
    }
}

fn options(table: Table, split: bool) -> Options {
    let events =
        bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs).clone();
    let accounts = knox_read::accounts::Accounts::new(
        Some(&root().join("corpus/passwd")),
        Some(&root().join("corpus/group")),
    )
    .unwrap();
    let mut o = Options::new(table, events, accounts);
    o.split = split;
    o
}

/// A table's batches for a file, on `threads` threads.
fn batches(path: &Path, table: Table, split: bool, threads: usize) -> Vec<RecordBatch> {
    let opts = options(table, split);
    let info = knox_read::pipeline::SourceInfo {
        name: path.display().to_string().into(),
        host: Some("mac1".into()),
        streaming: false,
        piped: false,
        trail: None,
    };
    let sources = [(knox_read::source::Source::File(path.into()), info)];
    let loop_opts = knox_read::pipeline::Options::new("test", threads);
    let (_, sink) = knox_arrow::run(
        &sources,
        &opts,
        &loop_opts,
        Keep(Vec::new()),
        &mut std::io::sink(),
    )
    .unwrap();
    sink.output.0
}

/// The rows of batches as JSON objects (column name to value), nulls left out.
fn rows(batches: &[RecordBatch]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for b in batches {
        let mut buf = Vec::new();
        let mut w = arrow_json::LineDelimitedWriter::new(&mut buf);
        w.write(b).unwrap();
        w.finish().unwrap();
        for line in std::str::from_utf8(&buf).unwrap().lines() {
            let Value::Object(m) = serde_json::from_str(line).unwrap() else {
                panic!("{line}")
            };
            out.push(m);
        }
    }
    out
}

fn knox_json(path: &Path) -> Vec<Value> {
    let p = path.to_str().unwrap();
    let passwd = root().join("corpus/passwd");
    let group = root().join("corpus/group");
    let (_, out, _) = knox::cli::run_on_bytes(
        &[
            "knox",
            "json",
            "--flavor",
            "macos",
            "--passwd",
            passwd.to_str().unwrap(),
            "--group",
            group.to_str().unwrap(),
            p,
        ],
        b"",
    )
    .unwrap();
    std::str::from_utf8(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A `knox json` token as the tokens table names its columns: nested objects joined with `_`,
/// `{"base64"}` objects in `_base64` columns, the two renamed fields.
fn flat(token: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in token {
        let k = match k.as_str() {
            "type" => continue,
            "offset" => "ip_offset".to_string(),
            "host" => "header_host".to_string(),
            k => k.to_string(),
        };
        match v {
            Value::Object(o) if o.len() == 1 && o.contains_key("base64") => {
                out.insert(format!("{k}_base64"), o["base64"].clone());
            }
            Value::Object(o) => {
                for (k2, v2) in o {
                    out.insert(format!("{k}_{k2}"), v2.clone());
                }
            }
            // Lists of bytes: text items in the column, the others in its `_base64` twin.
            Value::Array(items) if items.iter().any(|i| i.is_object()) => {
                let text = items.iter().map(|i| {
                    if i.is_string() {
                        i.clone()
                    } else {
                        Value::Null
                    }
                });
                let b64 = items
                    .iter()
                    .map(|i| i.get("base64").cloned().unwrap_or(Value::Null));
                out.insert(k.clone(), Value::Array(text.collect()));
                out.insert(format!("{k}_base64"), Value::Array(b64.collect()));
            }
            // Numbers written as text in the tokens table (`kind` of an IPC object, `host` of
            // a header_ex with an unknown address type).
            Value::Number(n) if k == "kind" || k == "header_host" => {
                out.insert(k, Value::String(n.to_string()));
            }
            v => {
                out.insert(k, v.clone());
            }
        }
    }
    out
}

#[test]
fn the_tokens_table_holds_every_field_of_every_token_as_knox_json_writes_it() {
    let mut tokens = 0;
    for path in inputs() {
        let want: Vec<(u64, usize, Map<String, Value>)> = knox_json(&path)
            .iter()
            .flat_map(|r| {
                let offset = r["offset"].as_u64().unwrap();
                let list = r["tokens"].as_array().cloned().unwrap_or_default();
                list.into_iter().enumerate().map(move |(i, t)| {
                    let Value::Object(t) = t else { panic!() };
                    (offset, i, t)
                })
            })
            .collect();
        let got = rows(&batches(&path, Table::Tokens, false, 2));
        assert_eq!(got.len(), want.len(), "{}: token rows", path.display());
        for (g, (offset, index, token)) in got.iter().zip(&want) {
            let at = format!("{} @{offset} #{index}", path.display());
            assert_eq!(g["offset"], *offset, "{at}");
            assert_eq!(g["index"], *index, "{at}");
            assert_eq!(g["type"], token["type"], "{at}");
            assert_eq!(g["host"], "mac1", "{at}");
            let expected = flat(token);
            let fields: Map<String, Value> = g
                .iter()
                .filter(|(k, _)| {
                    !["file", "offset", "index", "type", "host", "day"].contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(fields, expected, "{at}: {token:?}");
            tokens += 1;
        }
    }
    assert!(tokens > 30_000, "{tokens} tokens");
}

#[test]
fn each_token_types_batches_hold_its_rows_of_the_table() {
    for path in inputs()
        .iter()
        .filter(|p| p.to_string_lossy().contains("1000"))
    {
        let wide = rows(&batches(path, Table::Tokens, false, 1));
        let split = batches(path, Table::Tokens, true, 3);
        let mut by_type: std::collections::BTreeMap<String, Vec<Map<String, Value>>> =
            Default::default();
        for b in &split {
            let ty = b.schema().metadata()[knox_arrow::schema::TOKEN_TYPE].clone();
            assert!(b.schema().column_with_name("type").is_none());
            by_type
                .entry(ty)
                .or_default()
                .extend(rows(std::slice::from_ref(b)));
        }
        for (ty, got) in &by_type {
            let want: Vec<Map<String, Value>> = wide
                .iter()
                .filter(|r| r["type"] == *ty)
                .map(|r| {
                    let mut r = r.clone();
                    r.remove("type");
                    r
                })
                .collect();
            assert_eq!(*got, want, "{} {ty}", path.display());
        }
        assert_eq!(by_type.values().map(Vec::len).sum::<usize>(), wide.len());
    }
}

#[test]
fn the_records_table_holds_the_records_knox_json_writes() {
    for path in inputs() {
        let want: Vec<Value> = knox_json(&path)
            .into_iter()
            .filter(|r| r["kind"] != "file")
            .collect();
        let got = rows(&batches(&path, Table::Records, false, 2));
        assert_eq!(got.len(), want.len(), "{}", path.display());
        for (g, w) in got.iter().zip(&want) {
            let at = format!("{} @{}", path.display(), w["offset"]);
            assert_eq!(g["offset"], w["offset"], "{at}");
            assert_eq!(g["event"], w["event"]["number"], "{at}");
            assert_eq!(
                g.get("event_name"),
                w["event"].get("name").filter(|n| !n.is_null()),
                "{at}"
            );
            assert_eq!(
                g.get("success"),
                Some(&w["success"]).filter(|s| !s.is_null()),
                "{at}"
            );
            let time = w["sec"].as_u64().unwrap() * 1000 + w["msec"].as_u64().unwrap();
            let tokens = w["tokens"].as_array().unwrap();
            let subject = tokens
                .iter()
                .find(|t| t["type"].as_str().unwrap().starts_with("subject"));
            assert_eq!(g.get("pid"), subject.map(|s| &s["pid"]), "{at}");
            assert_eq!(g.get("auid"), subject.map(|s| &s["auid"]), "{at}");
            let args = tokens.iter().find(|t| t["type"] == "exec_args");
            let argv: Option<Vec<Value>> = args.map(|a| {
                a["strings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| match s {
                        Value::String(_) => s.clone(),
                        // Bytes that are not text are replaced in the records table.
                        _ => g["argv"].as_array().unwrap()[0].clone(),
                    })
                    .collect()
            });
            if let (Some(argv), Some(Value::Array(got))) = (&argv, g.get("argv")) {
                assert_eq!(got.len(), argv.len(), "{at}");
            } else {
                assert_eq!(argv.is_some(), g.contains_key("argv"), "{at}");
            }
            let returned = tokens
                .iter()
                .find(|t| t["type"] == "return32" || t["type"] == "return64");
            match returned {
                Some(r) if r["errno"] != 0 => {
                    assert_eq!(g.get("errno"), Some(&r["errno"]), "{at}: {w}")
                }
                _ => assert!(!g.contains_key("errno") || w["success"] == false, "{at}"),
            }
            // Times as milliseconds: arrow_json writes them as text of the UTC time.
            let t = chrono::DateTime::parse_from_rfc3339(&format!(
                "{}Z",
                g["time"].as_str().unwrap().trim_end_matches("+00:00")
            ));
            if let Ok(t) = t {
                assert_eq!(t.timestamp_millis() as u64, time, "{at}");
            }
        }
    }
}

#[test]
fn the_ocsf_table_holds_the_events_knox_export_writes() {
    for path in inputs() {
        let p = path.to_str().unwrap();
        let passwd = root().join("corpus/passwd");
        let (_, out, _) = knox::cli::run_on_bytes(
            &[
                "knox",
                "export",
                "--format",
                "ocsf",
                "--flavor",
                "macos",
                "--passwd",
                passwd.to_str().unwrap(),
                "--host",
                "mac1",
                p,
            ],
            b"",
        )
        .unwrap();
        let want: Vec<Value> = std::str::from_utf8(&out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let all = batches(&path, Table::Ocsf, false, 2);
        let got = rows(&all);
        assert_eq!(got.len(), want.len(), "{p}");
        for (g, w) in got.iter().zip(&want) {
            let at = format!("{p} @{}", w["unmapped"]["bsm"]["offset"]);
            for k in [
                "class_uid",
                "activity_id",
                "type_uid",
                "status_id",
                "status_code",
                "status_detail",
                "message",
                "exit_code",
                "log_name",
            ] {
                assert_eq!(g.get(k), w.get(k), "{at}: {k}");
            }
            for k in [
                "file",
                "src_endpoint",
                "dst_endpoint",
                "user",
                "session",
                "service",
                "device",
            ] {
                assert_eq!(g.get(k), w.get(k), "{at}: {k}");
            }
            assert_eq!(
                g["unmapped"]["bsm"]["offset"], w["unmapped"]["bsm"]["offset"],
                "{at}"
            );
            for k in ["process", "actor"] {
                let (gp, wp) = (g.get(k), w.get(k));
                assert_eq!(gp.is_some(), wp.is_some(), "{at}: {k}");
                if let (Some(gp), Some(wp)) = (gp, wp) {
                    let (gp, wp) = if k == "actor" {
                        (gp.get("process"), wp.get("process"))
                    } else {
                        (Some(gp), Some(wp))
                    };
                    assert_eq!(gp, wp, "{at}: {k}");
                }
            }
        }
        // The export's batches: one class each, together the same rows.
        let split = batches(&path, Table::Ocsf, true, 3);
        let mut n = 0;
        for b in &split {
            let classes = b.column(0).as_primitive::<arrow_array::types::Int32Type>();
            let first = classes.value(0);
            assert!(classes.iter().all(|c| c == Some(first)), "{p}");
            n += b.num_rows();
        }
        assert_eq!(n, got.len(), "{p}");
    }
}

#[test]
fn the_tables_are_the_same_at_any_thread_count() {
    for path in inputs()
        .iter()
        .filter(|p| p.to_string_lossy().contains("mixed"))
    {
        for table in Table::ALL {
            let one = batches(path, table, false, 1);
            let three = batches(path, table, false, 3);
            let concat = |b: &[RecordBatch]| {
                arrow_select::concat::concat_batches(&table.schema(), b).unwrap()
            };
            assert_eq!(
                concat(&one),
                concat(&three),
                "{} {}",
                path.display(),
                table.name()
            );
        }
    }
}

#[test]
fn the_published_schemas_are_the_codes() {
    let doc = std::fs::read_to_string(root().join("docs/arrow-tables.md")).unwrap();
    assert!(
        doc == knox_arrow::schema::markdown(),
        "docs/arrow-tables.md differs from the code: run `knox export --tables > docs/arrow-tables.md`"
    );
    // Every class's own attributes are in the table across classes, with the same types.
    let all = knox_arrow::schema::ocsf();
    for c in knox_model::ocsf::Class::ALL {
        for name in knox_arrow::schema::ocsf_columns(c) {
            assert!(all.column_with_name(&name).is_some(), "{name}");
        }
    }
}

#[test]
fn bytes_that_are_not_text_go_to_base64_columns_and_nothing_is_lost() {
    // A path and exec arguments with a byte that is not UTF-8.
    use bsm_format::encode::RecordBuilder;
    use bsm_format::token::StringList;
    let mut trail = Vec::new();
    let mut args = Vec::new();
    StringList::encode_strings(0x3c, &[b"ls".as_slice(), b"caf\xe9"], &mut args);
    let path = bsm_format::encode::with_nul("/tmp/caf\u{e9}x");
    let mut raw = path.clone();
    raw[8] = 0xff;
    RecordBuilder::new(
        bsm_format::EventType::EXECVE,
        bsm_format::Time::new(1_700_000_000, 0),
    )
    .push(&bsm_format::Token::Path(bsm_format::Text(&raw)))
    .push_raw(&args)
    .finish_into(&mut trail);
    let dir = std::env::temp_dir().join(format!("knox-arrow-b64-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("t.bsm");
    std::fs::write(&f, &trail).unwrap();
    let got = rows(&batches(&f, Table::Tokens, false, 1));
    let path_row = got.iter().find(|r| r["type"] == "path").unwrap();
    assert!(!path_row.contains_key("path"));
    let decoded = base64_decode(path_row["path_base64"].as_str().unwrap());
    assert_eq!(decoded, raw[..raw.len() - 1]);
    let args_row = got.iter().find(|r| r["type"] == "exec_args").unwrap();
    assert_eq!(args_row["strings"], serde_json::json!(["ls", null]));
    assert_eq!(
        base64_decode(args_row["strings_base64"][1].as_str().unwrap()),
        b"caf\xe9"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
