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
    assert_eq!((code, err.as_str()), (0, ""));
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
            v["address"].as_str().unwrap().to_string(),
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
fn error_counts_agree_with_praudits_text_of_the_oracle_trails() {
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
    }
}
