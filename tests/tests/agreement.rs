//! The tools tell one story: they all read processes from the same model, so on the oracle's
//! 1,000-record trails and the corpus, every process `ps` shows running a program made that
//! exec according to `commands`, exit statuses agree, `tree` parents are `ps` parents, and the
//! same stable process ids appear in every JSON output.

use std::collections::{BTreeMap, BTreeSet};

use knox_tests::{knox, oracle, root};
use serde_json::Value;

fn lines(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = knox(args, None);
    assert!(code <= 1, "{args:?}: exit {code}: {err}");
    std::str::from_utf8(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{args:?}: {e}: {l}")))
        .collect()
}

fn trails() -> Vec<String> {
    let mut v: Vec<String> = ["sample.bsm", "macos-h32.bsm", "damaged.bsm"]
        .iter()
        .map(|f| root().join("corpus").join(f).display().to_string())
        .collect();
    if let Some(o) = oracle() {
        for n in ["mixed_1000_h32", "mixed_1000_h64", "mixed_1000_mixed"] {
            v.push(o.join(format!("trails/{n}.bsm")).display().to_string());
        }
    }
    v
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

#[test]
fn every_tool_tells_the_same_story() {
    for trail in trails() {
        let t = trail.as_str();
        let ps: BTreeMap<String, Value> = lines(&["ps", "--json", t])
            .into_iter()
            .map(|v| (id(&v), v))
            .collect();
        assert!(ps.len() > 30, "{t}: {} processes", ps.len());

        // commands: the last successful exec of each process is the program ps shows, and
        // the exit status it carries is the process's.
        let commands = lines(&["commands", "--json", "--all", t]);
        let mut last_exec: BTreeMap<String, &Value> = BTreeMap::new();
        for c in &commands {
            let cid = id(c);
            assert!(
                ps.contains_key(&cid),
                "{t}: commands names {cid}, ps does not"
            );
            if c["success"] == true {
                last_exec.insert(cid, c);
            }
        }
        let mut checked = 0;
        for (pid, p) in &ps {
            let execs = p["argv"].as_array().unwrap();
            match last_exec.get(pid) {
                Some(c) => {
                    assert_eq!(Some(&c["argv"]), execs.last(), "{t}: {pid} argv");
                    assert_eq!(c["path"], p["path"], "{t}: {pid} path");
                    assert_eq!(p["inherited"], false, "{t}: {pid}");
                    if !c["status"].is_null() {
                        assert_eq!(c["status"], p["status"], "{t}: {pid} exit status");
                    }
                    assert_eq!(c["ppid"], p["ppid"], "{t}: {pid} parent");
                    assert_eq!(c["parent_id"], p["parent_id"], "{t}: {pid} parent id");
                    checked += 1;
                }
                None => assert!(execs.is_empty(), "{t}: {pid} ran a program commands lacks"),
            }
        }
        assert!(checked > 10, "{t}: {checked} processes with a program");

        // tree: every process once, with the parent ps gives it.
        let tree = lines(&["tree", "--json", t]);
        let mut seen = BTreeSet::new();
        for v in tree.iter().filter(|v| v["context"] == false) {
            let tid = id(v);
            let p = &ps[&tid];
            assert_eq!(v["parent_id"], p["parent_id"], "{t}: {tid} tree parent");
            assert_eq!(v["status"], p["status"], "{t}: {tid} tree status");
            assert!(seen.insert(tid), "{t}: printed twice");
        }
        assert_eq!(seen.len(), ps.len(), "{t}: tree and ps processes");

        // files, errors, net: the processes they name are ps's, with the same pid and host.
        for tool in ["files", "errors", "net"] {
            for v in lines(&[tool, "--json", t]) {
                let vid = id(&v);
                let p = ps
                    .get(&vid)
                    .unwrap_or_else(|| panic!("{t}: {tool} names {vid}, ps does not"));
                assert_eq!(v["pid"], p["pid"], "{t}: {tool} {vid}");
                assert_eq!(v["host"], p["host"], "{t}: {tool} {vid}");
            }
        }
    }
}

#[test]
fn stable_ids_do_not_change_with_the_reading() {
    // The same trail read whole, or with a selection that drops records, names each process
    // the same (ids come from host, pid and start time, not from the order of reading).
    let trail = root().join("corpus/sample.bsm");
    let t = trail.to_str().unwrap();
    let all: BTreeSet<String> = lines(&["ps", "--json", t]).iter().map(id).collect();
    let execs: BTreeSet<String> = lines(&["ps", "--json", "--event", "AUE_EXECVE", t])
        .iter()
        .map(id)
        .collect();
    assert!(!execs.is_empty() && execs.len() < all.len());
    assert!(execs.is_subset(&all));
    // Per host: the same trail under two host names gives ids that name the host.
    let a: Vec<String> = lines(&["ps", "--json", "--host", "mac1", t])
        .iter()
        .map(id)
        .collect();
    assert!(a.iter().all(|i| i.starts_with("mac1/")));
    assert_eq!(
        a.iter()
            .map(|i| i.trim_start_matches("mac1/").to_string())
            .collect::<BTreeSet<_>>(),
        all
    );
}
