//! Helpers shared by knox's integration tests: locating the praudit oracle and reading its files.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The oracle folder: `$KNOX_ORACLE`, else the project's own copy in `tests/oracle/`. A
/// missing oracle fails the test, unless `KNOX_ORACLE=skip` asks to skip what needs it: then
/// `None`, and the skip is recorded for the run's summary ([`skip`]).
pub fn oracle() -> Option<PathBuf> {
    let var = std::env::var_os("KNOX_ORACLE");
    if var.as_deref().is_some_and(|v| v == "skip") {
        skip("the praudit oracle (KNOX_ORACLE=skip)");
        return None;
    }
    let dir = var
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/oracle"));
    if dir.join("README.md").exists() {
        return Some(dir);
    }
    panic!(
        "the praudit oracle is missing at {}: put it there, point KNOX_ORACLE at it, or set \
         KNOX_ORACLE=skip to skip the tests that need it",
        dir.display()
    );
}

/// Where skipped checks are recorded: one line each, read by `.ci/run` for its summary.
pub fn skipped_log() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("knox-skipped.txt")
}

/// Records that a check was skipped (the test passes without it), with what it needed.
pub fn skip(what: &str) {
    use std::io::Write;
    let line = format!("{}: skipped without {what}", test_name());
    eprintln!("{line}");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skipped_log())
    {
        let _ = writeln!(f, "{line}");
    }
}

/// The running test, as the harness names its thread.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// The team's shared folder beside the repository (`../shared`: the OCSF schema, the Sigma
/// rules, OpenBSM's own test files, the reference tools), which stays outside the repository.
/// Without it a test that needs it is skipped and the skip recorded, except in CI (`CI` set),
/// where it must be there.
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("KNOX_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if dir.join("ocsf").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "the shared folder is missing at {} (CI is set): put it there or point KNOX_SHARED at it",
            dir.display()
        );
    }
    skip(&format!("the shared folder at {}", dir.display()));
    None
}

/// OpenBSM's own golden files (`openbsm-reference/`): in the oracle `KNOX_ORACLE` names when it
/// has them, else in the shared folder's oracle. They are OpenBSM's test files, so they stay
/// outside the repository; without them the tests that read them are skipped (recorded).
pub fn openbsm_reference() -> Option<PathBuf> {
    if let Some(o) = std::env::var_os("KNOX_ORACLE").filter(|v| v != "skip") {
        let d = PathBuf::from(o).join("openbsm-reference");
        if d.is_dir() {
            return Some(d);
        }
    }
    shared()
        .map(|s| s.join("oracle/openbsm-reference"))
        .filter(|d| d.is_dir())
}

/// The oracle's sub-folders `dirs` (`records`, `trails`, ..., `openbsm-reference`), found where
/// each is: `openbsm-reference` by [`openbsm_reference`], the others in `oracle`.
pub fn oracle_dirs(oracle: &Path, dirs: &[&str]) -> Vec<(String, PathBuf)> {
    dirs.iter()
        .filter_map(|&d| match d {
            "openbsm-reference" => openbsm_reference().map(|p| (d.to_string(), p)),
            _ => Some((d.to_string(), oracle.join(d))),
        })
        .collect()
}

/// Every BSM input of the oracle in the given sub-folders that has a praudit output with `suffix`
/// (e.g. `-r`), as (name, input path, output path), sorted by name.
pub fn inputs_with_output(
    oracle: &Path,
    dirs: &[&str],
    suffix: &str,
) -> Vec<(String, PathBuf, PathBuf)> {
    let mut v = Vec::new();
    for (d, path) in oracle_dirs(oracle, dirs) {
        let Ok(rd) = std::fs::read_dir(&path) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt")
                || name.ends_with(".stderr")
                || name.ends_with(".tsv")
                || name.ends_with(".tok")
            {
                continue;
            }
            let stem = name.strip_suffix(".bsm").unwrap_or(&name).to_string();
            let out = path.join(format!("{stem}.praudit{suffix}.txt"));
            if out.exists() {
                v.push((format!("{d}/{stem}"), p, out));
            }
        }
    }
    v.sort();
    v
}

/// Token ids per record from praudit's `-r` output (one token per line, each starting with its
/// decimal id; header32_ex prints `21version=...`). Lines that do not start that way continue
/// the previous token (text with embedded newlines).
pub fn ids_from_praudit_r(text: &[u8]) -> Vec<Vec<u8>> {
    let mut records: Vec<Vec<u8>> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            continue;
        }
        let rest = &line[digits..];
        if !(rest.is_empty() || rest.starts_with(b",") || rest.starts_with(b"version=")) {
            continue;
        }
        let Ok(id) = std::str::from_utf8(&line[..digits]).unwrap().parse::<u16>() else {
            continue;
        };
        let Ok(id) = u8::try_from(id) else { continue };
        // A file token starts a unit only between records (after a trailer or another file token).
        let between = records
            .last()
            .is_none_or(|r| matches!(r.last(), Some(0x13 | 0x11)));
        if matches!(id, 0x14 | 0x15 | 0x74 | 0x79) || (id == 0x11 && between) || records.is_empty()
        {
            records.push(Vec::new());
        }
        records.last_mut().unwrap().push(id);
    }
    records
}

/// What decoding a trail gave, in a form that tests compare: each unit with its offset, token
/// ids and the first error inside it, and each framing error with its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Record {
        offset: u64,
        ids: Vec<u8>,
        error: Option<String>,
    },
    Error(String),
}

fn unit_of(rec: bsm_format::Record<'_>) -> Unit {
    let mut ids = Vec::new();
    let mut error = None;
    for t in rec.tokens() {
        match t {
            Ok(t) => ids.push(t.id().0),
            Err(e) => error = Some(e.to_string()),
        }
    }
    Unit::Record {
        offset: rec.offset(),
        ids,
        error,
    }
}

/// Decodes a whole trail through the slice iterator.
pub fn decode_slice(data: &[u8]) -> Vec<Unit> {
    bsm_format::records(data)
        .map(|r| match r {
            Ok(r) => unit_of(r),
            Err(e) => Unit::Error(e.to_string()),
        })
        .collect()
}

/// A reader that returns at most `n` bytes per read, whatever it is asked for.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub n: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

/// Decodes a whole trail through the streaming reader with reads of at most `chunk` bytes.
pub fn decode_reader(data: &[u8], chunk: usize) -> Vec<Unit> {
    let mut r = bsm_format::RecordReader::with_options(
        Trickle { data, n: chunk },
        chunk,
        bsm_format::FrameOptions::default(),
    );
    let mut v = Vec::new();
    while let Some(x) = r.next_record() {
        v.push(match x {
            Ok(rec) => unit_of(rec),
            Err(e) => Unit::Error(e.to_string()),
        });
    }
    v
}

/// Decodes a whole trail through batches of about `size` bytes read `size` bytes at a time (the
/// path of the parallel record loop), checking that each record's shared bytes are its own.
pub fn decode_batches(data: &[u8], size: usize) -> Vec<Unit> {
    let mut b = bsm_format::Batches::with_options(
        Trickle { data, n: size },
        size,
        bsm_format::FrameOptions::default(),
    );
    let mut v = Vec::new();
    while let Some(batch) = b.next_batch() {
        for x in batch.iter() {
            v.push(match x {
                Ok(rec) => {
                    assert_eq!(
                        batch.shared(&rec).as_deref(),
                        Some(rec.bytes()),
                        "shared bytes of the record at {}",
                        rec.offset()
                    );
                    unit_of(rec)
                }
                Err(e) => Unit::Error(e.to_string()),
            });
        }
    }
    v
}

/// Decodes a whole trail held in memory through batches of about `size` bytes (the path of
/// mapped files).
pub fn decode_memory_batches(data: &[u8], size: usize) -> Vec<Unit> {
    let mut b = bsm_format::MemoryBatches::new(
        bytes::Bytes::copy_from_slice(data),
        size,
        bsm_format::FrameOptions::default(),
    );
    let mut v = Vec::new();
    while let Some(batch) = b.next_batch() {
        for x in batch.iter() {
            v.push(match x {
                Ok(rec) => {
                    assert_eq!(batch.shared(&rec).as_deref(), Some(rec.bytes()));
                    unit_of(rec)
                }
                Err(e) => Unit::Error(e.to_string()),
            });
        }
    }
    v
}

/// The buffer sizes every streaming test runs at.
pub const CHUNKS: [usize; 5] = [1, 7, 64, 4096, 65536];

pub mod fuzz;

/// The `knox` binary, built on first use if `cargo test` did not build it already.
pub fn knox_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let profile_dir = std::env::current_exe()
                .ok()
                .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| root().join("target/debug"));
            let bin = profile_dir.join("knox");
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "knox-cli", "--bin", "knox"])
                .current_dir(root())
                .status()
                .expect("cargo build");
            assert!(status.success(), "building knox failed");
            assert!(bin.exists(), "{} missing", bin.display());
            bin
        })
        .clone()
}

/// Runs knox with arguments and optional stdin; returns (exit code, stdout, stderr).
pub fn knox(args: &[&str], stdin: Option<&[u8]>) -> (i32, Vec<u8>, String) {
    knox_with(&knox_bin(), args, stdin, &[])
}

/// Runs a knox binary (or a link to it) with arguments, stdin and extra environment.
pub fn knox_with(
    bin: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> (i32, Vec<u8>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run knox");
    if let Some(input) = stdin {
        let mut w = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&input);
        });
    }
    let out = child.wait_with_output().expect("wait for knox");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
pub mod ocsf;
pub mod praudit;
pub mod witness;

/// The subject token of a test process: pid `pid`, user 501, group 20, session 1.
pub fn subject(pid: u32) -> bsm_format::Token<'static> {
    use bsm_format::token::{Subject, TerminalId, Width};
    bsm_format::Token::Subject(Subject {
        width: Width::W32,
        ex: false,
        auid: 501,
        euid: 501,
        egid: 20,
        ruid: 501,
        rgid: 20,
        pid,
        sid: 1,
        tid: TerminalId {
            port: 0,
            addr: bsm_format::Address::V4([0; 4]),
        },
    })
}

/// Ends a test record as a process's record ends: its subject (see [`subject`]) and a return
/// token with `errno` (0: success).
pub fn finish_record(mut b: bsm_format::encode::RecordBuilder, pid: u32, errno: u8) -> Vec<u8> {
    b.push(&subject(pid));
    b.push(&bsm_format::Token::Return(bsm_format::token::Return {
        width: bsm_format::token::Width::W32,
        errno: bsm_format::BsmErrno(errno),
        value: if errno == 0 { 0 } else { u32::MAX as u64 },
    }));
    b.finish()
}

/// Starts knox with these arguments; its stdout arrives line by line on the receiver (for
/// `--follow` tests, which kill the child when done).
pub fn knox_lines(args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    spawn_lines(args, std::process::Stdio::inherit())
}

/// [`knox_lines`] with a pipe on stdin, for feeding records over time (`knox auditpipe ex |
/// knox praudit`); the pipe is in the child's `stdin`.
pub fn knox_fed(args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    spawn_lines(args, std::process::Stdio::piped())
}

fn spawn_lines(
    args: &[&str],
    stdin: std::process::Stdio,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(knox_bin())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run knox");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn rec(offset: u64, ids: &[u8], error: Option<&str>) -> Unit {
    Unit::Record {
        offset,
        ids: ids.to_vec(),
        error: error.map(str::to_string),
    }
}

fn err(e: &str) -> Unit {
    Unit::Error(e.to_string())
}

impl Unit {
    /// The problem the unit reports, if any.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Unit::Record { error, .. } => error.as_deref(),
            Unit::Error(e) => Some(e),
        }
    }
}

/// The oracle's malformed inputs and what each decodes to: records (offset, token ids, the
/// problem that ended one) and stretches that could not be framed, in input order.
pub fn malformed_cases() -> Vec<(&'static str, Vec<Unit>)> {
    let ok = [0x14, 0x23, 0x27, 0x13];
    vec![
        ("empty_file", vec![]),
        (
            "file_tokens_around_record",
            vec![
                rec(0, &[0x11], None),
                rec(52, &ok, None),
                rec(98, &[0x11], None),
            ],
        ),
        (
            "garbage_between_records",
            vec![
                rec(0, &ok, None),
                err("garbage: byte 0x42 cannot start a record (4 bytes skipped) at offset 50"),
                rec(54, &ok, None),
            ],
        ),
        (
            "header64_only_for_p",
            vec![rec(0, &[0x74, 0x72, 0x13], None)],
        ),
        (
            "leading_garbage",
            vec![
                err("garbage: byte 0x00 cannot start a record (3 bytes skipped) at offset 0"),
                rec(3, &ok, None),
            ],
        ),
        (
            "record_without_trailer",
            vec![
                rec(0, &[0x14, 0x23], Some("record has no trailer at offset 33")),
                rec(33, &ok, None),
            ],
        ),
        (
            "recsize_too_small",
            vec![err(
                "record byte count 3 is smaller than its header (18) at offset 0",
            )],
        ),
        (
            "token_overruns_record",
            vec![
                rec(
                    0,
                    &[0x14],
                    Some("truncated text: need 500 bytes, have 19 at offset 21"),
                ),
                rec(40, &ok, None),
            ],
        ),
        (
            "trailer_bad_magic_and_count",
            vec![rec(
                0,
                &[0x14, 0x27, 0x13],
                Some("bad trailer magic 0xdead (expected 0xb105) at offset 25"),
            )],
        ),
        (
            "truncated_last_record",
            vec![
                rec(0, &ok, None),
                err(
                    "truncated record: byte count 52, only 42 bytes left in the input at offset 41",
                ),
            ],
        ),
        (
            "zero_padding_inside_record",
            vec![
                rec(
                    0,
                    &[0x14, 0x23],
                    Some("invalid token id 0x00 (zero padding?) at offset 29"),
                ),
                rec(41, &ok, None),
            ],
        ),
    ]
}

/// Stderr without the note that names came from this machine's accounts (runs without
/// `--passwd` on a machine where the trail's ids have names).
pub fn without_names_note(err: &str) -> String {
    err.lines()
        .filter(|l| !l.contains("names are this machine's"))
        .map(|l| format!("{l}\n"))
        .collect()
}
