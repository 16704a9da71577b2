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
    if chromium().is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is missing: .ci/run installs it (apt-get install chromium)");
        }
        eprintln!("skipping: no chromium (apt-get install chromium)");
        return;
    }
    let out_dir = root().join("target/timeline-test");
    std::fs::create_dir_all(&out_dir).unwrap();
    let page = out_dir.join("sample.html");
    let (code, _, err) = knox(
        &[
            "timeline",
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
