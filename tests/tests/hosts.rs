//! Many hosts: a tree of per-host trail directories (as auditdistd's receiver keeps them), host
//! attribution, and `knox verify` finding every problem planted in the tree, at its offset, and
//! nothing in the clean oracle and corpus trails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bsm_format::encode::RecordBuilder;
use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::{EventType, Time, Token};
use knox_tests::{knox, oracle, root};

/// 2023-11-14 22:00:00 UTC.
const T0: u64 = 1_699_999_200;

/// A record at second `sec`, with a seq token when given.
fn rec(sec: u64, seq: Option<u32>) -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType(72), Time::new(sec, 0));
    if let Some(n) = seq {
        b.push(&Token::Seq(n));
    }
    b.push(&Token::Path(bsm_format::Text(b"/etc/hosts\0")));
    knox_tests::finish_record(b, 100, 0)
}

/// What was planted, to check verify against.
#[derive(Default)]
struct Planted {
    /// file name → (offset of the damage, its length)
    damage: BTreeMap<String, Vec<(u64, u64)>>,
    seq_gaps: BTreeMap<String, Vec<u64>>,
    seq_repeats: BTreeMap<String, Vec<u64>>,
    backwards: BTreeMap<String, Vec<u64>>,
    records: BTreeMap<String, u64>,
}

struct Tree {
    dir: PathBuf,
    planted: Planted,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// mac1/: three trail files, 22:00-22:01, 22:01-22:02, then 22:05 on (not terminated): five
/// records lost between seq 69 and 75, seq 80 twice, time jumping back an hour, 13 bytes of
/// garbage, and a partial last record. bsd2/: a clean generated trail with a host suffix.
/// A stray NOTES.txt beside them.
fn tree(tag: &str) -> Tree {
    let dir = std::env::temp_dir().join(format!("knox-hosts-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mac = dir.join("mac1");
    let mut p = Planted::default();

    // A: seq 1..=50, one a second.
    let a = "20231114220000.20231114220100";
    let bytes: Vec<u8> = (1..=50).flat_map(|i| rec(T0 + i as u64, Some(i))).collect();
    p.records.insert(a.into(), 50);
    write(&mac, a, &bytes);

    // B: seq 51..=100 without 70..=74, and 80 twice.
    let b = "20231114220100.20231114220200";
    let mut bytes = Vec::new();
    let mut n = 0;
    for i in 51..=100u32 {
        if (70..=74).contains(&i) {
            continue;
        }
        if i == 75 {
            p.seq_gaps
                .entry(b.into())
                .or_default()
                .push(bytes.len() as u64);
        }
        bytes.extend(rec(T0 + 60 + (i as u64 - 50) / 2, Some(i)));
        n += 1;
        if i == 80 {
            p.seq_repeats
                .entry(b.into())
                .or_default()
                .push(bytes.len() as u64);
            bytes.extend(rec(T0 + 75, Some(80)));
            n += 1;
        }
    }
    p.records.insert(b.into(), n);
    write(&mac, b, &bytes);

    // C: from 22:05 (a gap of three minutes), no seq; an hour back at record 5, garbage after
    // record 10, the last record cut short.
    let c = "20231114220500.not_terminated";
    let mut bytes = Vec::new();
    for i in 0..20u64 {
        if i == 5 {
            p.backwards
                .entry(c.into())
                .or_default()
                .push(bytes.len() as u64);
            bytes.extend(rec(T0 + 300 - 3600, None));
            continue;
        }
        if i == 10 {
            p.damage
                .entry(c.into())
                .or_default()
                .push((bytes.len() as u64, 13));
            bytes.extend([0x5a; 13]);
        }
        bytes.extend(rec(T0 + 300 + i, None));
    }
    let last = rec(T0 + 400, None);
    p.damage
        .entry(c.into())
        .or_default()
        .push((bytes.len() as u64, last.len() as u64 - 5));
    bytes.extend(&last[..last.len() - 5]);
    p.records.insert(c.into(), 20);
    write(&mac, c, &bytes);
    write(&mac, "NOTES.txt", b"copied from mac1 on 2023-11-15\n");

    // bsd2/: a clean trail named with its host.
    let bsd = "20231114220000.20231114221000.bsd2.example.org";
    let trail = Generator::new(4).headers(HeaderMix::H32).trail(300);
    p.records.insert(bsd.into(), 300);
    write(&dir.join("bsd2"), bsd, &trail);
    write(&dir, "NOTES.txt", b"case 42\n");
    Tree { dir, planted: p }
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn name(v: &serde_json::Value) -> String {
    v["file"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn verify_finds_everything_planted_in_a_tree_at_its_offset() {
    let t = tree("verify");
    let dir = t.dir.to_str().unwrap();
    let (code, out, err) = knox(&["verify", "--json", dir], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("skipped ") && err.contains("mac1/NOTES.txt: not a trail file name"),
        "{err}"
    );
    let lines = json_lines(&out);
    let files: BTreeMap<String, &serde_json::Value> = lines
        .iter()
        .filter(|v| v["type"] == "file")
        .map(|v| (name(v), v))
        .collect();
    assert_eq!(files.len(), 4);
    let p = &t.planted;
    for (f, v) in &files {
        let offsets = |k: &str| -> Vec<u64> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x["offset"].as_u64().unwrap())
                .collect()
        };
        let damage: Vec<(u64, u64)> = v["damage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["offset"].as_u64().unwrap(), d["length"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            damage,
            p.damage.get(f).cloned().unwrap_or_default(),
            "{f} damage"
        );
        assert_eq!(
            offsets("seq_gaps"),
            p.seq_gaps.get(f).cloned().unwrap_or_default(),
            "{f}"
        );
        assert_eq!(
            offsets("seq_repeats"),
            p.seq_repeats.get(f).cloned().unwrap_or_default(),
            "{f}"
        );
        assert_eq!(
            offsets("time_backwards"),
            p.backwards.get(f).cloned().unwrap_or_default(),
            "{f}"
        );
        assert_eq!(v["records"], p.records[f], "{f} records");
    }
    let c = files["20231114220500.not_terminated"];
    assert_eq!(c["state"], "not_terminated");
    assert_eq!(c["partial_record"], true);
    assert_eq!(c["damage"][0]["recovered"], 10, "records after the garbage");
    assert_eq!(c["gap_before"]["seconds"], 180);
    assert_eq!(files["20231114220000.20231114220100"]["findings"], 0);
    let gap = &files["20231114220100.20231114220200"]["seq_gaps"][0];
    assert_eq!(
        (gap["expected"].as_u64(), gap["found"].as_u64()),
        (Some(70), Some(75))
    );
    // Hosts: from the directory for mac1, from the file name's suffix for bsd2.
    assert_eq!(files["20231114220000.20231114220100"]["host"], "mac1");
    assert_eq!(
        files["20231114220000.20231114221000.bsd2.example.org"]["host"],
        "bsd2.example.org"
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["records"], p.records.values().sum::<u64>());
    // Each finding once: three planted in B... every finding is counted in the summary.
    assert_eq!(summary["findings"], 2 + 1 + 1 + 1 + 1 + 1);
    // Text says the same.
    let (code, text, _) = knox(&["verify", dir], None);
    assert_eq!(code, 1);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("7 problems found in 4 files"), "{text}");
    assert!(text.contains("seq gap at offset"));
}

#[test]
fn verify_finds_nothing_in_clean_trails() {
    let mut trails = vec![
        root().join("corpus/sample.bsm"),
        root().join("corpus/macos-h32.bsm"),
    ];
    if let Some(o) = oracle() {
        for n in [
            "mixed_1000_h32",
            "mixed_1000_h64",
            "mixed_1000_mixed",
            "errno_sweep",
            "event_sweep",
        ] {
            trails.push(o.join(format!("trails/{n}.bsm")));
        }
        if let Some(r) = knox_tests::openbsm_reference() {
            trails.push(r.join("execve-long-args.trail"));
        }
    }
    for t in trails {
        let (code, out, err) = knox(&["verify", t.to_str().unwrap()], None);
        let out = String::from_utf8(out).unwrap();
        assert_eq!((code, err.as_str()), (0, ""), "{}: {out}", t.display());
        assert!(out.contains("no problems found in 1 file\n"), "{out}");
    }
}

#[test]
fn records_carry_their_host_and_a_tree_counts_what_its_files_count() {
    let t = tree("json");
    let dir = t.dir.to_str().unwrap();
    let (_, out, err) = knox(&["json", "-j", "2", dir], None);
    assert!(err.contains("NOTES.txt: not a trail file name"), "{err}");
    let mut per_file: BTreeMap<String, u64> = BTreeMap::new();
    for v in json_lines(&out) {
        let f = name(&v);
        let want = if f.ends_with("bsd2.example.org") {
            "bsd2.example.org"
        } else {
            "mac1"
        };
        assert_eq!(v["host"], want, "{f}");
        if v["kind"] != "file" {
            *per_file.entry(f).or_default() += 1;
        }
    }
    // The tree counts exactly what its files count one by one.
    let mut sum = 0;
    for (f, n) in &per_file {
        let path = t
            .dir
            .join(if f.contains("bsd2") { "bsd2" } else { "mac1" })
            .join(f);
        let (_, out, _) = knox(&["stats", "--json", path.to_str().unwrap()], None);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["records"].as_u64().unwrap(), *n, "{f}");
        sum += n;
    }
    let (_, out, _) = knox(&["stats", "--json", dir], None);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["records"].as_u64().unwrap(), sum);
    // --host names every input; text reports add a host column when there are several.
    let (_, out, _) = knox(&["ps", "--json", "--host", "case42", dir], None);
    assert!(json_lines(&out).iter().all(|v| v["host"] == "case42"));
    let (_, out, _) = knox(&["ps", dir], None);
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("HOST "), "{out}");
    assert!(out.lines().any(|l| l.starts_with("mac1 ")));
    assert!(out.lines().any(|l| l.starts_with("bsd2.example.org ")));
    let (_, out, _) = knox(&["ps", t.dir.join("bsd2").to_str().unwrap()], None);
    assert!(!String::from_utf8(out).unwrap().starts_with("HOST"));
}

#[test]
fn processes_are_per_host() {
    // The same trail under two hosts: the same pids are different processes.
    let dir = std::env::temp_dir().join(format!("knox-hosts2-{}", std::process::id()));
    let trail = Generator::new(9).headers(HeaderMix::Mixed).trail(500);
    for h in ["a", "b"] {
        write(&dir.join(h), "20231114220000.20231114221000", &trail);
    }
    let (_, one, _) = knox(&["ps", "--json", dir.join("a").to_str().unwrap()], None);
    let (_, both, _) = knox(&["ps", "--json", dir.to_str().unwrap()], None);
    let (one, both) = (json_lines(&one), json_lines(&both));
    assert_eq!(both.len(), 2 * one.len());
    let ids: std::collections::BTreeSet<&str> =
        both.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), both.len(), "an id names one process");
    assert!(both.iter().all(|v| {
        let id = v["id"].as_str().unwrap();
        id.starts_with(&format!("{}/", v["host"].as_str().unwrap()))
    }));
    std::fs::remove_dir_all(&dir).unwrap();
}
