//! Live auditing on Linux: the pipe says what to do instead, and `--follow` prints what each
//! record means within a second of its write, across rotation (of a file, auditd's `current`
//! link, a trail directory), nothing lost or repeated, and on SIGINT prints what was read.

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use bsm_format::encode::{with_nul, RecordBuilder};
use bsm_format::token::File;
use bsm_format::token::StringList;
use bsm_format::{EventType, Text, Time, Token};
use knox_tests::{finish_record, knox, knox_lines};

#[cfg(not(any(target_os = "macos", target_os = "freebsd")))]
#[test]
fn auditpipe_on_this_system_exits_2_with_one_line_saying_why() {
    let (code, out, err) = knox(&["auditpipe", "pc"], None);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("macOS or FreeBSD") && err.contains("read copied trails"),
        "{err}"
    );
}

fn exec(i: u32) -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType(23), Time::new(1_700_000_000 + i as u64, 0));
    let mut tok = Vec::new();
    let arg = format!("step-{i}");
    StringList::encode_strings(0x3c, &[b"echo".as_slice(), arg.as_bytes()], &mut tok);
    b.push_raw(&tok);
    let p = with_nul("/bin/echo");
    b.push(&Token::Path(Text(&p)));
    finish(b, i)
}

/// The exit of the process of [`exec`]`(i)`, with status `i`.
fn exit(i: u32) -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType(1), Time::new(1_700_000_000 + i as u64, 500));
    b.push(&Token::Exit(bsm_format::token::Exit {
        status: i,
        retval: 0,
    }));
    finish(b, i)
}

/// Adds the subject (pid 1000 + i) and a successful return.
fn finish(b: RecordBuilder, i: u32) -> Vec<u8> {
    finish_record(b, 1000 + i, 0)
}

/// What is followed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    /// One file that grows (no rotation).
    File,
    /// auditd's `current` link, moved to the next file on rotation.
    Link,
    /// The trail directory.
    Dir,
}

/// A trail written the way auditd writes it: `file` tokens at the start and end of each file,
/// records appended as they happen, rotation by closing, renaming `START.not_terminated` to
/// `START.END` and opening the next file (and moving `current`).
struct Trail {
    dir: PathBuf,
    file: std::fs::File,
    path: PathBuf,
    start: u64,
}

fn file_token(name: &std::path::Path) -> Vec<u8> {
    let n = bsm_format::encode::with_nul(name.to_str().unwrap());
    let mut out = Vec::new();
    Token::File(File {
        time: Time::new(1_700_000_000, 0),
        name: Text(&n),
    })
    .encode(&mut out);
    out
}

impl Trail {
    fn new(target: Target) -> (Trail, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("knox-follow-{target:?}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let start = 20231114221320;
        let path = dir.join(format!("{start}.not_terminated"));
        let file = std::fs::File::create(&path).unwrap();
        let mut t = Trail {
            dir: dir.clone(),
            file,
            path: path.clone(),
            start,
        };
        let followed = match target {
            Target::File => path,
            Target::Link => {
                std::os::unix::fs::symlink(&t.path, dir.join("current")).unwrap();
                dir.join("current")
            }
            Target::Dir => dir,
        };
        t.write(&file_token(&t.path.clone()));
        (t, followed)
    }

    /// Appends bytes, in two writes a moment apart (a reader must wait for the rest of a
    /// record), and returns when the last byte is written.
    fn write(&mut self, rec: &[u8]) -> Instant {
        let cut = rec.len() / 3;
        self.file.write_all(&rec[..cut]).unwrap();
        self.file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        self.file.write_all(&rec[cut..]).unwrap();
        self.file.flush().unwrap();
        Instant::now()
    }

    /// Rotates: the trailer token, close, rename, the next file with its header token, and
    /// `current` moved. Returns when the header token is written (two records).
    fn rotate(&mut self) -> Instant {
        let next = self.start + 5;
        let closed = self.dir.join(format!("{}.{next}", self.start));
        self.write(&file_token(&closed));
        std::fs::rename(&self.path, &closed).unwrap();
        self.start = next;
        self.path = self.dir.join(format!("{next}.not_terminated"));
        self.file = std::fs::File::create(&self.path).unwrap();
        let link = self.dir.join("current");
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link).unwrap();
            std::os::unix::fs::symlink(&self.path, &link).unwrap();
        }
        let header = file_token(&self.path.clone());
        self.write(&header)
    }
}

/// A knox run following the trail, and the lines it printed so far.
struct Follower {
    args: Vec<String>,
    child: std::process::Child,
    rx: Receiver<String>,
    lines: Vec<String>,
}

impl Follower {
    fn start(args: &[&str], followed: &std::path::Path) -> Follower {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push("--follow".into());
        all.push(followed.to_str().unwrap().into());
        let refs: Vec<&str> = all.iter().map(|a| a.as_str()).collect();
        let (child, rx) = knox_lines(&refs);
        Follower {
            args: all,
            child,
            rx,
            lines: Vec::new(),
        }
    }

    /// Waits until `n` more lines have come, each by one second after `written`.
    fn expect(&mut self, n: usize, written: Instant, what: &str) {
        for _ in 0..n {
            let left = Duration::from_secs(1).saturating_sub(written.elapsed());
            match self.rx.recv_timeout(left) {
                Ok(l) => self.lines.push(l),
                Err(_) => panic!(
                    "knox {}: no output for {what} within a second of its write (printed: {:#?})",
                    self.args.join(" "),
                    self.lines
                ),
            }
        }
    }

    /// Nothing more has come.
    fn quiet(&mut self) {
        if let Ok(l) = self.rx.try_recv() {
            panic!("knox {}: unexpected line {l}", self.args.join(" "));
        }
    }

    /// SIGINT; returns the lines printed after it, checking the run ended with status 0.
    fn interrupt(mut self) -> (Vec<String>, Vec<String>) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut after = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(l) => after.push(l),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(_) => panic!("knox {} did not end on SIGINT", self.args.join(" ")),
            }
        }
        let status = self.child.wait().unwrap();
        assert!(status.success(), "knox {}: {status}", self.args.join(" "));
        (self.lines, after)
    }
}

/// Six processes exec `/bin/echo step-N`; the even ones exit at once, the odd ones never (as
/// far as the trail goes). Rotation comes before the fourth, unless a single file is followed.
/// Five tools follow the same trail at once, and each record's output must appear within a
/// second of its write.
fn follow_test(target: Target) {
    let (mut trail, followed) = Trail::new(target);
    let mut commands_json = Follower::start(&["commands", "--json"], &followed);
    // Its header line comes with the first exec.
    let mut commands_long = Follower::start(&["commands", "--long"], &followed);
    let mut praudit = Follower::start(&["praudit", "-l"], &followed);
    let mut json = Follower::start(&["json"], &followed);
    let mut ps = Follower::start(&["ps", "--json"], &followed);
    // Let each follower open the file and see its first `file` token.
    let t = Instant::now();
    praudit.expect(1, t + Duration::from_secs(1), "the first file token");
    json.expect(1, t + Duration::from_secs(1), "the first file token");
    let mut records = 1;
    for i in 0..6u32 {
        if i == 3 && target != Target::File {
            let t = trail.rotate();
            praudit.expect(2, t, "rotation");
            json.expect(2, t, "rotation");
            records += 2;
        }
        let mut t = trail.write(&exec(i));
        let mut n = 1;
        if i % 2 == 0 {
            t = trail.write(&exit(i));
            n = 2;
        }
        records += n;
        let what = format!("step {i}");
        commands_json.expect(1, t, &what);
        commands_long.expect(if i == 0 { 2 } else { 1 }, t, &what);
        praudit.expect(n, t, &what);
        json.expect(n, t, &what);
        ps.expect(n - 1, t, &what);
    }
    std::thread::sleep(Duration::from_millis(300));
    for f in [
        &mut commands_json,
        &mut commands_long,
        &mut praudit,
        &mut json,
        &mut ps,
    ] {
        f.quiet();
    }

    // Every exec once, in order, with the status of those that exited (null for the others:
    // their exit did not come within the wait).
    let (lines, after) = commands_json.interrupt();
    assert!(after.is_empty(), "{after:?}");
    for (i, l) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(
            v["argv"],
            serde_json::json!(["echo", format!("step-{i}")]),
            "{v}"
        );
        assert_eq!(v["pid"], 1000 + i, "{v}");
        let status = if i % 2 == 0 {
            serde_json::json!(i)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(v["status"], status, "{v}");
    }
    let (lines, after) = commands_long.interrupt();
    assert!(after.is_empty(), "{after:?}");
    assert!(lines[0].starts_with("TIME "), "{lines:?}");
    for (i, l) in lines[1..].iter().enumerate() {
        assert!(l.ends_with(&format!("/bin/echo step-{i}")), "{l}");
        assert!(l.contains(&format!(" {} ", 1000 + i)), "{l}");
    }
    // One line per record, the file tokens included, each once.
    let (lines, after) = praudit.interrupt();
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(lines.len(), records);
    let headers = lines.iter().filter(|l| l.starts_with("header,")).count();
    assert_eq!(headers, 9, "{lines:#?}");
    let (lines, after) = json.interrupt();
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(lines.len(), records);
    let pids: Vec<u64> = lines
        .iter()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let tokens = v["tokens"].as_array()?;
            let subject = tokens.iter().find(|t| t["type"] == "subject32")?;
            subject["pid"].as_u64()
        })
        .collect();
    assert_eq!(pids, [1000, 1000, 1001, 1002, 1002, 1003, 1004, 1004, 1005]);
    // The processes that exited were printed as they did; SIGINT prints the others.
    let (lines, after) = ps.interrupt();
    let pid = |l: &String| serde_json::from_str::<serde_json::Value>(l).unwrap()["pid"].clone();
    assert_eq!(
        lines.iter().map(pid).collect::<Vec<_>>(),
        [1000, 1002, 1004]
    );
    assert_eq!(
        after.iter().map(pid).collect::<Vec<_>>(),
        [1001, 1003, 1005]
    );
    std::fs::remove_dir_all(&trail.dir).unwrap();
}

#[cfg(unix)]
#[test]
fn following_a_growing_file() {
    follow_test(Target::File);
}

#[cfg(unix)]
#[test]
fn following_the_current_link_across_rotation() {
    follow_test(Target::Link);
}

#[cfg(unix)]
#[test]
fn following_a_trail_directory_across_rotation() {
    follow_test(Target::Dir);
}

/// Records piped in over time (`knox auditpipe ex | knox praudit -l`) are printed as they come,
/// not when the output buffer fills or stdin closes; at any thread count, and for the tool that
/// holds an exec until its exit (which comes right after it here, so nothing waits on the clock).
#[cfg(unix)]
#[test]
fn piped_records_are_printed_as_they_arrive() {
    use knox_tests::knox_fed;
    for args in [
        &["praudit", "-l"][..],
        &["praudit", "-l", "-j", "1"],
        &["json", "-j", "2"],
        &["commands", "--json"],
    ] {
        let (mut child, rx) = knox_fed(args);
        let mut stdin = child.stdin.take().unwrap();
        let mut lines = Vec::new();
        for i in 0..3u32 {
            let t = Instant::now();
            stdin.write_all(&exec(i)).unwrap();
            stdin.write_all(&exit(i)).unwrap();
            stdin.flush().unwrap();
            let n = if args[0] == "commands" { 1 } else { 2 };
            for _ in 0..n {
                let left = Duration::from_secs(2).saturating_sub(t.elapsed());
                match rx.recv_timeout(left) {
                    Ok(l) => lines.push(l),
                    Err(_) => panic!("knox {args:?}: record {i} not printed while stdin is open"),
                }
            }
        }
        drop(stdin);
        let status = child.wait().unwrap();
        assert!(status.success(), "knox {args:?}: {status}");
        let rest: Vec<String> = rx.iter().collect();
        assert!(rest.is_empty(), "{rest:?}");
        let want = if args[0] == "commands" { 3 } else { 6 };
        assert_eq!(lines.len(), want, "{lines:#?}");
        if args[0] == "praudit" {
            assert!(lines[4].contains("step-2"), "{lines:#?}");
        }
    }
}
