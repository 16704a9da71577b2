//! `knox praudit` end to end: flags as praudit's, time zones, names from the source machine's
//! files, the `praudit` name, exit codes, and bad input reported with offsets.

use knox_tests::{knox, knox_bin, knox_with, oracle};

fn oracle_args(o: &std::path::Path) -> Vec<String> {
    let env = o.join("env");
    vec![
        "--events".into(),
        env.join("audit_event").display().to_string(),
        "--passwd".into(),
        env.join("passwd").display().to_string(),
        "--group".into(),
        env.join("group").display().to_string(),
    ]
}

#[test]
fn named_output_with_the_source_machines_files_matches_praudit() {
    let Some(o) = oracle() else { return };
    let input = o.join("records/0x3c_exec_args_and_env_record.bsm");
    let mut args = vec!["praudit".to_string(), "--utc".into()];
    args.extend(oracle_args(&o));
    args.push(input.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = knox(&args, None);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        std::fs::read(o.join("records/0x3c_exec_args_and_env_record.praudit.txt")).unwrap()
    );
}

#[test]
fn times_follow_tz_and_utc_overrides_it() {
    let Some(o) = oracle() else { return };
    let input = o
        .join("records/0x14_header32_basic.bsm")
        .display()
        .to_string();
    let events = o.join("env/audit_event").display().to_string();
    for zone in [
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "UTC",
    ] {
        let want =
            std::fs::read(o.join(format!("extras/tz_{}.praudit.txt", zone.replace('/', "_"))))
                .unwrap();
        let (code, out, _) = knox_with(
            &knox_bin(),
            &["praudit", "--events", &events, &input],
            None,
            &[("TZ", zone)],
        );
        assert_eq!(code, 0);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want),
            "TZ={zone}"
        );
        let (_, out, _) = knox_with(
            &knox_bin(),
            &["praudit", "--utc", "--events", &events, &input],
            None,
            &[("TZ", zone)],
        );
        assert_eq!(
            out,
            std::fs::read(o.join("extras/tz_UTC.praudit.txt")).unwrap(),
            "--utc with TZ={zone}"
        );
    }
}

#[test]
fn runs_as_praudit_through_a_link() {
    let Some(o) = oracle() else { return };
    let dir = std::env::temp_dir().join(format!("knox-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("praudit");
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    std::os::unix::fs::symlink(knox_bin(), &link).unwrap();
    let input = o
        .join("records/0x27_return32_enoent.bsm")
        .display()
        .to_string();
    let (code, out, _) = knox_with(&link, &["-lrn", &input], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read(o.join("records/0x27_return32_enoent.praudit-lr.txt")).unwrap()
    );
    let (code, _, err) = knox_with(&link, &["-r", "-s", &input], None, &[]);
    assert_eq!(code, 2, "-r and -s together are a usage error: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdin_several_files_and_exit_codes() {
    let Some(o) = oracle() else { return };
    let a = o.join("records/0x14_header32_basic.bsm");
    let b = o.join("records/0x2f_seq_1.bsm");
    let events = o.join("env/audit_event").display().to_string();
    let (code, out, _) = knox(
        &[
            "praudit",
            "-x",
            "--utc",
            "--events",
            &events,
            &a.display().to_string(),
            &b.display().to_string(),
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read(o.join("extras/two_files.praudit-x.txt")).unwrap()
    );
    // From stdin, knox closes the XML document (praudit does not).
    let (code, out, _) = knox(
        &["praudit", "-x", "--utc", "--events", &events],
        Some(&std::fs::read(&a).unwrap()),
    );
    assert_eq!(code, 0);
    let mut want = std::fs::read(o.join("extras/stdin.praudit-x.txt")).unwrap();
    want.extend_from_slice(b"</audit>\n");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want)
    );
    // Unreadable file: reported, exit 2 (praudit exits 0).
    let (code, _, err) = knox(&["praudit", "/nonexistent.bsm"], None);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent.bsm"), "{err}");
}

#[test]
fn bad_input_is_reported_with_offsets_and_the_next_records_are_printed() {
    let Some(o) = oracle() else { return };
    let m = |n: &str| {
        o.join("malformed")
            .join(format!("{n}.bsm"))
            .display()
            .to_string()
    };
    let (code, out, err) = knox(
        &["praudit", "-ln", "--utc", &m("garbage_between_records")],
        None,
    );
    assert_eq!(code, 1);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("path,/before-garbage,") && text.contains("path,/after-garbage,"),
        "{text}"
    );
    assert_eq!(
        err,
        format!(
            "knox praudit: {}: garbage: byte 0x42 cannot start a record (4 bytes skipped) at offset 50\n",
            m("garbage_between_records")
        )
    );
    let (code, out, err) = knox(&["praudit", "-x", "--utc", &m("leading_garbage")], None);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&out).contains("<path>/after-leading-garbage</path>"));
    assert!(err.contains("at offset 0"), "{err}");
    roxmltree::Document::parse(std::str::from_utf8(&out).unwrap()).unwrap();
    let (code, out, err) = knox(
        &["praudit", "-x", "--utc", &m("token_overruns_record")],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("truncated text: need 500 bytes, have 19 at offset 21"),
        "{err}"
    );
    roxmltree::Document::parse(std::str::from_utf8(&out).unwrap()).unwrap();
}

#[test]
fn sync_mode_never_loops() {
    let Some(o) = oracle() else { return };
    // praudit -p loops forever on a trail with no 0x14 byte; knox reports it and stops.
    let input = o
        .join("malformed/header64_only_for_p.bsm")
        .display()
        .to_string();
    let (code, out, err) = knox(&["praudit", "-p", &input], None);
    assert_eq!((code, out.len()), (1, 0));
    assert!(
        err.contains("no header32 record to sync to (43 bytes skipped)"),
        "{err}"
    );
    // Input that starts mid-record (as from tail -f) is synced to the first header32 record.
    let data = std::fs::read(o.join("trails/mixed_1000_h32.bsm")).unwrap();
    let (code, out, _) = knox(&["praudit", "-p", "-n", "--utc"], Some(&data[100..]));
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("header,"), "{}", &text[..80]);
}
