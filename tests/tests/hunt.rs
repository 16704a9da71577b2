//! `knox hunt`: SigmaHQ's macOS rules on trails written with the project's generator (each rule
//! matches its witness and none of its near misses), golden outputs of the project's own rules in
//! every format, OCSF findings checked against the schema, the field table against the code,
//! `--follow`, `--exec`, `--fail-on`, and the same output at any `-j`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bsm_format::generate::Generator;
use bsm_format::Address;
use knox_tests::witness::{self, RuleDoc, Story};
use knox_tests::{knox, root};
use serde_json::Value;

fn own_rules() -> PathBuf {
    root().join("tests/data/hunt")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("knox-hunt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every SigmaHQ rule BSM can serve matches a process (or file) made to its measure, and none of
/// its near misses: its texts broken at their edges, another parent, what its filters exclude,
/// a read instead of a create, a create that failed.
#[test]
fn sigmahq_rules_match_their_witnesses_and_not_their_near_misses() {
    let Some(shared) = knox_tests::shared() else {
        return;
    };
    let rules_dir = shared.join("sigma/rules");
    let set = knox_hunt::RuleSet::load(std::slice::from_ref(&rules_dir)).unwrap();
    let not_served: BTreeSet<PathBuf> = set.skipped.iter().map(|s| s.path.clone()).collect();
    let mut g = Generator::new(22);
    let mut trail = Vec::new();
    // Child pid -> (rule, case).
    let mut by_pid: BTreeMap<u32, (usize, witness::Case)> = BTreeMap::new();
    let mut docs = Vec::new();
    let mut unbuildable = Vec::new();
    for path in witness::rule_files(&rules_dir) {
        if not_served.contains(&path) {
            continue;
        }
        let doc = RuleDoc::read(&path).unwrap_or_else(|| panic!("{}", path.display()));
        match doc.cases() {
            Ok(cases) => {
                for c in cases {
                    let pid = witness::write_story(&mut g, &c.story, &mut trail);
                    by_pid.insert(pid, (docs.len(), c));
                }
                docs.push(doc);
            }
            Err(e) => unbuildable.push(e),
        }
    }
    assert!(unbuildable.is_empty(), "{unbuildable:#?}");
    assert_eq!(docs.len(), set.rules.len());
    assert!(docs.len() >= 70, "{} rules", docs.len());
    let dir = temp_dir("witnesses");
    let file = dir.join("witnesses.bsm");
    std::fs::write(&file, &trail).unwrap();
    let (f, r) = (file.to_str().unwrap(), rules_dir.to_str().unwrap());
    let (code, out, err) = knox(&["hunt", "--sigma", r, "--json", "-j", "1", f], None);
    assert_eq!(code, 0, "{err}");
    // -j N gives the same output.
    let (code2, out2, _) = knox(&["hunt", "--sigma", r, "--json", "-j", "2", f], None);
    assert_eq!((code2, &out2), (0, &out));

    let mut matched: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    for m in json_lines(&out) {
        let pid = m["process"]["pid"].as_u64().unwrap() as u32;
        matched.entry(pid).or_default().push(m);
    }
    let mut wrong = Vec::new();
    let mut near_misses = 0;
    for (pid, (rule, case)) in &by_pid {
        let doc = &docs[*rule];
        let ours: Vec<&Value> = matched
            .get(pid)
            .map(|v| {
                v.iter()
                    .filter(|m| m["rule"]["id"] == doc.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let name = doc.path.file_name().unwrap().to_string_lossy();
        if case.matches == ours.is_empty() {
            wrong.push(format!(
                "{name} ({}): {}: expected {}, got {}: {:?}",
                doc.title,
                case.what,
                if case.matches { "a match" } else { "none" },
                ours.len(),
                case.story
            ));
            continue;
        }
        if !case.matches {
            near_misses += 1;
            continue;
        }
        // The match says what the trail said.
        let m = ours[0];
        let s = &case.story;
        let checks = [
            (&m["process"]["image"], s.image.as_str()),
            (&m["parent"]["image"], s.parent_image.as_str()),
            (&m["fields"]["Image"], s.image.as_str()),
        ];
        for (got, want) in checks {
            if got != want {
                wrong.push(format!("{name}: {}: {got} is not {want:?}", case.what));
            }
        }
        if let Some(t) = &s.target {
            if m["target"] != t.as_str() || m["category"] != "file_event" {
                wrong.push(format!("{name}: {}: target {}", case.what, m["target"]));
            }
        } else if m["process"]["command_line"] != s.command_line.as_str()
            || m["fields"]["ParentImage"] != s.parent_image.as_str()
        {
            wrong.push(format!("{name}: {}: {m}", case.what));
        }
        if m["rule"]["author"] == "unknown" || m["rule"]["author"] == "" {
            wrong.push(format!("{name}: no author: {m}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every rule had at least one near miss.
    let with_miss: BTreeSet<usize> = by_pid
        .values()
        .filter(|(_, c)| !c.matches)
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(with_miss.len(), docs.len());
    assert!(near_misses > docs.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The rules BSM cannot serve are said on stderr with why, and listed in the README.
#[test]
fn rules_bsm_cannot_serve_are_named_and_listed_in_the_readme() {
    let Some(shared) = knox_tests::shared() else {
        return;
    };
    let rules_dir = shared.join("sigma/rules");
    let set = knox_hunt::RuleSet::load(std::slice::from_ref(&rules_dir)).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (code, out, err) = knox(
        &["hunt", "--sigma", rules_dir.to_str().unwrap(), "-"],
        Some(b""),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    assert!(!set.skipped.is_empty());
    for s in &set.skipped {
        assert!(
            matches!(s.why, knox_hunt::Skip::Unsupported(_)),
            "{}: {:?}",
            s.path.display(),
            s.why
        );
        let title = s.title.as_deref().unwrap();
        let line = err
            .lines()
            .find(|l| l.contains(&s.path.display().to_string()))
            .unwrap_or_else(|| panic!("{} not named: {err}", s.path.display()));
        assert!(line.contains(title) && line.contains(s.why.why()), "{line}");
        assert!(readme.contains(title), "the README does not list {title}");
    }
    let summary = err.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!("knox hunt: {} rules evaluated (", set.rules.len()))
            && summary.contains(&format!("{} not evaluated", set.skipped.len())),
        "{summary}"
    );
}

/// The trail of the golden outputs: what the project's own rules look for, and near misses.
fn golden_trail() -> Vec<u8> {
    let mut g = Generator::new(7);
    let mut out = Vec::new();
    let story = |image: &str, line: &str, parent: &str| Story {
        image: image.into(),
        command_line: line.into(),
        parent_image: parent.into(),
        parent_command_line: parent.rsplit('/').next().unwrap().into(),
        target: None,
        create: true,
        errno: 0,
    };
    // A download to /tmp (high), and the same by the software updater (filtered out).
    witness::write_story(
        &mut g,
        &story(
            "/usr/bin/curl",
            "curl -s -o /tmp/payload https://example.org/p",
            "/bin/zsh",
        ),
        &mut out,
    );
    witness::write_story(
        &mut g,
        &story(
            "/usr/bin/curl",
            "curl -o /tmp/update.pkg https://example.org/u",
            "/System/Library/CoreServices/softwareupdated",
        ),
        &mut out,
    );
    // A property list in a LaunchAgents folder (medium), and one only read.
    let mut plist = story("/usr/bin/python3", "python3 install.py", "/bin/bash");
    plist.target = Some("/Users/alice/Library/LaunchAgents/com.example.agent.plist".into());
    let child = witness::write_story(&mut g, &plist, &mut out);
    assert!(g.scripted_open(
        child,
        "/Users/alice/Library/LaunchAgents/com.apple.read.plist",
        false,
        0,
        &mut out
    ));
    // Port 4444 on a private network (critical), and on a public one.
    assert!(g.scripted_connect(child, Address::V4([10, 1, 2, 3]), 4444, &mut out));
    assert!(g.scripted_connect(child, Address::V4([8, 8, 8, 8]), 4444, &mut out));
    out
}

fn golden_file() -> (PathBuf, PathBuf) {
    let dir = temp_dir(&format!("golden-{:?}", std::thread::current().id()));
    let file = dir.join("trail.bsm");
    std::fs::write(&file, golden_trail()).unwrap();
    (dir, file)
}

fn hunt_args<'a>(rules: &'a str, file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let corpus: &'static str = Box::leak(
        root()
            .join("corpus")
            .to_str()
            .unwrap()
            .to_string()
            .into_boxed_str(),
    );
    let passwd: &'static str = Box::leak(format!("{corpus}/passwd").into_boxed_str());
    let group: &'static str = Box::leak(format!("{corpus}/group").into_boxed_str());
    let mut a = vec![
        "hunt", "--sigma", rules, "--utc", "--passwd", passwd, "--group", group,
    ];
    a.extend_from_slice(extra);
    a.push(file);
    a
}

/// Paths of this run replaced, for the snapshots.
fn stable(text: &str, file: &Path) -> String {
    text.replace(file.to_str().unwrap(), "TRAIL")
        .replace(own_rules().to_str().unwrap(), "RULES")
}

#[test]
fn golden_text_json_and_ocsf() {
    let (dir, file) = golden_file();
    let rules = own_rules();
    let (r, f) = (rules.to_str().unwrap(), file.to_str().unwrap());
    let (code, text, err) = knox(&hunt_args(r, f, &[]), None);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(
        "hunt_text",
        stable(&String::from_utf8(text).unwrap(), &file)
    );
    insta::assert_snapshot!("hunt_stderr", stable(&err, &file));
    let (code, json, _) = knox(&hunt_args(r, f, &["--json"]), None);
    assert_eq!(code, 0);
    let json_text = stable(&String::from_utf8(json.clone()).unwrap(), &file);
    insta::assert_snapshot!("hunt_json", json_text);
    let (code, ocsf, _) = knox(&hunt_args(r, f, &["--format", "ocsf"]), None);
    assert_eq!(code, 0);
    insta::assert_snapshot!(
        "hunt_ocsf",
        stable(&String::from_utf8(ocsf.clone()).unwrap(), &file)
    );

    // What the snapshots hold, said outright: three matches, one per rule, the near misses
    // left out, each naming the rule's author.
    let matches = json_lines(&json);
    let titles: Vec<&str> = matches
        .iter()
        .map(|m| m["rule"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Test - curl writing a download to /tmp",
            "Test - property list written in a LaunchAgents folder",
            "Test - connection to a private network on port 4444",
        ]
    );
    assert!(matches.iter().all(|m| m["rule"]["author"] == "knox tests"));
    assert_eq!(matches[0]["parent"]["image"], "/bin/zsh");
    assert_eq!(
        matches[1]["target"],
        "/Users/alice/Library/LaunchAgents/com.example.agent.plist"
    );
    assert_eq!(matches[2]["fields"]["DestinationIp"], "10.1.2.3");
    assert_eq!(matches[2]["fields"]["Initiated"], "true");
    let findings = json_lines(&ocsf);
    assert_eq!(findings.len(), 3);
    for (f, m) in findings.iter().zip(&matches) {
        assert_eq!(f["class_uid"], 2004);
        assert_eq!(f["finding_info"]["analytic"]["uid"], m["rule"]["id"]);
        assert!(f["message"].as_str().unwrap().contains("knox tests"));
        assert_eq!(f["evidences"][0]["process"]["pid"], m["process"]["pid"]);
    }
    assert_eq!(findings[2]["severity_id"], 5);
    // -j 2: the same.
    let (_, json2, _) = knox(&hunt_args(r, f, &["--json", "-j", "2"]), None);
    assert_eq!(json2, json);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn findings_are_valid_ocsf() {
    let Some(shared) = knox_tests::shared() else {
        return;
    };
    let schema = knox_tests::ocsf::Schema::load(&shared.join("ocsf/ocsf-1.8.0.json"));
    let (dir, file) = golden_file();
    let rules = own_rules();
    let (code, out, err) = knox(
        &hunt_args(
            rules.to_str().unwrap(),
            file.to_str().unwrap(),
            &["--format", "ocsf"],
        ),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let findings = json_lines(&out);
    assert_eq!(findings.len(), 3);
    for f in &findings {
        let problems = schema.validate(f);
        assert!(problems.is_empty(), "{problems:#?}\n{f}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fail_on_exits_3_at_or_above_the_level() {
    let (dir, file) = golden_file();
    let rules = own_rules();
    let (r, f) = (rules.to_str().unwrap(), file.to_str().unwrap());
    // Matches are high, medium and critical.
    assert_eq!(
        knox(&hunt_args(r, f, &["--fail-on", "critical"]), None).0,
        3
    );
    let curl = rules.join("process_curl_download.yml");
    let c = curl.to_str().unwrap();
    assert_eq!(
        knox(&hunt_args(c, f, &["--fail-on", "critical"]), None).0,
        0
    );
    assert_eq!(knox(&hunt_args(c, f, &["--fail-on", "high"]), None).0, 3);
    assert_eq!(knox(&hunt_args(c, f, &["--fail-on", "LOW"]), None).0, 3);
    let (code, _, err) = knox(&hunt_args(c, f, &["--fail-on", "severe"]), None);
    assert_eq!(code, 2);
    assert!(err.contains("unknown level"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_invalid_rule_is_named_and_exits_2_after_the_others_ran() {
    let (dir, file) = golden_file();
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(
        own_rules().join("process_curl_download.yml"),
        rules.join("curl.yml"),
    )
    .unwrap();
    std::fs::write(
        rules.join("broken.yml"),
        "title: Broken\nlogsource:\n  product: macos\n  category: process_creation\n\
         detection:\n  sel:\n    Image: x\n  condition: sel and nothing\n",
    )
    .unwrap();
    let (code, out, err) = knox(
        &hunt_args(rules.to_str().unwrap(), file.to_str().unwrap(), &["--json"]),
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(json_lines(&out).len(), 1);
    let line = err.lines().find(|l| l.contains("broken.yml")).unwrap();
    assert!(
        line.starts_with("knox hunt: invalid rule: ")
            && line.contains("(Broken)")
            && line.contains("nothing"),
        "{line}"
    );
    // No rule at all for BSM: a usage error.
    let (code, _, err) = knox(
        &hunt_args(
            own_rules().join("windows_only.yml").to_str().unwrap(),
            file.to_str().unwrap(),
            &[],
        ),
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no rule to evaluate"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exec_hands_each_match_to_the_command() {
    let (dir, file) = golden_file();
    let rules = own_rules();
    let (r, f) = (rules.to_str().unwrap(), file.to_str().unwrap());
    let got = dir.join("got.jsonl");
    let cmd = format!("cat >> '{}'", got.display());
    let (code, _, err) = knox(&hunt_args(r, f, &["--exec", &cmd]), None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("--exec ran 3 times: 0 failed, 0 timed out, 0 matches dropped"),
        "{err}"
    );
    let (_, json, _) = knox(&hunt_args(r, f, &["--json"]), None);
    // One JSON object per run, in order, each the match's --json line.
    let received = std::fs::read(&got).unwrap();
    assert_eq!(json_lines(&received), json_lines(&json));
    // A command that outlives its timeout is killed and counted, and reading went on.
    let t = Instant::now();
    let (code, out, err) = knox(
        &hunt_args(r, f, &["--exec", "sleep 30", "--exec-timeout", "1"]),
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
    assert!(
        err.contains("--exec ran 3 times: 0 failed, 3 timed out"),
        "{err}"
    );
    assert!(t.elapsed() < Duration::from_secs(25), "{:?}", t.elapsed());
    // A failing command is counted.
    let (_, _, err) = knox(&hunt_args(r, f, &["--exec", "exit 1"]), None);
    assert!(err.contains("--exec ran 3 times: 3 failed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A match is reported within a second of its record reaching a followed file.
#[test]
fn follow_reports_a_match_within_a_second() {
    let dir = temp_dir("follow");
    let file = dir.join("current");
    std::fs::write(&file, b"").unwrap();
    let rules = own_rules();
    let (mut child, lines) = knox_tests::knox_lines(&[
        "hunt",
        "--sigma",
        rules.to_str().unwrap(),
        "--json",
        "--follow",
        file.to_str().unwrap(),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    let mut g = Generator::new(3);
    for (i, line) in ["curl -o /tmp/a https://e/a", "curl -o /tmp/b https://e/b"]
        .iter()
        .enumerate()
    {
        let mut rec = Vec::new();
        let s = Story {
            image: "/usr/bin/curl".into(),
            command_line: line.to_string(),
            parent_image: "/bin/sh".into(),
            parent_command_line: "sh".into(),
            target: None,
            create: true,
            errno: 0,
        };
        witness::write_story(&mut g, &s, &mut rec);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        std::io::Write::write_all(&mut f, &rec).unwrap();
        drop(f);
        let written = Instant::now();
        let got = lines
            .recv_timeout(Duration::from_secs(1))
            .unwrap_or_else(|_| panic!("match {i}: nothing within a second"));
        assert!(written.elapsed() <= Duration::from_secs(1));
        let v: Value = serde_json::from_str(&got).unwrap();
        assert_eq!(v["process"]["command_line"], *line);
    }
    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The field table in docs/ is the code's, and each category's record fills its fields.
#[test]
fn the_field_table_is_the_codes() {
    let (code, out, _) = knox(&["hunt", "--fields"], None);
    assert_eq!(code, 0);
    let doc = std::fs::read_to_string(root().join("docs/sigma-fields.md")).unwrap();
    assert_eq!(
        doc,
        String::from_utf8(out).unwrap(),
        "docs/sigma-fields.md is stale: knox hunt --fields > docs/sigma-fields.md"
    );
    let (dir, file) = golden_file();
    let (_, json, _) = knox(
        &hunt_args(
            own_rules().to_str().unwrap(),
            file.to_str().unwrap(),
            &["--json"],
        ),
        None,
    );
    for m in json_lines(&json) {
        let category = knox_model::sigma::Category::parse(m["category"].as_str().unwrap()).unwrap();
        let want: BTreeSet<&str> = knox_model::sigma::FIELDS
            .iter()
            .filter(|f| f.category == category)
            .map(|f| f.name)
            .collect();
        let mut got: BTreeSet<&str> = m["fields"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        // A connect record names no local address.
        if category == knox_model::sigma::Category::NetworkConnection {
            got.extend(["SourceIp", "SourcePort"]);
        }
        assert_eq!(got, want, "{m}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
