//! `-j N`: every tool writes the same bytes on stdout and stderr, and exits the same, whatever
//! the number of threads and however small the batches the trail is cut into (down to one
//! record per batch, so that records of one file are decoded on different threads and
//! reassembled in order).

use knox_tests::{oracle, root};

/// (threads, batch bytes) run against the one-thread, default-batch baseline.
const CONFIGS: [(usize, usize); 5] = [(1, 7), (2, 1), (3, 64), (4, 4096), (2, 100_000)];

fn run(
    args: &[&str],
    input: &str,
    threads: usize,
    batch: Option<usize>,
) -> (i32, Vec<u8>, Vec<u8>) {
    let threads = threads.to_string();
    let batch = batch.map(|b| b.to_string());
    let mut a: Vec<&str> = vec!["knox"];
    a.extend_from_slice(args);
    a.extend(["--utc", "--flavor", "macos", "--threads", &threads]);
    if let Some(b) = &batch {
        a.extend(["--batch-bytes", b]);
    }
    a.push(input);
    knox::cli::run_on_bytes(&a, b"").expect("the command line parses")
}

fn check(tools: &[&[&str]], inputs: &[String]) {
    for input in inputs {
        for tool in tools {
            let want = run(tool, input, 1, None);
            for (threads, batch) in CONFIGS {
                let got = run(tool, input, threads, Some(batch));
                assert!(
                    got == want,
                    "{tool:?} {input}: -j {threads} with {batch}-byte batches differs\n\
                     stdout {} vs {} bytes, exit {} vs {}\nstderr:\n{}\nvs\n{}",
                    got.1.len(),
                    want.1.len(),
                    got.0,
                    want.0,
                    String::from_utf8_lossy(&got.2),
                    String::from_utf8_lossy(&want.2)
                );
            }
        }
    }
}

/// The oracle's inputs in these folders, and the corpus trails.
fn inputs(dirs: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["sample.bsm", "macos-h32.bsm", "damaged.bsm"]
        .iter()
        .map(|f| root().join("corpus").join(f).display().to_string())
        .collect();
    if let Some(o) = oracle() {
        for (_, d) in knox_tests::oracle_dirs(&o, dirs) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "bsm" || x == "trail") {
                    v.push(p.display().to_string());
                }
            }
        }
    }
    v.sort();
    v
}

#[test]
fn every_input_prints_the_same_at_any_thread_count_and_batch_size() {
    let all: &[&[&str]] = &[
        &["praudit", "-l"],
        &["praudit", "-x"],
        &["json"],
        &["stats", "--json"],
        &["commands", "--json", "--all"],
        &["ps", "--json"],
        &["export", "--format", "ocsf"],
    ];
    check(
        all,
        &inputs(&["records", "malformed", "extras", "openbsm-reference"]),
    );
}

#[test]
fn every_tool_prints_the_same_at_any_thread_count_on_whole_trails() {
    let tools: &[&[&str]] = &[
        &["praudit"],
        &["praudit", "-r", "-l"],
        &["json"],
        &["stats"],
        &["commands", "--long", "--all"],
        &["commands", "--env"],
        &["ps"],
        &["tree"],
        &["tree", "--json"],
        &["files"],
        &["files", "--by-path", "--json"],
        &["errors"],
        &["errors", "--json"],
        &["net"],
        &["net", "--json"],
        &["auditreduce", "-c", "ex,fr"],
        &["export", "--format", "ocsf"],
        &["export", "--format", "timesketch"],
    ];
    check(tools, &inputs(&["trails"]));
}
