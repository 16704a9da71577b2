//! knox ps, tree, files, errors and net rebuilt from a generated trail and compared with what the
//! generator says it emitted; and on the oracle's trails, with what praudit's text shows.

use std::collections::{BTreeMap, BTreeSet};

use bsm_format::generate::{events as ev, Emitted, Generator, HeaderMix};
use knox_tests::{knox, oracle};

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const FILE_EVENTS: [u16; 8] = [
    ev::OPEN_R,
    ev::OPEN_WC,
    ev::OPEN_RW,
    ev::READ,
    ev::WRITE,
    ev::CLOSE,
    ev::RENAME,
    ev::CHMOD,
];
const NET_EVENTS: [u16; 5] = [ev::SOCKET, ev::CONNECT, ev::BIND, ev::ACCEPT, ev::LISTEN];

fn is_file(e: &Emitted) -> bool {
    FILE_EVENTS.contains(&e.event) || e.event == ev::UNLINK
}

fn setup() -> (std::path::PathBuf, Vec<Emitted>) {
    let mut g = Generator::new(31).headers(HeaderMix::Mixed).record_truth();
    let trail = g.trail(4000);
    let dir = std::env::temp_dir().join(format!("knox-activity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trail.bsm");
    std::fs::write(&path, &trail).unwrap();
    (path, g.truth().to_vec())
}

#[test]
fn processes_files_errors_and_network_match_the_generators_truth() {
    let (path, truth) = setup();
    let p = path.to_str().unwrap();

    // ps: every process, its parent, its execs in order, exit status and counts.
    let (code, out, err) = knox(&["ps", "--json", p], None);
    assert_eq!(
        (code, knox_tests::without_names_note(&err).as_str()),
        (0, "")
    );
    let ps: BTreeMap<u64, serde_json::Value> = lines(&out)
        .into_iter()
        .map(|v| (v["pid"].as_u64().unwrap(), v))
        .collect();
    let mut want_argv: BTreeMap<u32, Vec<Vec<String>>> = BTreeMap::new();
    let mut want_ppid: BTreeMap<u32, u32> = BTreeMap::new();
    let mut want_status: BTreeMap<u32, u32> = BTreeMap::new();
    let mut want_counts: BTreeMap<u32, (u64, u64, u64)> = BTreeMap::new();
    for e in &truth {
        let c = want_counts.entry(e.pid).or_default();
        if !e.success {
            c.2 += 1;
        }
        if is_file(e) {
            c.0 += 1;
        }
        if NET_EVENTS.contains(&e.event) {
            c.1 += 1;
        }
        if let Some(child) = e.child {
            want_ppid.insert(child, e.pid);
        }
        let argv = || {
            e.argv
                .as_ref()
                .unwrap()
                .iter()
                .map(|a| String::from_utf8(a.clone()).unwrap())
                .collect()
        };
        match e.event {
            ev::EXECVE if e.success => want_argv.entry(e.pid).or_default().push(argv()),
            ev::POSIX_SPAWN if e.success => {
                want_argv.entry(e.child.unwrap()).or_default().push(argv())
            }
            ev::EXIT => {
                want_status.insert(e.pid, e.exit_status.unwrap());
            }
            _ => {}
        }
    }
    for (&pid, &(files, net, failed)) in &want_counts {
        let v = &ps[&(pid as u64)];
        assert_eq!(
            (
                v["files"].as_u64().unwrap(),
                v["net"].as_u64().unwrap(),
                v["failed"].as_u64().unwrap()
            ),
            (files, net, failed),
            "pid {pid}"
        );
    }
    for (pid, v) in &ps {
        let pid = *pid as u32;
        let argv: Vec<Vec<String>> = serde_json::from_value(v["argv"].clone()).unwrap();
        assert_eq!(
            argv,
            want_argv.get(&pid).cloned().unwrap_or_default(),
            "pid {pid} execs"
        );
        assert_eq!(
            v["ppid"].as_u64().map(|x| x as u32),
            want_ppid.get(&pid).copied(),
            "pid {pid} parent"
        );
        assert_eq!(
            v["status"].as_u64().map(|x| x as u32),
            want_status.get(&pid).copied(),
            "pid {pid} status"
        );
    }
    let pids: BTreeSet<u32> = truth
        .iter()
        .map(|e| e.pid)
        .chain(truth.iter().filter_map(|e| e.child))
        .collect();
    assert_eq!(ps.keys().map(|&p| p as u32).collect::<BTreeSet<_>>(), pids);

    // errors: groups by errno, event and process add up to every failed record.
    let (_, out, _) = knox(&["errors", "--json", p], None);
    let mut groups: BTreeMap<(u64, u64, u64), u64> = BTreeMap::new();
    for v in lines(&out) {
        groups.insert(
            (
                v["errno"].as_u64().unwrap(),
                v["event"].as_u64().unwrap(),
                v["pid"].as_u64().unwrap(),
            ),
            v["count"].as_u64().unwrap(),
        );
    }
    let mut want: BTreeMap<(u64, u64, u64), u64> = BTreeMap::new();
    for e in truth.iter().filter(|e| !e.success) {
        *want
            .entry((e.errno as u64, e.event as u64, e.pid as u64))
            .or_default() += 1;
    }
    assert_eq!(groups, want);

    // net: per process, each address with its count.
    let (_, out, _) = knox(&["net", "--json", p], None);
    let mut got: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for v in lines(&out) {
        *got.entry((
            v["pid"].as_u64().unwrap(),
            v["address"].as_str().unwrap_or("").to_string(),
        ))
        .or_default() += v["count"].as_u64().unwrap();
    }
    let mut want: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for e in truth.iter().filter(|e| NET_EVENTS.contains(&e.event)) {
        *want
            .entry((e.pid as u64, e.socket.clone().unwrap_or_default()))
            .or_default() += 1;
    }
    assert_eq!(got, want);

    // files: every (process, path) the generator touched, with its count (rename adds its target).
    let (_, out, _) = knox(&["files", "--json", p], None);
    let mut got: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for v in lines(&out) {
        got.insert(
            (
                v["pid"].as_u64().unwrap(),
                v["path"].as_str().unwrap().to_string(),
            ),
            v["use"]["count"].as_u64().unwrap(),
        );
    }
    let mut want: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for e in truth.iter().filter(|e| is_file(e)) {
        let path = String::from_utf8(e.path.clone().unwrap()).unwrap();
        *want.entry((e.pid as u64, path.clone())).or_default() += 1;
        if e.event == ev::RENAME {
            *want
                .entry((e.pid as u64, format!("{path}.old")))
                .or_default() += 1;
        }
    }
    assert_eq!(got, want);

    // tree and --pid: a process and its descendants only.
    let root = *want_ppid.values().next().unwrap();
    let (_, out, _) = knox(&["tree", "--json", "--pid", &root.to_string(), p], None);
    let tree = lines(&out);
    assert_eq!(tree[0]["pid"], root);
    for v in &tree[1..] {
        assert!(v["depth"].as_u64().unwrap() >= 1);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn counts_agree_with_praudits_text_of_the_oracle_trails() {
    let Some(o) = oracle() else { return };
    for name in ["mixed_1000_h32", "mixed_1000_h64", "mixed_1000_mixed"] {
        let text = std::fs::read_to_string(o.join(format!("trails/{name}.praudit-l.txt"))).unwrap();
        let failed = text
            .lines()
            .filter(|l| l.contains(",return,failure"))
            .count() as u64;
        let execs = text
            .lines()
            .filter(|l| {
                l.starts_with("header")
                    && l.contains(",execve(2),")
                    && l.contains(",return,success,")
            })
            .count();
        let trail = o.join(format!("trails/{name}.bsm"));
        let events = o.join("env/audit_event");
        let args = [
            "--events",
            events.to_str().unwrap(),
            trail.to_str().unwrap(),
        ];
        let (_, out, _) = knox(&[&["errors", "--json"][..], &args].concat(), None);
        let total: u64 = lines(&out)
            .iter()
            .map(|v| v["count"].as_u64().unwrap())
            .sum();
        assert_eq!(total, failed, "{name}: failed records");
        let (_, out, _) = knox(&[&["ps", "--json"][..], &args].concat(), None);
        let exec_lists: usize = lines(&out)
            .iter()
            .map(|v| v["argv"].as_array().unwrap().len())
            .sum();
        assert_eq!(exec_lists, execs, "{name}: successful execs");
        // File and network operations per record, from the text: a record with a socket
        // address or a network event (class nt, or a socket or connect call) counts as network,
        // else one with a path as file; process lifecycle events count as neither.
        let (files, net) = file_and_net_records(&text, &o.join("env/audit_event"));
        let (mut got_files, mut got_net) = (0, 0);
        for v in lines(&out) {
            got_files += v["files"].as_u64().unwrap();
            got_net += v["net"].as_u64().unwrap();
        }
        assert_eq!(
            (got_files, got_net),
            (files, net),
            "{name}: file and network records"
        );
        assert!(files > 100 && net > 50, "{name}: {files} {net}");
    }
}

/// Counts file and network records in praudit's `-l` text (one record per line).
fn file_and_net_records(text: &str, audit_event: &std::path::Path) -> (u64, u64) {
    // description -> (name, classes); descriptions may contain commas, so the longest one that
    // the header continues with is the record's.
    let table = std::fs::read_to_string(audit_event).unwrap();
    let events: Vec<(&str, &str, &str)> = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(4, ':').collect();
            (f.len() == 4).then(|| (f[2], f[1], f[3]))
        })
        .collect();
    let lifecycle = [
        "AUE_EXECVE",
        "AUE_MAC_EXECVE",
        "AUE_POSIX_SPAWN",
        "AUE_FORK",
        "AUE_VFORK",
        "AUE_EXIT",
    ];
    let (mut files, mut net) = (0, 0);
    for line in text.lines() {
        let Some(rest) = ["header,", "header_ex,"]
            .iter()
            .find_map(|h| line.strip_prefix(h))
        else {
            continue;
        };
        // Length and version, then the description.
        let rest = rest.splitn(3, ',').nth(2).unwrap();
        let Some(&(_, name, classes)) = events
            .iter()
            .filter(|(d, ..)| rest.starts_with(&format!("{d},")))
            .max_by_key(|(d, ..)| d.len())
        else {
            continue;
        };
        if !(line.contains(",subject,") || line.contains(",subject_ex,"))
            || lifecycle.contains(&name)
        {
            continue;
        }
        let address = [",socket-inet,", ",socket-inet6,", ",socket-unix,"]
            .iter()
            .any(|t| line.contains(t));
        let net_event = classes.split(',').any(|c| c == "nt")
            || name.contains("SOCKET")
            || name.contains("CONNECT");
        if address || net_event {
            net += 1;
        } else if line.contains(",path,") {
            files += 1;
        }
    }
    (files, net)
}

/// Hands a trail to the process model record by record; returns the most processes it held
/// running at once, and the `seq` of each process as it started and as it ended (with
/// whether it exited).
fn drive(trail: &[u8], model: &mut knox_model::Model) -> (usize, Vec<u64>, Vec<(u64, bool)>) {
    let acts = knox_model::Acts::new(bsm_format::tables::EventTable::embedded(
        bsm_format::tables::Flavor::MacOs,
    ));
    let host = model.host(None);
    let (mut most, mut started, mut ended) = (0, Vec::new(), Vec::new());
    let mut take = |model: &mut knox_model::Model| {
        for c in model.changes() {
            match c {
                knox_model::Change::Started(k) => started.push(k.seq),
                knox_model::Change::Ended(p, _) => ended.push((p.seq, p.end.is_some())),
            }
        }
    };
    for rec in bsm_format::records(trail) {
        let rec = rec.unwrap();
        let Some(ev) = knox_model::Event::parse(&rec, &acts).unwrap() else {
            continue;
        };
        assert!(ev.error.is_none(), "{:?} in {:?}", ev.error, rec.bytes());
        model.apply(host, &ev);
        take(model);
        most = most.max(model.running());
    }
    model.finish();
    take(model);
    (most, started, ended)
}

#[test]
fn the_model_forgets_processes_when_they_exit() {
    // 60,000 records: the generator keeps at most about 1,000 processes running, while
    // about 8,000 appear in all.
    let mut g = Generator::new(5).headers(HeaderMix::Mixed).record_truth();
    let trail = g.trail(60_000);
    let exits = g.truth().iter().filter(|e| e.event == ev::EXIT).count();
    let (most, started, ended) = drive(&trail, &mut knox_model::Model::new());
    assert!(started.len() > 6000, "{} processes", started.len());
    assert!(most <= 1100, "{most} processes held at once");
    // Every process is handed over once, whether it exited or was running at the end.
    let mut done: Vec<u64> = ended.iter().map(|e| e.0).collect();
    done.sort_unstable();
    assert_eq!(done, started);
    assert_eq!(ended.iter().filter(|e| e.1).count(), exits);
}

#[test]
fn the_streaming_tree_prints_every_process_once_under_its_ancestors() {
    let mut g = Generator::new(8).headers(HeaderMix::Mixed);
    let trail = g.trail(20_000);
    // The same tree, printed whole (file input) and as branches close (followed input).
    let mut parents: Vec<BTreeMap<String, Option<String>>> = Vec::new();
    for streaming in [false, true] {
        let out = knox_tests::fuzz::tree_json(&trail, streaming);
        let mut depth_of: BTreeMap<String, u64> = BTreeMap::new();
        let mut own: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut contexts = 0;
        for v in lines(&out) {
            let id = v["id"].as_str().unwrap().to_string();
            let depth = v["depth"].as_u64().unwrap();
            let parent = v["parent_id"].as_str().map(str::to_string);
            // A line comes after its parent's, one level deeper.
            match parent.as_ref().filter(|p| depth_of.contains_key(*p)) {
                Some(p) => assert_eq!(depth_of[p], depth - 1, "{v}"),
                None => assert_eq!(depth, 0, "{v}"),
            }
            depth_of.insert(id.clone(), depth);
            if v["context"].as_bool().unwrap() {
                contexts += 1;
            } else {
                assert!(!v["running"].as_bool().unwrap(), "{v}");
                let first = own.insert(id.clone(), parent);
                assert!(first.is_none(), "{id} printed twice");
            }
        }
        // Only followed input needs context lines.
        assert_eq!(contexts > 0, streaming);
        parents.push(own);
    }
    assert_eq!(parents[0], parents[1]);
    assert!(parents[0].len() > 2000);
}

/// A record of `event` by pid 4242 with these raw tokens, tokens and errno.
fn record(event: u16, errno: u8, extra: &[bsm_format::Token<'_>], raw: &[u8]) -> Vec<u8> {
    let mut b = bsm_format::encode::RecordBuilder::new(
        bsm_format::EventType(event),
        bsm_format::Time::new(1_700_000_000, 5),
    );
    b.push_raw(raw);
    for t in extra {
        b.push(t);
    }
    knox_tests::finish_record(b, 4242, errno)
}

#[test]
fn terminal_controls_in_a_trail_never_reach_the_terminal_raw() {
    use bsm_format::encode::with_nul;
    use bsm_format::{token::SockUnix, Text, Token};
    // A title change, a screen clear, a bell, a C1 CSI, and a DEL.
    let nasty = "/tmp/\x1b]0;owned\x07\x1b[2J\u{9b}31m\x7f";
    let path = with_nul(nasty);
    let mut argv = Vec::new();
    bsm_format::token::StringList::encode_strings(0x3c, &[nasty, "-c\x1b[1mbold"], &mut argv);
    let mut trail = record(ev::EXECVE, 0, &[Token::Path(Text(&path))], &argv);
    trail.extend(record(ev::OPEN_R, 2, &[Token::Path(Text(&path))], &[]));
    let unix = SockUnix {
        family: 1,
        path: nasty.as_bytes(),
    };
    trail.extend(record(ev::CONNECT, 61, &[Token::SockUnix(unix)], &[]));
    let dir = std::env::temp_dir().join(format!("knox-controls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trail.bsm");
    std::fs::write(&file, &trail).unwrap();
    let f = file.to_str().unwrap();
    for args in [
        &["ps", f][..],
        &["tree", f],
        &["files", f],
        &["files", "--by-path", f],
        &["errors", f],
        &["net", f],
        &["commands", f],
    ] {
        let (code, out, err) = knox(args, None);
        assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
        let text = String::from_utf8(out).unwrap();
        // The record shows up (made visible), and nothing a terminal acts on is left.
        assert!(text.contains("owned"), "{args:?}: {text}");
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || c == '\u{9b}')
            .collect();
        assert!(bad.is_empty(), "{args:?}: {bad:?} in {text:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_forged_trail_with_too_many_running_processes_stays_bounded() {
    // 5,000 pids that each open a file and never exit: more than the model may hold (here 1,000).
    let path = bsm_format::encode::with_nul("/etc/hosts");
    let mut trail = Vec::new();
    for pid in 0..5000u32 {
        let mut b = bsm_format::encode::RecordBuilder::new(
            bsm_format::EventType(ev::OPEN_R),
            bsm_format::Time::new(1_700_000_000 + pid as u64, 0),
        );
        b.push(&bsm_format::Token::Path(bsm_format::Text(&path)));
        trail.extend(knox_tests::finish_record(b, 100_000 + pid, 0));
    }
    let mut model = knox_model::Model::new().with_max_running(1000);
    let (most, started, ended) = drive(&trail, &mut model);
    assert!(most <= 1000);
    assert_eq!(model.evicted(), 4000);
    // The oldest went first, and nothing was lost: every process handed over once.
    let done: Vec<u64> = ended.iter().map(|e| e.0).collect();
    assert_eq!(done[..4000], started[..4000]);
    let mut done = done;
    done.sort_unstable();
    assert_eq!(done, started);
    assert_eq!(done.len(), 5000);
}

/// An exit record of `pid` with status 3 (a failure with `errno` unless 0).
fn exit_of(pid: u32, errno: u8, msec: u64) -> Vec<u8> {
    let mut b = bsm_format::encode::RecordBuilder::new(
        bsm_format::EventType(ev::EXIT),
        bsm_format::Time::new(1_700_000_000, msec),
    );
    b.push(&bsm_format::Token::Exit(bsm_format::token::Exit {
        status: 3,
        retval: 0,
    }));
    knox_tests::finish_record(b, pid, errno)
}

/// A process whose only record is its exit (it started before the trail did) is a process all
/// the same: ps lists it and errors counts its failure; with a selection, a process whose first
/// record is the selected one is shown. (Found by the activity_output fuzz target: both were
/// lost when a process started and ended with the same record.)
#[test]
fn a_process_seen_only_at_its_exit_is_reported() {
    let mut trail = exit_of(4242, 0, 1);
    trail.extend(exit_of(4343, 1, 2));
    let dir = std::env::temp_dir().join(format!("knox-exit-only-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.bsm");
    std::fs::write(&file, &trail).unwrap();
    let f = file.to_str().unwrap();
    let (code, out, err) = knox(&["ps", "--json", "--utc", f], None);
    assert_eq!(code, 0, "{err}");
    let ps = lines(&out);
    let pids: Vec<u64> = ps.iter().map(|p| p["pid"].as_u64().unwrap()).collect();
    assert_eq!(pids, [4242, 4343]);
    assert!(ps.iter().all(|p| p["status"] == 3), "{ps:?}");
    let (_, out, _) = knox(&["errors", "--json", "--utc", f], None);
    let errors = lines(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0]["pid"].as_u64(), errors[0]["count"].as_u64()),
        (Some(4343), Some(1))
    );
    // Selected by its only record.
    let (_, out, _) = knox(&["ps", "--json", "--utc", "--subject-pid", "4343", f], None);
    let ps = lines(&out);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(ps[0]["pid"], 4343);
    std::fs::remove_dir_all(&dir).unwrap();
}
