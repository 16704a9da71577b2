//! Live auditing on Linux: the pipe says what to do instead, and `--follow` prints each exec
//! within a second of its record being appended, across a rotation, none lost or repeated.

use std::io::Write;
use std::time::{Duration, Instant};

use bsm_format::encode::{with_nul, RecordBuilder};
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

#[test]
fn commands_follow_prints_each_exec_within_a_second_across_rotation() {
    let dir = std::env::temp_dir().join(format!("knox-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let first = dir.join("20231114221320.not_terminated");
    std::fs::write(&first, b"").unwrap();
    let (mut child, rx) = knox_lines(&["commands", "--follow", dir.to_str().unwrap()]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&first)
        .unwrap();
    let mut seen = Vec::new();
    for i in 0..10u32 {
        if i == 5 {
            // Rotation as auditd does it: close and rename the file, then start the next one.
            drop(file);
            std::fs::rename(&first, dir.join("20231114221320.20231114221325")).unwrap();
            file = std::fs::File::create(dir.join("20231114221325.not_terminated")).unwrap();
        }
        let rec = exec(i);
        // Written in two pieces: a reader must wait for the rest of a record.
        file.write_all(&rec[..10]).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let t0 = Instant::now();
        file.write_all(&rec[10..]).unwrap();
        file.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(1))
            .unwrap_or_else(|_| panic!("exec {i} not printed within a second"));
        assert!(t0.elapsed() < Duration::from_secs(1));
        seen.push(line);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "a record was printed twice");
    child.kill().unwrap();
    let _ = child.wait();
    let want: Vec<String> = (0..10).map(|i| format!("/bin/echo step-{i}")).collect();
    assert_eq!(seen, want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ps_follow_prints_each_process_within_a_second_of_its_exit() {
    let dir = std::env::temp_dir().join(format!("knox-live-ps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let trail = dir.join("trail");
    std::fs::write(&trail, b"").unwrap();
    let (mut child, rx) = knox_lines(&["ps", "--json", "--follow", trail.to_str().unwrap()]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&trail)
        .unwrap();
    for i in 0..5u32 {
        file.write_all(&exec(i)).unwrap();
        file.flush().unwrap();
        // A running process is not printed yet...
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            rx.try_recv().is_err(),
            "process {i} printed before its exit"
        );
        // ...and is once it exits.
        let t0 = Instant::now();
        file.write_all(&exit(i)).unwrap();
        file.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(1))
            .unwrap_or_else(|_| panic!("process {i} not printed within a second of its exit"));
        assert!(t0.elapsed() < Duration::from_secs(1));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["pid"], 1000 + i, "{v}");
        assert_eq!(v["status"], i, "{v}");
        assert_eq!(
            v["argv"],
            serde_json::json!([["echo", format!("step-{i}")]]),
            "{v}"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}
