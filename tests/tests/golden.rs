//! Golden outputs (insta snapshots in `tests/tests/snapshots/`) of every text and JSON form of
//! every tool on the corpus trails: exit code, stderr and stdout, in UTC, with the embedded macOS
//! event table and the corpus's own account files, so that they are the same on every machine.
//!
//! Short outputs are kept whole. A long one keeps its first 40 and last 10 lines (each cut at
//! 300 characters), its line count and a fingerprint of all its bytes, so that any change
//! anywhere fails the test while the snapshot stays small enough to review. `cargo insta review` (or `INSTA_UPDATE=always`)
//! updates them after a deliberate change; review the diff before committing.

use knox_tests::root;

/// Every form of every tool that reads trails.
const FORMS: &[&[&str]] = &[
    &["stats"],
    &["stats", "--json"],
    &["praudit"],
    &["praudit", "-l"],
    &["praudit", "-x"],
    &["praudit", "-r", "-l"],
    &["praudit", "-s", "-n"],
    &["json"],
    &["commands"],
    &["commands", "--env"],
    &["commands", "--long", "--all"],
    &["commands", "--json", "--all"],
    &["ps"],
    &["ps", "--json"],
    &["tree"],
    &["tree", "--json"],
    &["files"],
    &["files", "--json"],
    &["files", "--by-path"],
    &["files", "--by-path", "--json"],
    &["errors"],
    &["errors", "--json"],
    &["net"],
    &["net", "--json"],
    &["export", "--format", "ocsf"],
    &["export", "--format", "timesketch"],
];

const TRAILS: [&str; 3] = ["damaged", "macos-h32", "sample"];

/// FNV-1a, 64 bits: a fingerprint of the whole output.
fn fingerprint(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ c as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn compact(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(b);
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= 100 && lines.iter().all(|l| l.len() <= 300) {
        return text.into_owned();
    }
    let cut = |l: &&str| -> String {
        match l.char_indices().nth(300) {
            Some((i, _)) => format!("{}[... {} bytes]", &l[..i], l.len()),
            None => l.to_string(),
        }
    };
    let (head, tail) = if lines.len() <= 50 {
        (&lines[..], &lines[lines.len()..])
    } else {
        (&lines[..40], &lines[lines.len() - 10..])
    };
    let part = |ls: &[&str]| ls.iter().map(cut).collect::<Vec<_>>().join("\n");
    format!(
        "{}\n[... {} lines in all, {} bytes, fingerprint {:016x} ...]\n{}\n",
        part(head),
        lines.len(),
        b.len(),
        fingerprint(b),
        part(tail)
    )
}

fn run(form: &[&str], trail: &str) -> String {
    let corpus = root().join("corpus");
    let (passwd, group, file) = (
        corpus.join("passwd"),
        corpus.join("group"),
        corpus.join(format!("{trail}.bsm")),
    );
    let mut args = vec!["knox"];
    args.extend_from_slice(form);
    args.extend(["--utc", "--flavor", "macos", "-j", "1"]);
    args.extend(["--passwd", passwd.to_str().unwrap()]);
    args.extend(["--group", group.to_str().unwrap()]);
    // Messages name the trail as the command line does: corpus/NAME.bsm.
    let shown = format!("corpus/{trail}.bsm");
    args.push(file.to_str().unwrap());
    let (code, out, err) = knox::cli::run_on_bytes(&args, b"").unwrap();
    let err = String::from_utf8_lossy(&err).replace(file.to_str().unwrap(), &shown);
    // Named before compacting, so that sizes and fingerprints do not depend on the checkout.
    let out = String::from_utf8_lossy(&out).replace(file.to_str().unwrap(), &shown);
    let out = compact(out.as_bytes());
    format!("exit: {code}\n--- stderr\n{err}--- stdout\n{out}")
}

#[test]
fn every_form_of_every_tool_on_the_corpus() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for trail in TRAILS {
            for form in FORMS {
                let name = format!("{trail}__{}", form.join("_").replace('-', ""));
                insta::assert_snapshot!(name, run(form, trail));
            }
        }
    });
}

#[test]
fn verify_reports() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for trail in TRAILS {
            for json in [false, true] {
                let file = root().join("corpus").join(format!("{trail}.bsm"));
                let mut args = vec!["knox", "verify", "--utc", "-j", "1"];
                if json {
                    args.push("--json");
                }
                args.push(file.to_str().unwrap());
                let (code, out, err) = knox::cli::run_on_bytes(&args, b"").unwrap();
                let shown = format!("corpus/{trail}.bsm");
                let named =
                    |b: &[u8]| String::from_utf8_lossy(b).replace(file.to_str().unwrap(), &shown);
                let text = format!(
                    "exit: {code}\n--- stderr\n{}--- stdout\n{}",
                    named(&err),
                    compact(named(&out).as_bytes())
                );
                let name = format!("{trail}__verify{}", if json { "_json" } else { "" });
                insta::assert_snapshot!(name, text);
            }
        }
    });
}

#[test]
fn the_timeline_page_data() {
    // The page's data (its script and style are checked in Chromium by timeline.rs).
    let dir = std::env::temp_dir().join(format!("knox-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("t.html");
    let shown = run(&["timeline", "--html", page.to_str().unwrap()], "macos-h32");
    let html = std::fs::read_to_string(&page).unwrap();
    let data = html
        .split("const DATA = ")
        .nth(1)
        .and_then(|d| d.split(";\nconst SVGNS").next())
        .unwrap()
        .replace(root().join("corpus").to_str().unwrap(), "corpus");
    let v: serde_json::Value = serde_json::from_str(&data.replace("<\\/", "</")).unwrap();
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(
            "macos-h32__timeline",
            format!("{shown}{}", compact(pretty.as_bytes()))
        );
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
