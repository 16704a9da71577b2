//! `knox commands` and `knox json` against the oracle and the generator's truth.

use std::path::Path;

use bsm_format::encode::{with_nul, RecordBuilder};
use bsm_format::generate::{events, Generator, HeaderMix};
use bsm_format::token::StringList;
use bsm_format::{records, EventType, Text, Time, Token};
use knox_tests::{finish_record, knox, oracle, root};

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

fn argv_of(v: &serde_json::Value) -> Vec<String> {
    v["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The argv of every successful exec in praudit's `-l -d '::'` text of a trail, in order.
fn praudit_execs(text: &str) -> Vec<Vec<String>> {
    const LABELS: [&str; 9] = [
        "exec env",
        "path",
        "attribute",
        "subject",
        "subject_ex",
        "return",
        "trailer",
        "argument",
        "text",
    ];
    let mut v = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split("::").collect();
        if f[0] != "header" && f[0] != "header_ex" {
            continue;
        }
        let event = f[3];
        if !matches!(event, "execve(2)" | "posix_spawn(2)" | "mac_execve(2)") {
            continue;
        }
        let Some(ret) = f.iter().position(|&x| x == "return") else {
            continue;
        };
        if f[ret + 1] != "success" {
            continue;
        }
        let Some(start) = f.iter().position(|&x| x == "exec arg") else {
            continue;
        };
        let args: Vec<String> = f[start + 1..]
            .iter()
            .take_while(|x| !LABELS.contains(x))
            .map(|s| s.to_string())
            .collect();
        v.push(args);
    }
    v
}

#[test]
fn commands_json_gives_the_argv_of_every_successful_exec_praudit_shows() {
    let Some(o) = oracle() else { return };
    let mut total = 0;
    for name in ["mixed_1000_h32", "mixed_1000_h64", "mixed_1000_mixed"] {
        let trail = o.join(format!("trails/{name}.bsm"));
        let (code, out, err) = knox(&["commands", "--json", trail.to_str().unwrap()], None);
        let err = knox_tests::without_names_note(&err);
        assert_eq!((code, err.as_str()), (0, ""), "{name}");
        let knox_argv: Vec<Vec<String>> = json_lines(&out)
            .iter()
            .map(|v| argv_of(v).into_iter().take(128).collect())
            .collect();
        let text = std::fs::read_to_string(o.join(format!("trails/{name}.praudit-l-d_colons.txt")))
            .unwrap();
        let want = praudit_execs(&text);
        assert!(!want.is_empty());
        assert_eq!(knox_argv, want, "{name}");
        total += want.len();
    }
    assert!(total > 100);
}

#[test]
fn commands_match_the_generators_truth() {
    let mut g = Generator::new(11).headers(HeaderMix::Mixed).record_truth();
    let trail = g.trail(3000);
    let dir = std::env::temp_dir().join(format!("knox-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trail.bsm");
    std::fs::write(&path, &trail).unwrap();
    let truth: Vec<_> = g
        .truth()
        .iter()
        .filter(|e| matches!(e.event, events::EXECVE | events::POSIX_SPAWN))
        .collect();
    for (flag, want_success) in [("", Some(true)), ("--failed", Some(false)), ("--all", None)] {
        let mut args = vec!["commands", "--json", path.to_str().unwrap()];
        if !flag.is_empty() {
            args.push(flag);
        }
        let (code, out, _) = knox(&args, None);
        assert_eq!(code, 0);
        let got = json_lines(&out);
        let want: Vec<_> = truth
            .iter()
            .filter(|e| want_success.is_none_or(|s| e.success == s))
            .collect();
        assert_eq!(got.len(), want.len(), "{flag}");
        for (g, w) in got.iter().zip(&want) {
            let argv: Vec<Vec<u8>> = argv_of(g).into_iter().map(String::into_bytes).collect();
            assert_eq!(&argv, w.argv.as_ref().unwrap(), "{flag}");
            // posix_spawn is recorded by the parent; the process that runs the program is the child.
            assert_eq!(g["pid"], w.child.unwrap_or(w.pid));
            if w.child.is_some() {
                assert_eq!(g["ppid"], w.pid);
            }
            assert_eq!(
                g["path"].as_str().unwrap().as_bytes(),
                w.path.as_deref().unwrap()
            );
            assert_eq!(g["success"], w.success);
        }
    }
    // Plain lines: one per successful exec, the path then the arguments, shell-quoted.
    let (_, out, _) = knox(&["commands", path.to_str().unwrap()], None);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.lines().count(),
        truth.iter().filter(|e| e.success).count()
    );
    assert!(
        text.lines()
            .any(|l| l == "/usr/bin/tar czf /tmp/backup.tgz '/home/alice/My Documents'"),
        "{text}"
    );
    assert!(text
        .lines()
        .any(|l| l == "/bin/echo '' 'empty first argument'"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn exec_record(event: u16, args: Option<(&[&[u8]], u32)>, path: Option<&str>, pid: u32) -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType(event), Time::new(1_700_000_000, 1));
    if let Some((args, claimed)) = args {
        let mut tok = Vec::new();
        StringList::encode_strings(0x3c, args, &mut tok);
        tok[1..5].copy_from_slice(&claimed.to_be_bytes());
        b.push_raw(&tok);
    }
    let p;
    if let Some(path) = path {
        p = with_nul(path);
        b.push(&Token::Path(Text(&p)));
    }
    finish_record(b, pid, 0)
}

#[test]
fn commands_handle_the_hard_cases() {
    let many: Vec<Vec<u8>> = (0..200).map(|i| format!("a{i}").into_bytes()).collect();
    let many_refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    let mut trail = Vec::new();
    // More than 128 arguments.
    trail.extend(exec_record(
        23,
        Some((&many_refs, 200)),
        Some("/bin/echo"),
        10,
    ));
    // Empty arguments and control characters.
    trail.extend(exec_record(
        23,
        Some((&[b"printf", b"", b"\x1b[2J\n"], 3)),
        Some("/usr/bin/printf"),
        11,
    ));
    // A count larger than the strings present (xnu cuts at 16 KiB but writes argc).
    trail.extend(exec_record(
        23,
        Some((&[b"ls", b"-l"], 9)),
        Some("/bin/ls"),
        12,
    ));
    // No path token (as __mac_execve records) and no exec_args: nothing but the subject.
    trail.extend(exec_record(43131, None, None, 13));
    trail.extend(exec_record(23, Some((&[b"true"], 1)), None, 14));
    let (code, out, err) = knox(&["commands", "-"], Some(&trail));
    assert_eq!((code, err.as_str()), (0, ""));
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0].split(' ').count(), 200);
    assert!(lines[0].starts_with("/bin/echo a1 a2 ") && lines[0].ends_with(" a199"));
    assert_eq!(lines[1], "/usr/bin/printf '' $'\\x1b[2J\\n'");
    assert_eq!(lines[2], "/bin/ls -l");
    assert_eq!(lines[3], "# exec with no path or arguments in its record");
    assert_eq!(lines[4], "true");
    assert!(
        !text.contains('\x1b'),
        "a control character reached the output raw"
    );
    let (_, out, _) = knox(&["commands", "--json", "-"], Some(&trail));
    let v = json_lines(&out);
    assert_eq!(argv_of(&v[0]).len(), 200);
    assert_eq!(v[2]["argc"], 9);
    assert_eq!(argv_of(&v[2]), ["ls", "-l"]);
    assert!(v[3]["path"].is_null());
    assert_eq!(v[3]["event"], 43131);
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/knox-json.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn json_lines_validate_against_the_schema_and_carry_every_token() {
    let Some(o) = oracle() else { return };
    let validator = validator();
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    for d in ["records", "trails", "malformed"] {
        for e in std::fs::read_dir(o.join(d)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "bsm") {
                inputs.push(e.path());
            }
        }
    }
    inputs.push(root().join("corpus/sample.bsm"));
    inputs.sort();
    let mut lines = 0;
    for input in &inputs {
        let data = std::fs::read(input).unwrap();
        let (code, out, _) = knox(&["json", input.to_str().unwrap()], None);
        assert!(code == 0 || code == 1, "{}", input.display());
        let got = json_lines(&out);
        let raw_lines: Vec<&[u8]> = out
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let recs: Vec<_> = records(&data).filter_map(Result::ok).collect();
        assert_eq!(got.len(), recs.len(), "{}", input.display());
        for ((v, rec), raw) in got.iter().zip(&recs).zip(&raw_lines) {
            // Byte for byte what serde writes for the tokens (knox's fast writer included):
            // key order, numbers and string escapes.
            let serde_tokens: Vec<bsm_format::Token<'_>> =
                rec.tokens().filter_map(Result::ok).collect();
            let want = [
                b"\"tokens\":".as_slice(),
                &serde_json::to_vec(&serde_tokens).unwrap(),
            ]
            .concat();
            assert!(
                raw.windows(want.len()).any(|w| w == want),
                "{} at {}: tokens differ from serde's bytes",
                input.display(),
                rec.offset()
            );
            let errors: Vec<String> = validator
                .iter_errors(v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}\n{v}", input.display());
            assert_eq!(v["offset"], rec.offset());
            let tokens: Vec<serde_json::Value> = rec
                .tokens()
                .filter_map(Result::ok)
                .map(|t| serde_json::to_value(t).unwrap())
                .collect();
            assert_eq!(
                v["tokens"].as_array().unwrap(),
                &tokens,
                "{} at {}",
                input.display(),
                rec.offset()
            );
            assert_eq!(v.get("error").is_some(), rec.tokens().any(|t| t.is_err()));
            lines += 1;
        }
    }
    assert!(lines > 4000);
}

#[test]
fn json_is_lossless_for_bytes_that_are_not_utf8() {
    let mut b = RecordBuilder::new(EventType(72), Time::new(1_700_000_000, 9));
    let p = with_nul(b"/tmp/\xff\xfe");
    b.push(&Token::Path(Text(&p)));
    let rec = b.finish();
    let (code, out, _) = knox(&["json", "-"], Some(&rec));
    assert_eq!(code, 0);
    let v = &json_lines(&out)[0];
    assert_eq!(v["tokens"][1]["path"]["base64"], "L3RtcC///g==");
    assert_eq!(v["time"], "2023-11-14T22:13:20.009Z");
    assert_eq!(v["event"]["name"], "AUE_OPEN_R");
    let _ = Path::new("");
}
