//! Faults knox must survive and facts it must not invent: a trail truncated while it is read
//! (several tools: an error naming the file and where it ended, exit 1, everything before it
//! printed), options that would do nothing refused, errnos BSM does not name shown with what is
//! known, and no OCSF endpoint named from nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bsm_format::encode::RecordBuilder;
use bsm_format::token::{Return, Subject, TerminalId, Width};
use bsm_format::{Address, BsmErrno, EventType, Time, Token};
use knox_tests::{knox, knox_bin, oracle, root};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("knox-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether the process has the file open (Linux: its /proc fd links).
fn has_open(pid: u32, file: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == file))
}

#[test]
fn a_trail_truncated_while_it_is_read_ends_the_run_with_an_error_not_a_signal() {
    if !Path::new("/proc/self/fd").is_dir() {
        knox_tests::skip("/proc (to see when knox has the file open)");
        return;
    }
    let dir = temp("truncate");
    // A trail large enough that it is still being read when it is cut.
    let trail = bsm_format::generate::Generator::new(5).trail(150_000);
    let path = dir.join("20231114221320.20231114225320");
    for (tool, args) in [
        ("praudit", &["praudit", "-l"][..]),
        ("json", &["json", "-j", "2"]),
        ("ps", &["ps"]),
    ] {
        std::fs::write(&path, &trail).unwrap();
        let full = std::process::Command::new(knox_bin())
            .args(args)
            .arg(&path)
            .output()
            .unwrap();
        let child = Command::new(knox_bin())
            .args(args)
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let t0 = Instant::now();
        while !has_open(pid, &path) && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Cut the file to a tenth (copytruncate rotation does it to zero) while knox reads it.
        let cut = trail.len() / 10;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut as u64)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // Killed by a signal has no code: the fault must not kill knox.
        assert_eq!(out.status.code(), Some(1), "{tool}: {:?} {err}", out.status);
        assert!(
            err.contains(&format!(
                "{}: read error: the file shrank while it was read",
                path.display()
            )),
            "{tool}: {err}"
        );
        assert!(
            err.contains(&format!("{} bytes when opened", trail.len())),
            "{tool}: {err}"
        );
        // What came before the cut is printed, as without it (a prefix of the whole output,
        // for the tools that print as they read).
        if tool != "ps" {
            assert!(!out.stdout.is_empty(), "{tool}");
            let n = out.stdout.len().min(full.stdout.len());
            let whole_lines = out.stdout[..n]
                .iter()
                .rposition(|&c| c == b'\n')
                .unwrap_or(0);
            assert_eq!(
                out.stdout[..whole_lines],
                full.stdout[..whole_lines],
                "{tool}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reading_a_file_that_shrank_is_an_error_naming_the_sizes() {
    use std::io::Read;
    let dir = temp("shrink");
    let path = dir.join("t.bsm");
    std::fs::write(&path, vec![7u8; 100_000]).unwrap();
    let mut r = knox_read::source::Source::File(path.clone())
        .open()
        .unwrap()
        .reader;
    let mut buf = vec![0u8; 10_000];
    r.read_exact(&mut buf).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(5_000)
        .unwrap();
    let mut rest = Vec::new();
    let e = r.read_to_end(&mut rest).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(
        e.to_string()
            .contains("the file shrank while it was read: 100000 bytes when opened, 5000 now"),
        "{e}"
    );
    // A file read to its end as it was opened ends quietly.
    std::fs::write(&path, vec![7u8; 1000]).unwrap();
    let mut r = knox_read::source::Source::File(path.clone())
        .open()
        .unwrap()
        .reader;
    let mut all = Vec::new();
    assert_eq!(r.read_to_end(&mut all).unwrap(), 1000);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn options_that_would_do_nothing_are_refused() {
    let dir = temp("options");
    let sample = root().join("corpus/sample.bsm");
    let s = sample.to_str().unwrap();
    let to = dir.join("lake");
    let t = to.to_str().unwrap();
    for (args, says) in [
        (
            vec!["export", "--format", "ocsf", "--to", t, s],
            "--to goes with --format parquet",
        ),
        (
            vec!["export", "--format", "timesketch", "--to", t, s],
            "--to goes with --format parquet",
        ),
        (
            vec!["export", "--format", "ocsf", "--schema", "tokens", s],
            "--schema goes with --format parquet",
        ),
        (
            vec!["export", "--format", "parquet", "--to", t, "--json-zone", s],
            "--json-zone",
        ),
        (
            vec!["praudit", "--json-zone", s],
            "--json-zone changes the times of JSON output",
        ),
        (vec!["ps", "--json-zone", s], "it goes with --json"),
        (vec!["commands", "--json-zone", s], "it goes with --json"),
        (vec!["stats", "--json-zone", s], "it goes with --json"),
        (vec!["verify", "--json-zone", s], "it goes with --json"),
        (
            vec!["export", "--ocsf-mapping", "--format", "ocsf"],
            "cannot be used with",
        ),
        (vec!["export", "--tables", "--to", t], "cannot be used with"),
    ] {
        let (code, out, err) = knox(&args, None);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!to.exists(), "{args:?} wrote {}", to.display());
    }
    // With the option they go with, they work.
    let (code, _, err) = knox(
        &[
            "export", "--format", "parquet", "--schema", "tokens", "--to", t, s,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(to.join("type=path").is_dir());
    let (code, out, _) = knox(&["ps", "--json", "--json-zone", s], None);
    assert_eq!(code, 0);
    assert!(!out.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn subject(pid: u32) -> Token<'static> {
    Token::Subject(Subject {
        width: Width::W32,
        ex: false,
        auid: 501,
        euid: 501,
        egid: 20,
        ruid: 501,
        rgid: 20,
        pid,
        sid: 100,
        tid: TerminalId {
            port: 0,
            addr: Address::V4([0; 4]),
        },
    })
}

#[test]
fn an_errno_bsm_does_not_name_is_shown_with_its_number_text_and_return_value() {
    // Apple's userland authentication failure: errno 255, return value 5000.
    let mut trail = Vec::new();
    let mut b = RecordBuilder::new(EventType(45023), Time::new(1_700_000_000, 0));
    b.push(&subject(4242));
    b.push(&Token::Return(Return {
        width: Width::W32,
        errno: BsmErrno(255),
        value: 5000,
    }));
    b.finish_into(&mut trail);
    let dir = temp("errno");
    let f = dir.join("t.bsm");
    std::fs::write(&f, &trail).unwrap();
    let p = f.to_str().unwrap();
    let (_, out, _) = knox(&["errors", "--utc", "--flavor", "macos", p], None);
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains(" ? "), "{text}");
    assert!(text.contains(" 255 "), "{text}");
    assert!(
        text.contains("errno 255 (Unknown error: 255), returned 5000"),
        "{text}"
    );
    let (_, out, _) = knox(&["errors", "--json", "--flavor", "macos", p], None);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["errno"], 255);
    assert_eq!(v["errno_name"], serde_json::Value::Null);
    assert_eq!(v["errno_text"], "Unknown error: 255");
    assert_eq!(v["return_value"], 5000);
    let (_, out, _) = knox(&["json", "--flavor", "macos", p], None);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["failure"],
        serde_json::json!({"errno": 255, "name": null, "text": "Unknown error: 255", "return_value": 5000})
    );
    let (_, out, _) = knox(
        &["export", "--format", "ocsf", "--flavor", "macos", p],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["status_code"], "255");
    assert_eq!(v["status_detail"], "Unknown error: 255, returned 5000");
    // praudit's text for the same record, as the others quote it.
    let (_, out, _) = knox(&["praudit", "--flavor", "macos", "-l", p], None);
    assert!(String::from_utf8_lossy(&out).contains("failure: Unknown error: 255,5000"));
    // A named errno keeps its name.
    let mut trail = Vec::new();
    let mut b = RecordBuilder::new(EventType::OPEN_R, Time::new(1_700_000_000, 0));
    b.push(&subject(4242));
    b.push(&Token::Return(Return {
        width: Width::W32,
        errno: BsmErrno(2),
        value: u32::MAX as u64,
    }));
    b.finish_into(&mut trail);
    std::fs::write(&f, &trail).unwrap();
    let (_, out, _) = knox(&["json", p], None);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["failure"],
        serde_json::json!({"errno": 2, "name": "ENOENT", "text": "No such file or directory", "return_value": -1})
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every address an OCSF event names, and what the record says of addresses (its tokens'
/// addresses and UNIX socket paths, the header's host address) plus the host knox attributed.
fn endpoints_are_the_records(event: &serde_json::Value, host: Option<&str>) -> Result<(), String> {
    let tokens = event["unmapped"]["bsm"]["tokens"].as_array().unwrap();
    let mut said: Vec<String> = Vec::new();
    for t in tokens {
        for k in [
            "addr",
            "path",
            "host",
            "local_addr",
            "remote_addr",
            "src",
            "dst",
        ] {
            if let Some(s) = t[k].as_str() {
                said.push(s.to_string());
            }
        }
    }
    said.extend(host.map(str::to_string));
    for e in ["src_endpoint", "dst_endpoint"] {
        let Some(obj) = event[e].as_object() else {
            continue;
        };
        for k in ["name", "ip", "hostname"] {
            if let Some(v) = obj.get(k).and_then(|v| v.as_str()) {
                if !said.iter().any(|s| s == v) {
                    return Err(format!("{e}.{k} = {v:?} is not in the record: {said:?}"));
                }
            }
        }
    }
    match event["device"]["name"].as_str() {
        Some(n) if host.is_none_or(|h| h == n) || n == "unknown" => Ok(()),
        n => Err(format!("device.name {n:?} with host {host:?}")),
    }
}

#[test]
fn no_ocsf_endpoint_is_named_from_nothing() {
    let mut inputs: Vec<PathBuf> = ["sample.bsm", "macos-h32.bsm", "damaged.bsm"]
        .iter()
        .map(|f| root().join("corpus").join(f))
        .collect();
    if let Some(o) = oracle() {
        inputs.extend(
            ["trails/mixed_1000_h32.bsm", "trails/mixed_1000_mixed.bsm"].map(|t| o.join(t)),
        );
    }
    let mut network = 0;
    for input in inputs {
        let p = input.to_str().unwrap();
        for host in [None, Some("mac1")] {
            let mut args = vec!["export", "--format", "ocsf", p];
            if let Some(h) = host {
                args.extend(["--host", h]);
            }
            let (_, out, _) = knox(&args, None);
            for line in out.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                let e: serde_json::Value = serde_json::from_slice(line).unwrap();
                if let Err(why) = endpoints_are_the_records(&e, host) {
                    panic!("{p}: {why}\n{e}");
                }
                if e["class_uid"] == 4001 {
                    network += 1;
                    assert!(
                        e.get("src_endpoint").is_some() || e.get("dst_endpoint").is_some(),
                        "{p}: a network event without an endpoint"
                    );
                }
            }
        }
    }
    assert!(network > 100, "{network} network events");
}
