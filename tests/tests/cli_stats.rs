//! `knox stats` end to end: counts, JSON shape, directories, stdin and exit codes.

use knox_tests::{knox, root};

#[test]
fn stats_json_counts_the_sample_trail() {
    let (code, out, _) = knox(&["stats", "--json", "corpus/sample.bsm"], None);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["records"], 2000);
    assert_eq!(v["file_tokens"], 2);
    assert_eq!(v["tokens"]["trailer"], 2000);
    assert_eq!(v["tokens"]["file"], 2);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    let headers = v["headers"].as_object().unwrap();
    assert_eq!(
        headers.values().map(|n| n.as_u64().unwrap()).sum::<u64>(),
        2000
    );
    // Events are named from the table and add up to the records.
    let events = v["events"].as_array().unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e["count"].as_u64().unwrap())
            .sum::<u64>(),
        2000
    );
    assert!(events
        .iter()
        .any(|e| e["number"] == 23 && e["name"] == "AUE_EXECVE"));
}

#[test]
fn stats_reports_damage_with_offsets_and_exits_1() {
    let (code, out, err) = knox(&["stats", "--json", "corpus/damaged.bsm"], None);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["records"], 299);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    // The garbage sits right after the 100th record (see tests/corpus.rs).
    let data = std::fs::read(root().join("corpus/damaged.bsm")).unwrap();
    let after_100th = bsm_format::records(&data)
        .filter_map(Result::ok)
        .filter(|r| r.kind() != bsm_format::RecordKind::File)
        .nth(100)
        .map(|r| r.offset() + r.len() as u64)
        .unwrap();
    assert_eq!(errors[0]["offset"], after_100th);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("37 bytes skipped"));
    assert!(err.contains("corpus/damaged.bsm: garbage"), "{err}");
}

#[test]
fn stats_reads_stdin_and_trail_directories() {
    let data = std::fs::read(root().join("corpus/macos-h32.bsm")).unwrap();
    let (code, out, _) = knox(&["stats", "--json", "-"], Some(&data));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["records"], 500);

    let dir = std::env::temp_dir().join(format!("knox-stats-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("20231114221320.20231114221420"), &data).unwrap();
    std::fs::write(
        dir.join("20231114221420.not_terminated"),
        &data[..data.len() / 2],
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"not a trail").unwrap();
    let (code, out, _) = knox(&["stats", "--json", dir.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
    // The second file is cut mid-record: reported, exit 1.
    assert_eq!(code, 1);
    assert!(v["records"].as_u64().unwrap() > 500);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_files_and_bad_usage_exit_2() {
    let (code, out, err) = knox(&["stats", "/nonexistent/trail"], None);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/trail"), "{err}");
    // Nothing was read, so there is no summary of nothing on stdout; the same for verify.
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    for json in [false, true] {
        let mut args = vec!["verify", "/nonexistent/trail"];
        args.extend(json.then_some("--json"));
        let (code, out, _) = knox(&args, None);
        assert_eq!(code, 2);
        assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    }
    // One input read and one not: the summary of the one read, and exit 2.
    let (code, out, _) = knox(
        &["stats", "--json", "corpus/sample.bsm", "/nonexistent/trail"],
        None,
    );
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["records"], 2000);
    let (code, _, _) = knox(&["stats", "--no-such-flag"], None);
    assert_eq!(code, 2);
}

#[test]
fn text_output_names_the_counts() {
    let (code, out, _) = knox(&["stats", "corpus/sample.bsm"], None);
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    // The header kinds, counted here with the decoder.
    let data = std::fs::read(root().join("corpus/sample.bsm")).unwrap();
    let count = |k| {
        bsm_format::records(&data)
            .filter_map(Result::ok)
            .filter(|r| r.kind() == bsm_format::RecordKind::Header(k))
            .count()
    };
    use bsm_format::token::HeaderKind::*;
    let line = format!(
        "records:     2000 (header32 {}, header32_ex {}, header64 {})",
        count(Header32),
        count(Header32Ex),
        count(Header64)
    );
    assert!(text.contains(&line), "want {line}\n{text}");
    assert!(text.contains("errors:      0"));
}
