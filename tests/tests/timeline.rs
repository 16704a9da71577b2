//! `knox timeline --html`: the page renders in headless Chromium without script errors, shows the
//! process tree and the time lanes, and needs no network. A screenshot is saved under target/.

use std::process::Command;

use knox_tests::{knox, root};

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

fn headless(args: &[&str], profile: &std::path::Path) -> std::process::Output {
    Command::new(chromium().unwrap())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

#[test]
fn the_timeline_page_renders_in_chromium() {
    if std::env::var("KNOX_BROWSER").is_ok_and(|v| v == "skip") {
        knox_tests::skip("Chromium (KNOX_BROWSER=skip)");
        return;
    }
    if chromium().is_none() {
        panic!(
            "Chromium is missing: install it (apt-get install chromium; .ci/run does), or set \
             KNOX_BROWSER=skip to skip this test"
        );
    }
    let out_dir = root().join("target/timeline-test");
    std::fs::create_dir_all(&out_dir).unwrap();
    let page = out_dir.join("sample.html");
    let (code, _, err) = knox(
        &[
            "timeline",
            "--utc",
            "--html",
            page.to_str().unwrap(),
            "corpus/sample.bsm",
        ],
        None,
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no external script or stylesheet, and the page's own code names no URL
    // but the SVG namespace.
    assert!(!html.contains("<script src") && !html.contains("<link"));
    let code = html
        .split("const DATA")
        .next()
        .unwrap()
        .replace("http://www.w3.org/2000/svg", "");
    assert!(!code.contains("http://") && !code.contains("https://"));

    let url = format!("file://{}", page.display());
    let dom = headless(&["--dump-dom", &url], &out_dir.join("profile-dom"));
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-status=\"ok\""),
        "the page's script failed: {}",
        dom.lines()
            .find(|l| l.contains("data-status"))
            .unwrap_or("no status")
    );
    let lanes = dom.matches("class=\"lane\"").count();
    let tree_items = dom.matches("<li>").count();
    assert!(lanes > 100, "{lanes} lanes");
    assert!(tree_items > 100, "{tree_items} tree items");
    let (_, ps, _) = knox(&["ps", "--json", "corpus/sample.bsm"], None);
    let processes = String::from_utf8(ps).unwrap().lines().count();
    assert!(
        dom.contains(&format!("{processes} processes")),
        "counts line missing"
    );
    // A labelled time axis in the chosen zone (UTC here), and the from/to controls show times:
    // the sample trail runs from 22:13:20 to 22:14:00 UTC.
    let ticks: Vec<&str> = dom
        .split("class=\"tick\"")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(ticks.len(), 5, "axis ticks: {ticks:?}");
    let tick = regex::Regex::new(r"^22:1[34]:\d\d\.\d{3}$").unwrap();
    assert!(
        ticks.iter().all(|t| tick.is_match(t)),
        "axis labels: {ticks:?}"
    );
    assert!(dom.contains("time (UTC)"), "the axis names its zone");
    for (id, when) in [
        ("from-time", "2023-11-14 22:13:20.00"),
        ("to-time", "2023-11-14 22:14:00.69"),
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\">{when}")),
            "{id} does not show {when}"
        );
    }
    // A forked child that did not exec is named by the program it runs (its parent's).
    let data = html
        .split("const DATA = ")
        .nth(1)
        .and_then(|d| d.split(";\nconst SVGNS").next())
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(&data.replace("<\\/", "</")).unwrap();
    let forked: Vec<&serde_json::Value> = data["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["inherited"] == true)
        .collect();
    assert!(forked.len() > 10, "{} forked children", forked.len());
    assert!(
        forked.iter().all(|p| p["cmd"] != "-"),
        "a forked child shown as -"
    );

    let shot = out_dir.join("timeline.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &[
            "--window-size=1400,900",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
        &out_dir.join("profile-shot"),
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot"
    );
}

#[test]
fn a_page_that_cannot_be_written_is_said_as_such() {
    let sample = root().join("corpus/sample.bsm");
    let args = [
        "knox",
        "timeline",
        "--html",
        "/nonexistent-dir/page.html",
        sample.to_str().unwrap(),
    ];
    let (code, out, err) = knox::cli::run_on_bytes(&args, b"").unwrap();
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "knox timeline: cannot write the page /nonexistent-dir/page.html: No such file or directory\n"
    );
}
