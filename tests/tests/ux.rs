//! What a new user meets: errors that name their path and say what to do, notes when knox waits
//! or prints this machine's names, dates pasted back from knox's own output, suggestions for
//! misspelt events, empty selections said, praudit safe on a terminal, completions and a man page.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bsm_format::encode::{with_nul, RecordBuilder};
use bsm_format::token::{Subject, TerminalId, Width};
use bsm_format::{Address, EventType, Text, Time, Token};
use knox_tests::{knox, knox_bin, root};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("knox-ux-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sample() -> String {
    root()
        .join("corpus/sample.bsm")
        .to_str()
        .unwrap()
        .to_string()
}

/// A record by root (uid 0 has a name on every machine) opening a path.
fn root_record(path: &[u8]) -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType::OPEN_R, Time::new(1_700_000_000, 5));
    let p = with_nul(path);
    b.push(&Token::Path(Text(&p)));
    b.push(&Token::Subject(Subject {
        width: Width::W32,
        ex: false,
        auid: 0,
        euid: 0,
        egid: 0,
        ruid: 0,
        rgid: 0,
        pid: 77,
        sid: 1,
        tid: TerminalId {
            port: 0,
            addr: Address::V4([0; 4]),
        },
    }));
    b.finish()
}

/// Runs a command under a pseudo-terminal (util-linux `script`); its output arrives line by line.
fn on_terminal(cmd: &str) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new("script")
        .args(["-qfec", cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(l) = line else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[cfg(unix)]
#[test]
fn an_unreadable_copied_trail_is_named_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let d = temp("perm");
    let audit = d.join("var/audit");
    std::fs::create_dir_all(&audit).unwrap();
    std::fs::copy(sample(), audit.join("20231114221320.20231114221401")).unwrap();
    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o700)).unwrap();
    for p in [&d, &d.join("var")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // As a user other than the directory's owner: root reads anything, so run as nobody.
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc_geteuid() } == 0;
    let mut cmd = if root_user {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(knox_bin());
        c
    } else {
        std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o000)).unwrap();
        Command::new(knox_bin())
    };
    let out = cmd.arg("ps").arg(&audit).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "knox ps: {}: permission denied (a copied /var/audit is readable by root only: run \
             knox with sudo, or copy the trails with your own user as owner)",
            audit.display()
        )
    );
    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

#[cfg(unix)]
#[test]
fn a_dangling_current_link_is_named_and_the_directory_still_reads() {
    let d = temp("dangling");
    std::fs::copy(sample(), d.join("20231114221320.20231114221401")).unwrap();
    let link = d.join("current");
    std::os::unix::fs::symlink("/var/audit/20231114221401.not_terminated", &link).unwrap();
    let (code, _, err) = knox(&["ps", link.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("current: a dangling link to /var/audit/20231114221401.not_terminated")
            && err.contains("give its directory instead"),
        "{err}"
    );
    let (code, out, err) = knox(&["ps", d.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("skipped") && err.contains("current"), "{err}");
    assert!(out.len() > 100);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn an_empty_file_is_named_and_praudit_stays_quiet() {
    let d = temp("empty");
    let f = d.join("empty.bsm");
    std::fs::write(&f, b"").unwrap();
    let (code, out, err) = knox(&["stats", f.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(!out.is_empty());
    assert_eq!(
        err,
        format!("knox stats: {}: empty file (no records)\n", f.display())
    );
    let (code, out, err) = knox(&["praudit", f.to_str().unwrap()], None);
    assert_eq!((code, out.len(), err.as_str()), (0, 0, ""));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn waiting_on_a_terminal_is_said_within_a_second_except_by_praudit() {
    let bin = knox_bin();
    let (mut child, rx) = on_terminal(&format!("{} stats", bin.display()));
    let t0 = Instant::now();
    let line = rx
        .recv_timeout(Duration::from_secs(1))
        .expect("a note within a second");
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(
        line.contains("knox stats: reading BSM from stdin (a terminal)"),
        "{line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let (mut child, rx) = on_terminal(&format!("{} praudit", bin.display()));
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "praudit waits silently, as praudit does"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn praudit_shows_control_characters_on_a_terminal_and_passes_bytes_through_a_pipe() {
    let d = temp("safe");
    let f = d.join("escape.bsm");
    std::fs::write(&f, root_record(b"/tmp/\x1b[31mred")).unwrap();
    let (code, out, _) = knox(&["praudit", "-n", f.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(out.windows(5).any(|w| w == b"\x1b[31m"), "piped: raw bytes");
    let (mut child, rx) = on_terminal(&format!(
        "{} praudit -n {}",
        knox_bin().display(),
        f.display()
    ));
    let mut seen = String::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(5)) {
        seen.push_str(&l);
        seen.push('\n');
    }
    let _ = child.wait();
    assert!(seen.contains("path,/tmp/\\^[[31mred"), "{seen:?}");
    assert!(!seen.contains('\x1b'), "{seen:?}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn names_from_this_machine_are_said_once_and_stdout_keeps_praudits_bytes() {
    let d = temp("names");
    let f = d.join("root.bsm");
    std::fs::write(
        &f,
        [root_record(b"/etc/a"), root_record(b"/etc/b")].concat(),
    )
    .unwrap();
    let file = f.to_str().unwrap();
    let (code, out, err) = knox(&["praudit", file], None);
    assert_eq!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("knox praudit: user and group names are this machine's")
            && err.contains("--passwd and --group"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out).contains("subject,root,root,"));
    let passwd = root().join("corpus/passwd");
    let group = root().join("corpus/group");
    let (_, out2, err) = knox(
        &[
            "praudit",
            "--passwd",
            passwd.to_str().unwrap(),
            "--group",
            group.to_str().unwrap(),
            file,
        ],
        None,
    );
    assert_eq!(err, "");
    assert!(String::from_utf8_lossy(&out2).contains("subject,root,root,"));
    let (_, _, err) = knox(&["praudit", "-n", file], None);
    assert_eq!(err, "");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn times_knox_prints_can_be_pasted_back_as_selections() {
    let s = sample();
    let (_, out, _) = knox(&["json", "--utc", &s], None);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["kind"] != "file")
        .collect();
    let mid = &lines[lines.len() / 2];
    let time = mid["time"].as_str().unwrap();
    let sec = mid["sec"].as_u64().unwrap();
    let (code, out, err) = knox(&["json", "--after", time, &s], None);
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out).lines().next().unwrap()).unwrap();
    assert!(first["sec"].as_u64().unwrap() >= sec);
    let want = lines
        .iter()
        .filter(|v| v["sec"].as_u64() >= Some(sec))
        .count();
    assert_eq!(String::from_utf8_lossy(&out).lines().count(), want);
    // The same instant with an offset, and a day.
    let (code, _, err) = knox(
        &[
            "ps",
            "--after",
            "2023-11-14T23:13:20+01:00",
            "--day",
            "2023-11-14",
            "--utc",
            &s,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn misspelt_events_get_suggestions_and_names_need_no_aue() {
    let s = sample();
    let (code, _, err) = knox(&["ps", "--event", "exceve", &s], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown event \"exceve\" (did you mean AUE_EXECVE"),
        "{err}"
    );
    let (a, b) = (
        knox(&["commands", "--event", "execve", &s], None),
        knox(&["commands", "--event", "AUE_EXECVE", &s], None),
    );
    assert_eq!(a.0, 0);
    assert_eq!(a.1, b.1);
    assert!(!a.1.is_empty());
}

#[test]
fn empty_selections_say_why() {
    let s = sample();
    for (args, note) in [
        (
            vec!["tree", "--pid", "999999"],
            "knox tree: no process 999999 in the input",
        ),
        (
            vec!["commands", "--pid", "999999"],
            "knox commands: no process 999999 in the input",
        ),
        (
            vec!["ps", "--euid", "4242"],
            "knox ps: no record in the input matches the selection",
        ),
    ] {
        let mut a = args.clone();
        a.push(&s);
        let (code, out, err) = knox(&a, None);
        assert_eq!((code, out.len()), (0, 0), "{args:?}");
        assert_eq!(err.trim_end(), note);
    }
}

#[test]
fn reports_have_headers_ps_sorts_and_errors_put_totals_first() {
    let s = sample();
    let (_, out, _) = knox(&["ps", "--passwd", "corpus/passwd", &s], None);
    let text = String::from_utf8(out).unwrap();
    let starts: Vec<&str> = text.lines().skip(1).map(|l| &l[24..53]).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert!(text.starts_with("    PID    PPID USER"));
    assert_eq!(starts, sorted, "ps rows come in start order");
    let (_, out, _) = knox(&["ps", "--sort", "pid", &s], None);
    let pids: Vec<u32> = String::from_utf8(out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l[..7].trim().parse().unwrap())
        .collect();
    assert!(pids.windows(2).all(|w| w[0] <= w[1]), "{pids:?}");
    let (_, out, _) = knox(&["errors", &s], None);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(" TOTAL ERRNO"), "{text}");
    assert!(text.contains("\nby process:\n COUNT ERRNO"), "{text}");
    let (_, out, _) = knox(&["commands", "--long", &s], None);
    assert!(String::from_utf8(out).unwrap().starts_with("TIME "));
}

#[test]
fn the_timeline_page_goes_to_stdout_with_html_dash() {
    let (code, out, err) = knox(&["timeline", "--html", "-", &sample()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(b"<!DOCTYPE html>"));
    assert!(!Path::new(&root().join("-")).exists());
    let (code, _, err) = knox(&["timeline", "--json", "--html", "-", &sample()], None);
    assert_eq!(code, 2, "--json is not a timeline option: {err}");
}

#[test]
fn completions_and_the_man_page_come_from_the_binary() {
    let (code, script, _) = knox(&["completions", "bash"], None);
    assert_eq!(code, 0);
    let d = temp("completions");
    let f = d.join("knox.bash");
    std::fs::write(&f, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&f).status().unwrap();
    assert!(check.success(), "the bash script parses");
    let text = String::from_utf8(script).unwrap();
    for sub in ["praudit", "commands", "verify", "export", "timeline"] {
        assert!(text.contains(sub), "{sub}");
    }
    let (code, page, _) = knox(&["man"], None);
    assert_eq!(code, 0);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH knox 1"),
        "{}",
        &page[..200]
    );
    let man = d.join("knox.1");
    std::fs::write(&man, &page).unwrap();
    let rendered = Command::new("man")
        .args(["-l"])
        .arg(&man)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output();
    let text = match rendered {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => page.clone(), // no man here: the roff itself is checked
    };
    let cmd = <knox::cli::Cli as clap::CommandFactory>::command();
    for sub in cmd.get_subcommands() {
        assert!(
            text.contains(&format!("knox {}", sub.get_name())),
            "the man page lacks knox {}",
            sub.get_name()
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
    let _ = std::io::stdout().flush();
}

/// `--no-header` leaves out exactly the column titles of each text table, and nothing else.
#[test]
fn no_header_leaves_out_the_column_titles_only() {
    let s = sample();
    let cases: [(&[&str], &[&str]); 5] = [
        (&["ps"], &["    PID    PPID USER"]),
        (&["files"], &["    PID OPS"]),
        (&["net"], &["    PID OP "]),
        (&["errors"], &[" TOTAL ERRNO", " COUNT ERRNO"]),
        (&["commands", "--long"], &["TIME "]),
    ];
    for (tool, titles) in cases {
        let run = |extra: &[&str]| {
            let mut args: Vec<&str> = tool.to_vec();
            args.extend_from_slice(extra);
            args.extend(["--utc", "--passwd"]);
            let passwd = root().join("corpus/passwd");
            let passwd = passwd.to_str().unwrap().to_string();
            let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            all.push(passwd);
            all.push(s.clone());
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            let (code, out, _) = knox(&refs, None);
            assert_eq!(code, 0, "{tool:?} {extra:?}");
            String::from_utf8(out).unwrap()
        };
        let with = run(&[]);
        let without = run(&["--no-header"]);
        let is_title = |l: &str| titles.iter().any(|t| l.starts_with(t));
        let with_lines: Vec<&str> = with.lines().collect();
        assert_eq!(
            with_lines.iter().filter(|l| is_title(l)).count(),
            titles.len(),
            "{tool:?}: {with}"
        );
        let expected: Vec<&str> = with_lines.into_iter().filter(|l| !is_title(l)).collect();
        assert_eq!(without.lines().collect::<Vec<_>>(), expected, "{tool:?}");
        assert!(without.lines().count() > 1, "{tool:?}: {without}");
    }
    // Without --long there is no table: clap refuses the flag.
    let (code, _, err) = knox(&["commands", "--no-header", &s], None);
    assert_eq!(code, 2, "{err}");
}

/// Runs knox in this process with `terminals` as the streams it is told are terminals.
fn run_with_terminals(args: &[&str], terminals: knox::cli::Terminals) -> (i32, Vec<u8>, String) {
    use clap::Parser;
    let cli = knox::cli::Cli::try_parse_from(args).unwrap();
    let env = knox::cli::Env {
        stdin: Some(Vec::new().into()),
        terminals,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = knox::cli::run(cli, &env, &mut out, &mut err).unwrap();
    (code, out, String::from_utf8(err).unwrap())
}

#[test]
fn terminals_are_what_the_io_handle_says_not_what_the_test_harness_has() {
    let sample = sample();
    let terminal = knox::cli::Terminals {
        stdout: true,
        ..Default::default()
    };
    // Raw BSM is not written to a terminal...
    let (code, out, err) = run_with_terminals(&["knox", "auditreduce", &sample], terminal);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("the output is raw BSM"), "{err}");
    // ...but is to anything else, and it is the trail's records.
    let (code, out, _) = run_with_terminals(&["knox", "auditreduce", &sample], Default::default());
    assert_eq!(code, 0);
    let trail = std::fs::read(&sample).unwrap();
    assert!(out.len() > 1000 && trail.windows(1000).any(|w| w == &out[..1000]));
    // Waiting on a terminal's stdin is said (except by praudit); on a pipe it is not.
    let stdin = knox::cli::Terminals {
        stdin: true,
        ..Default::default()
    };
    let (_, _, err) = run_with_terminals(&["knox", "stats"], stdin);
    assert!(err.contains("reading BSM from stdin (a terminal)"), "{err}");
    let (_, _, err) = run_with_terminals(&["knox", "stats"], Default::default());
    assert!(!err.contains("a terminal"), "{err}");
    let (_, _, err) = run_with_terminals(&["knox", "praudit"], stdin);
    assert!(!err.contains("a terminal"), "{err}");
}
