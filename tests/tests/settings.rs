//! One set of settings for every tool: the time zone (`TZ`, `--utc`, `--json-zone`) and where
//! user names come from (`--passwd`, `--group`, this host, `-n`).

use knox_tests::{knox_bin, knox_with, root};

/// Every tool and form that prints a time, on a trail of the corpus.
const TIMED: [&[&str]; 14] = [
    &["stats"],
    &["stats", "--json"],
    &["praudit"],
    &["praudit", "-x"],
    &["json"],
    &["commands", "--long"],
    &["commands", "--json"],
    &["ps"],
    &["ps", "--json"],
    &["files"],
    &["files", "--json"],
    &["errors", "--json"],
    &["net"],
    &["net", "--json"],
];

fn run(args: &[&str], tz: &str) -> String {
    let trail = root().join("corpus/sample.bsm");
    let mut a = args.to_vec();
    a.push(trail.to_str().unwrap());
    let (code, out, err) = knox_with(&knox_bin(), &a, None, &[("TZ", tz)]);
    let err = knox_tests::without_names_note(&err);
    assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
    String::from_utf8(out).unwrap()
}

fn with(args: &[&str], more: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = args
        .iter()
        .map(|s| -> &'static str { Box::leak(s.to_string().into_boxed_str()) })
        .collect();
    v.extend_from_slice(more);
    v
}

#[test]
fn utc_prints_what_tz_utc_prints_and_text_follows_tz() {
    for tool in TIMED {
        let json = tool.contains(&"--json") || tool[0] == "json";
        let tokyo = run(tool, "Asia/Tokyo");
        let utc_env = run(tool, "UTC");
        let utc_flag = run(&with(tool, &["--utc"]), "Asia/Tokyo");
        assert_eq!(utc_flag, utc_env, "{tool:?}: --utc is not TZ=UTC");
        match (json, tool[0]) {
            (_, "praudit") => {
                // ctime: the same moment, nine hours later on the clock.
                assert!(utc_env.contains("Tue Nov 14 22:13:20 2023"), "{tool:?}");
                assert!(tokyo.contains("Wed Nov 15 07:13:20 2023"), "{tool:?}");
            }
            (false, _) => {
                assert!(
                    tokyo.contains("+09:00") && !tokyo.contains("+00:00"),
                    "{tool:?}"
                );
                assert!(utc_env.contains("+00:00"), "{tool:?}");
            }
            (true, _) => {
                // JSON keeps UTC whatever TZ says, unless asked to follow the zone.
                assert_eq!(tokyo, utc_env, "{tool:?}: JSON changed with TZ");
                assert!(
                    tokyo.contains("Z\"") && !tokyo.contains("+09:00"),
                    "{tool:?}"
                );
                let zoned = run(&with(tool, &["--json-zone"]), "Asia/Tokyo");
                assert!(
                    zoned.contains("+09:00") && !zoned.contains("Z\""),
                    "{tool:?}"
                );
            }
        }
    }
}

#[test]
fn the_timeline_page_names_its_zone() {
    let dir = std::env::temp_dir().join(format!("knox-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("t.html");
    for (tz, want) in [
        ("Asia/Tokyo", "local time (UTC+09:00)"),
        ("UTC", "local time (UTC+00:00)"),
    ] {
        run(&["timeline", "--html", page.to_str().unwrap()], tz);
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains(&format!("\"zone\":\"{want}\"")), "{tz}");
        assert!(html.contains(if tz == "UTC" { "+00:00" } else { "+09:00" }));
    }
    run(
        &["timeline", "--utc", "--html", page.to_str().unwrap()],
        "Asia/Tokyo",
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("\"zone\":\"UTC\"") && html.contains("\"offsets\":[["));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn names_come_from_the_given_account_files_in_every_tool() {
    let dir = std::env::temp_dir().join(format!("knox-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The sample trail's users are 0, 501, 1001 and 1002; its groups 0 and 20.
    let passwd = dir.join("passwd");
    std::fs::write(
        &passwd,
        "root:*:0:0::/:/bin/sh\nalice:*:501:20::/:/bin/zsh\nbob:*:1001:20::/:/bin/zsh\ncarol:*:1002:20::/:/bin/zsh\n",
    )
    .unwrap();
    let group = dir.join("group");
    std::fs::write(&group, "wheel:*:0:root\nstaff:*:20:alice\n").unwrap();
    let files = [
        "--passwd",
        passwd.to_str().unwrap(),
        "--group",
        group.to_str().unwrap(),
    ];
    let files: Vec<&'static str> = files
        .iter()
        .map(|s| -> &'static str { Box::leak(s.to_string().into_boxed_str()) })
        .collect();
    for (tool, want) in [
        (&["praudit"][..], ",alice,alice,staff,alice,staff,"),
        (&["commands", "--long"], " alice "),
        (&["commands", "--json"], "\"user\":\"alice\""),
        (&["ps"], " alice "),
        (&["ps", "--json"], "\"user\":\"alice\""),
    ] {
        let out = run(&with(tool, &files), "UTC");
        assert!(out.contains(want), "{tool:?}: no {want:?}");
        assert!(out.contains("bob"), "{tool:?}");
    }
    // -n and -r print numbers.
    let out = run(&with(&["praudit", "-n"], &files), "UTC");
    assert!(!out.contains("subject,alice") && out.contains("subject,501,501,20,501,20,"));
    // A selection names users the same way.
    let out = run(&with(&["ps", "--json", "--euid", "alice"], &files), "UTC");
    assert!(!out.is_empty() && out.lines().all(|l| l.contains("\"user\":\"alice\"")));
    std::fs::remove_dir_all(&dir).unwrap();
}
