//! `knox export`: every OCSF event of the oracle and corpus trails is valid against the compiled
//! OCSF 1.8.0 schema; events, Timesketch lines and Parquet rows (both tables, read back with the
//! parquet crate) number the records; every successful exec is a Launch with its command line;
//! the published mapping table is what the code maps.

use std::path::{Path, PathBuf};

use knox_tests::{oracle, root, shared};
use serde_json::Value;

fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut a = vec!["knox"];
    a.extend_from_slice(args);
    let (code, out, err) = knox::cli::run_on_bytes(&a, b"").unwrap();
    (code, out, String::from_utf8_lossy(&err).into_owned())
}

fn lines(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The oracle's inputs and the corpus trails.
fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = ["sample.bsm", "macos-h32.bsm", "damaged.bsm"]
        .iter()
        .map(|f| root().join("corpus").join(f))
        .collect();
    if let Some(o) = oracle() {
        let dirs = [
            "records",
            "trails",
            "malformed",
            "extras",
            "openbsm-reference",
        ];
        for (_, d) in knox_tests::oracle_dirs(&o, &dirs) {
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

/// Records (not file tokens) whose header decodes, and successful execs (a subject, a return
/// token that says success, and a program: a path or arguments), counted with the model.
fn truth(path: &Path) -> (usize, usize) {
    let data = std::fs::read(path).unwrap();
    let acts = knox_model::Acts::new(bsm_format::tables::EventTable::embedded(
        bsm_format::tables::Flavor::MacOs,
    ));
    let mut records = 0;
    let mut execs = 0;
    for r in bsm_format::records(&data).flatten() {
        if let Ok(Some(ev)) = knox_model::Event::parse(&r, &acts) {
            records += 1;
            let ok = ev.outcome() == knox_model::Outcome::Success;
            let program = ev.path().is_some() || ev.argv().is_some_and(|a| a.present > 0);
            execs += (ev.act.is_exec() && ok && ev.subject.is_some() && program) as usize;
        }
    }
    (records, execs)
}

#[test]
fn every_ocsf_event_is_valid_and_every_record_is_one() {
    let Some(shared) = shared() else { return };
    let schema = knox_tests::ocsf::Schema::load(&shared.join("ocsf/ocsf-1.8.0.json"));
    let mut classes = std::collections::BTreeSet::new();
    for input in inputs() {
        let p = input.to_str().unwrap();
        let (code, out, err) = run(&[
            "export", "--format", "ocsf", "--flavor", "macos", "-j", "2", p,
        ]);
        assert!(code <= 1, "{p}: {err}");
        let events = lines(&out);
        let (records, execs) = truth(&input);
        assert_eq!(events.len(), records, "{p}: events and records");
        let launches = events
            .iter()
            .filter(|e| {
                e["class_uid"] == 1007
                    && e["activity_id"] == 1
                    && e["status_id"] == 1
                    && e["process"]["cmd_line"].is_string()
            })
            .count();
        assert_eq!(launches, execs, "{p}: successful execs and Launch events");
        for e in &events {
            let problems = schema.validate(e);
            assert!(problems.is_empty(), "{p}: {problems:?}\n{e}");
            classes.insert(e["class_uid"].as_i64().unwrap());
            // Nothing is dropped: every token is under unmapped.
            assert!(e["unmapped"]["bsm"]["tokens"]
                .as_array()
                .is_some_and(|t| !t.is_empty()));
        }
    }
    // The trails reach every class knox maps to.
    for c in [0, 1001, 1007, 3002, 4001] {
        assert!(classes.contains(&c), "no event of class {c}");
    }
}

#[test]
fn the_validator_rejects_broken_events() {
    let Some(shared) = shared() else { return };
    let schema = knox_tests::ocsf::Schema::load(&shared.join("ocsf/ocsf-1.8.0.json"));
    let (_, out, _) = run(&[
        "export",
        "--format",
        "ocsf",
        root().join("corpus/sample.bsm").to_str().unwrap(),
    ]);
    let events = lines(&out);
    let launch = events
        .iter()
        .find(|e| e["class_uid"] == 1007 && e["activity_id"] == 1)
        .unwrap()
        .clone();
    assert!(schema.validate(&launch).is_empty());
    type Break = Box<dyn Fn(&mut Value)>;
    let broken: Vec<(&str, Break)> = vec![
        (
            "a required attribute",
            Box::new(|e| {
                e.as_object_mut().unwrap().remove("process");
            }),
        ),
        (
            "an unknown attribute",
            Box::new(|e| e["process"]["color"] = "blue".into()),
        ),
        (
            "a wrong type_uid",
            Box::new(|e| e["type_uid"] = 100702.into()),
        ),
        ("an enum value", Box::new(|e| e["activity_id"] = 42.into())),
        ("a type", Box::new(|e| e["time"] = "yesterday".into())),
        (
            "a constraint",
            Box::new(|e| {
                let u = e["actor"]["user"].as_object_mut().unwrap();
                u.remove("uid");
                u.remove("name");
            }),
        ),
        (
            "a port range",
            Box::new(|e| e["dst_endpoint"] = serde_json::json!({"name": "x", "port": 70000})),
        ),
    ];
    for (what, f) in broken {
        let mut e = launch.clone();
        f(&mut e);
        assert!(!schema.validate(&e).is_empty(), "{what} not caught");
    }
}

#[test]
fn the_published_mapping_is_the_codes() {
    let (code, out, _) = run(&["export", "--ocsf-mapping"]);
    assert_eq!(code, 0);
    let doc = std::fs::read_to_string(root().join("docs/ocsf-mapping.md")).unwrap();
    assert!(
        doc == String::from_utf8(out).unwrap(),
        "docs/ocsf-mapping.md differs from the code: run `knox export --ocsf-mapping > docs/ocsf-mapping.md`"
    );
}

#[test]
fn timesketch_lines_number_the_records() {
    for input in inputs()
        .iter()
        .filter(|p| !p.to_string_lossy().contains("/records/"))
    {
        let p = input.to_str().unwrap();
        let (_, out, _) = run(&["export", "--format", "timesketch", p]);
        let l = lines(&out);
        assert_eq!(l.len(), truth(input).0, "{p}");
        for v in l {
            for k in ["message", "datetime", "timestamp_desc"] {
                assert!(v[k].is_string(), "{p}: {k} in {v}");
            }
            assert!(v["timestamp"].is_u64());
        }
    }
}

/// Every Parquet file under `dir` (none may be left unfinished: `.part-...parquet.tmp`).
fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "an unfinished file: {name}");
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                files.push(p);
            }
        }
    }
    files
}

fn read_parquet(p: &Path) -> Vec<arrow_array::RecordBatch> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(p).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn parquet_rows(dir: &Path) -> (u64, usize) {
    let files = parquet_files(dir);
    let rows = files
        .iter()
        .flat_map(|p| read_parquet(p))
        .map(|b| b.num_rows() as u64)
        .sum();
    (rows, files.len())
}

#[test]
fn parquet_tables_hold_every_record_in_hive_partitions() {
    let dir = std::env::temp_dir().join(format!("knox-parquet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut want = 0u64;
    let mut trails = vec![
        root().join("corpus/sample.bsm"),
        root().join("corpus/damaged.bsm"),
    ];
    if let Some(o) = oracle() {
        trails.push(o.join("trails/mixed_1000_mixed.bsm"));
    }
    for t in &trails {
        want += truth(t).0 as u64;
    }
    let paths: Vec<&str> = trails.iter().map(|t| t.to_str().unwrap()).collect();
    for schema in ["records", "ocsf"] {
        let to = dir.join(schema);
        let mut args = vec![
            "export", "--format", "parquet", "--schema", schema, "--host", "mac1",
        ];
        args.extend(["--to", to.to_str().unwrap()]);
        args.extend(&paths);
        let (code, _, err) = run(&args);
        assert!(code <= 1, "{err}");
        assert!(err.contains(&format!("{want} rows")), "{err}");
        let (rows, files) = parquet_rows(&to);
        assert_eq!(rows, want, "{schema}: rows and records");
        // Partitions as Hive names them.
        let part = if schema == "records" {
            to.join("host=mac1/day=2023-11-14")
        } else {
            to.join("class=process_activity/host=mac1/day=2023-11-14")
        };
        assert!(part.is_dir(), "{}", part.display());
        // Exporting again adds files beside the first ones.
        let (code, _, _) = run(&args);
        assert!(code <= 1);
        let (rows2, files2) = parquet_rows(&to);
        assert_eq!(
            (rows2, files2),
            (2 * want, 2 * files),
            "{schema}: a second export"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every partition's rows, in order: each partition directory (relative to `dir`) with the
/// batches of its files in the order they were written (`part-<run>-<n>.parquet`).
fn parquet_contents(dir: &Path) -> Vec<(String, Vec<arrow_array::RecordBatch>)> {
    let mut parts = std::collections::BTreeMap::<String, Vec<(u64, PathBuf)>>::new();
    for p in parquet_files(dir) {
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let n: u64 = stem.rsplit('-').next().unwrap().parse().unwrap();
        let rel = p.parent().unwrap().strip_prefix(dir).unwrap();
        let rel = rel.to_string_lossy().into_owned();
        parts.entry(rel).or_default().push((n, p));
    }
    parts
        .into_iter()
        .map(|(rel, mut files)| {
            files.sort();
            (
                rel,
                files.iter().flat_map(|(_, p)| read_parquet(p)).collect(),
            )
        })
        .collect()
}

/// Parquet is encoded on the writing threads, one thread per partition: the tables hold the
/// same rows in the same order at any thread count.
#[test]
fn parquet_tables_are_the_same_at_any_thread_count() {
    let dir = std::env::temp_dir().join(format!("knox-parquet-j-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut trails = vec![
        root().join("corpus/sample.bsm"),
        root().join("corpus/damaged.bsm"),
    ];
    if let Some(o) = oracle() {
        trails.push(o.join("trails/mixed_1000_mixed.bsm"));
    }
    // A case folder with a machine per trail: a partition per host (and per class for OCSF).
    let case = dir.join("case");
    for (i, t) in trails.iter().enumerate() {
        let host = case.join(format!("mac{i}"));
        std::fs::create_dir_all(&host).unwrap();
        std::fs::copy(t, host.join("20231114221320.20231115000000")).unwrap();
    }
    let paths = [case.to_str().unwrap()];
    for schema in ["records", "ocsf"] {
        let mut tables = Vec::new();
        for j in ["1", "3"] {
            let to = dir.join(format!("{schema}-{j}"));
            let mut args = vec!["export", "--format", "parquet", "--schema", schema, "-j", j];
            args.extend(["--utc", "--to", to.to_str().unwrap()]);
            args.extend(&paths);
            let (code, _, err) = run(&args);
            assert!(code <= 1, "{err}");
            tables.push(parquet_contents(&to));
        }
        assert!(
            tables[0].len() > 1,
            "{schema}: several partitions: {:?}",
            tables[0].iter().map(|t| &t.0).collect::<Vec<_>>()
        );
        assert!(tables[0].iter().all(|(_, b)| !b.is_empty()));
        assert!(tables[0] == tables[1], "{schema}: -j 1 and -j 3 differ");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
